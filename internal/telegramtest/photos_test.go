package telegramtest_test

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func photo(chatID int64, fileID, caption string) tgbotapi.PhotoConfig {
	p := tgbotapi.NewPhoto(chatID, tgbotapi.FileID(fileID))
	p.Caption = caption
	p.ParseMode = tgbotapi.ModeHTML
	return p
}

// A photo a user sent is sent again by its file_id, with an HTML caption
// and buttons, and comes back in Telegram's shape.
func TestSendPhotoByFileID(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(42, "nl")
	fileID := srv.IncomingFileID(srv.SendPhoto(chat, user, "market"))

	p := photo(42, fileID, "<b>Venlo</b> market &amp; more")
	p.ReplyMarkup = keyboard("visit:1")
	got, err := bot.Send(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Photo) != 2 || got.Photo[1].FileID != fileID || got.Photo[1].Width != 800 || got.Text != "" {
		t.Errorf("photo = %+v, text %q", got.Photo, got.Text)
	}
	if got.Caption != "Venlo market & more" || len(got.CaptionEntities) != 1 || got.CaptionEntities[0].Type != "bold" {
		t.Errorf("caption = %q %+v", got.Caption, got.CaptionEntities)
	}
	if got.From == nil || got.From.ID != srv.BotID() || got.ReplyMarkup == nil {
		t.Errorf("from = %+v, markup = %+v", got.From, got.ReplyMarkup)
	}
	m := srv.WaitSent(t, wait, telegramtest.HasPhoto(fileID))
	if m.Media != "photo" || m.Method != "sendPhoto" || m.Plain != "Venlo market & more" || m.Text != "<b>Venlo</b> market &amp; more" {
		t.Errorf("stored = %+v", m)
	}
	if b, ok := m.ReplyMarkup.Find("btn visit:1"); !ok || b.CallbackData != "visit:1" {
		t.Errorf("buttons = %+v", m.ReplyMarkup)
	}

	// An id the test registers is as good as one from an update.
	srv.RegisterPhoto("AgACAgIAAxkBAAEregistered", nil)
	if _, err := bot.Send(photo(42, "AgACAgIAAxkBAAEregistered", "")); err != nil {
		t.Errorf("registered id: %v", err)
	}

	docID := srv.IncomingFileID(srv.SendDocument(chat, user, "scan.jpg", ""))
	for _, tt := range []struct{ fileID, want string }{
		{"AgACAgIAAxkBAAEnever-seen", "Bad Request: wrong file identifier/HTTP URL specified"},
		{docID, "Bad Request: can't use file of type Document as Photo"},
	} {
		_, err := bot.Send(photo(42, tt.fileID, "x"))
		if e := apiError(t, err); e.Code != 400 || e.Message != tt.want {
			t.Errorf("%s: got %d %q, want %q", tt.fileID, e.Code, e.Message, tt.want)
		}
	}
	_, err = bot.MakeRequest("sendPhoto", tgbotapi.Params{"chat_id": "42", "caption": "no photo"})
	if e := apiError(t, err); e.Message != "Bad Request: there is no photo in the request" {
		t.Errorf("no photo: %+v", e)
	}
	if n := len(srv.SentTo(42)); n != 2 {
		t.Errorf("%d messages stored, want only the 2 that succeeded", n)
	}

	// An upload becomes a new photo with a file_id to reuse.
	up, err := bot.Send(tgbotapi.NewPhoto(42, tgbotapi.FileBytes{Name: "chart.jpg", Bytes: telegramtest.FakeJPEG("chart", 300)}))
	if err != nil || len(up.Photo) != 1 {
		t.Fatalf("upload = %+v, %v", up.Photo, err)
	}
	if _, err := bot.Send(photo(42, up.Photo[0].FileID, "again")); err != nil {
		t.Errorf("reusing the upload's file_id: %v", err)
	}
}

