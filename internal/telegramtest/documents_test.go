package telegramtest_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func upload(chatID int64, name string, data []byte, caption string) tgbotapi.DocumentConfig {
	d := tgbotapi.NewDocument(chatID, tgbotapi.FileBytes{Name: name, Bytes: data})
	d.Caption = caption
	d.ParseMode = tgbotapi.ModeHTML
	return d
}

// An uploaded document comes back in Telegram's shape, and the test reads
// its bytes back, from the message and by downloading it.
func TestSendDocumentUpload(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.KnowChat(telegramtest.Chat{ID: 42, Type: "private"})
	data := []byte(`{"chat_id": 42}` + "\n")
	got, err := bot.Send(upload(42, "mydata-42.json", data, "Your <b>data</b>"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Document == nil || got.Document.FileName != "mydata-42.json" || got.Document.MimeType != "application/json" ||
		got.Document.FileSize != len(data) || got.Document.FileID == "" {
		t.Errorf("document = %+v", got.Document)
	}
	if got.Caption != "Your data" || len(got.CaptionEntities) != 1 {
		t.Errorf("caption = %q %+v", got.Caption, got.CaptionEntities)
	}
	m := srv.WaitSent(t, wait, telegramtest.HasDocument("mydata-42.json"))
	if !bytes.Equal(m.Data, data) || m.Method != "sendDocument" || m.Plain != "Your data" {
		t.Errorf("stored = %+v", m)
	}
	if docs := srv.DocumentsTo(42); len(docs) != 1 {
		t.Errorf("DocumentsTo(42) = %d documents", len(docs))
	}
	// getFile and the download give the same bytes.
	link, err := bot.GetFileDirectURL(got.Document.FileID)
	if err != nil {
		t.Fatal(err)
	}
	_, path, _ := strings.Cut(link, "/documents/")
	resp, err := http.Get(srv.URL() + "/file/bot" + srv.Token() + "/documents/" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !bytes.Equal(body, data) {
		t.Errorf("download = %q, want %q", body, data)
	}
	// Sent again by its file_id: no upload.
	again := tgbotapi.NewDocument(42, tgbotapi.FileID(got.Document.FileID))
	if _, err := bot.Send(again); err != nil {
		t.Errorf("by file_id: %v", err)
	}
}

// What Telegram refuses, with its error texts.
func TestSendDocumentRefused(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.KnowChat(telegramtest.Chat{ID: 42, Type: "private"})
	chat, user := telegramtest.PrivateChat(43, "en")
	photoID := srv.IncomingFileID(srv.SendPhoto(chat, user, ""))
	srv.Block(44)
	tests := []struct {
		name string
		send tgbotapi.Chattable
		code int
		want string
	}{
		{"empty file", upload(42, "a.json", []byte{}, ""), 400, "Bad Request: file must be non-empty"},
		{"caption over 1024", upload(42, "a.json", []byte("x"), strings.Repeat("a", 1025)), 400, "Bad Request: message caption is too long"},
		{"no document", tgbotapi.NewDocument(42, tgbotapi.FileID("")), 400, "Bad Request: there is no document in the request"},
		{"a photo's id", tgbotapi.NewDocument(42, tgbotapi.FileID(photoID)), 400, "Bad Request: can't use file of type Photo as Document"},
		{"blocked", upload(44, "a.json", []byte("x"), ""), 403, "Forbidden: bot was blocked by the user"},
		{"over 50 MB", upload(42, "big.bin", make([]byte, telegramtest.MaxUploadSize+1), ""), 413, "Request Entity Too Large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bot.Send(tc.send)
			var e *tgbotapi.Error
			if !errors.As(err, &e) || e.Message != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			calls := srv.Calls("sendDocument")
			if c := calls[len(calls)-1]; c.Status != tc.code {
				t.Errorf("status = %d, want %d", c.Status, tc.code)
			}
		})
	}
	if n := len(srv.DocumentsTo(42)); n != 0 {
		t.Errorf("%d documents stored from refused calls", n)
	}
	// At the limit exactly it goes.
	if _, err := bot.Send(upload(42, "max.bin", make([]byte, telegramtest.MaxUploadSize), "")); err != nil {
		t.Errorf("50 MB exactly: %v", err)
	}
}