// Captions count what the user sees, like texts, with a limit of 1024.
func TestCaptionLimits(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.RegisterPhoto("P", nil)
	long := strings.Repeat("ü", 1024)
	for _, tt := range []struct {
		name, caption, parseMode, want string
	}{
		{"1024 runes", long, "", ""},
		{"1025 runes", long + "!", "", "Bad Request: message caption is too long"},
		{"1024 after tags", "<i>" + long + "</i>", "HTML", ""},
		{"1025 after unescaping", strings.Repeat("&gt;", 1025), "HTML", "Bad Request: message caption is too long"},
		{"empty", "", "", ""},
		{"only tags", "<b> </b>", "HTML", ""},
		{"bad html", "<b>open", "HTML", "Bad Request: can't parse entities: Can't find end tag corresponding to start tag b"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := photo(7, "P", tt.caption)
			p.ParseMode = tt.parseMode
			_, err := bot.Send(p)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e := apiError(t, err); e.Code != 400 || e.Message != tt.want {
				t.Errorf("got %d %q, want %q", e.Code, e.Message, tt.want)
			}
		})
	}
}

func TestEditCaptionAndText(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.RegisterPhoto("P", nil)
	sent, err := bot.Send(photo(9, "P", "draft"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := bot.Send(tgbotapi.NewMessage(9, "a text"))
	if err != nil {
		t.Fatal(err)
	}

	edit := tgbotapi.NewEditMessageCaption(9, sent.MessageID, "<b>final</b>")
	edit.ParseMode = tgbotapi.ModeHTML
	got, err := bot.Send(edit)
	if err != nil {
		t.Fatal(err)
	}
	if got.Caption != "final" || len(got.Photo) == 0 || got.EditDate == 0 {
		t.Errorf("edited = %+v", got)
	}
	m := srv.SentTo(9)[0]
	if !m.Edited || m.Plain != "final" || len(m.History) != 1 || m.History[0].Plain != "draft" {
		t.Errorf("stored = %+v", m)
	}
	for _, tt := range []struct {
		name string
		c    tgbotapi.Chattable
		want string
	}{
		{"same caption", edit, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"},
		{"text of a photo", tgbotapi.NewEditMessageText(9, sent.MessageID, "x"), "Bad Request: there is no text in the message to edit"},
		{"caption of a text", tgbotapi.NewEditMessageCaption(9, text.MessageID, "x"), "Bad Request: there is no caption in the message to edit"},
		{"too long", tgbotapi.NewEditMessageCaption(9, sent.MessageID, strings.Repeat("x", 1025)), "Bad Request: message caption is too long"},
		{"missing", tgbotapi.NewEditMessageCaption(9, 99, "x"), "Bad Request: message to edit not found"},
	} {
		_, err := bot.Send(tt.c)
		if e := apiError(t, err); e.Code != 400 || e.Message != tt.want {
			t.Errorf("%s: got %d %q", tt.name, e.Code, e.Message)
		}
	}
	// Removing the caption is an edit like any other.
	if _, err := bot.Send(tgbotapi.NewEditMessageCaption(9, sent.MessageID, "")); err != nil {
		t.Errorf("empty caption: %v", err)
	}
	if m := srv.SentTo(9)[0]; m.Plain != "" || len(m.History) != 2 {
		t.Errorf("after removing the caption: %+v", m)
	}
}

// Per-chat faults, lost replies and chat errors hit sendPhoto like
// sendMessage.
func TestSendPhotoFaults(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	srv.RegisterPhoto("P", nil)

	srv.FailNextTo("sendPhoto", 5, 1, 502, "")
	_, err := bot.Send(photo(5, "P", "x"))
	if e := apiError(t, err); e.Code != 502 {
		t.Errorf("FailNextTo: %+v", e)
	}
	srv.LoseNextTo("sendPhoto", 5, 1)
	_, err = bot.Send(photo(5, "P", "lost"))
	transportError(t, err)
	if m, ok := srv.LastTo(5); !ok || m.Plain != "lost" || srv.LostTo(5) != 1 {
		t.Errorf("lost photo not stored: %+v", m)
	}
	srv.Block(5)
	_, err = bot.Send(photo(5, "P", "x"))
	if e := apiError(t, err); e.Code != 403 || e.Message != "Forbidden: bot was blocked by the user" {
		t.Errorf("blocked: %+v", e)
	}
}
