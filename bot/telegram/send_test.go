package telegram_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/tgerr"
	"github.com/partnerbot/partnerbot/store"
)

// A part with a document is uploaded with its caption, in its topic; the
// fake keeps the bytes Telegram would.
func TestSendPartDocument(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.WithToken(secret))
	tg.KnowChat(telegramtest.Chat{ID: 42, Type: "private"})
	c := newFileClient(t, tg, "")
	data := []byte("{\"chat_id\": 42}\n")
	ids, err := c.SendPart(t.Context(), 42, 0, store.Part{Text: "Your <b>data</b>",
		Document: &store.Document{Name: "partnerbot-mydata-42.json", Data: data}}, false)
	if err != nil || len(ids) != 1 {
		t.Fatalf("SendPart = %v, %v", ids, err)
	}
	m := tg.WaitSent(t, 5*time.Second, telegramtest.HasDocument("partnerbot-mydata-42.json"))
	if !bytes.Equal(m.Data, data) || m.Plain != "Your data" || m.MessageID != ids[0] {
		t.Errorf("sent %+v, want the file and its caption", m)
	}
}

// Upload errors keep Telegram's code (the library drops it), so a blocked
// chat is gone and a flood wait is a flood wait, as for any send; the token
// stays out of every error.
func TestSendPartDocumentErrors(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.WithToken(secret))
	tg.KnowChat(telegramtest.Chat{ID: 42, Type: "private"})
	tg.Block(44)
	c := newFileClient(t, tg, "")
	doc := func(chat int64, data []byte) error {
		_, err := c.SendPart(t.Context(), chat, 0, store.Part{Text: "x", Document: &store.Document{Name: "a.json", Data: data}}, false)
		return err
	}
	if err := doc(44, []byte("x")); tgerr.Classify(err).Outcome != tgerr.Gone {
		t.Errorf("blocked chat: %v (%v), want gone", err, tgerr.Classify(err).Outcome)
	}
	tg.FloodWaitTo("sendDocument", 42, 1, 7)
	if res := tgerr.Classify(doc(42, []byte("x"))); res.Outcome != tgerr.RateLimited || res.RetryAfter != 7*time.Second {
		t.Errorf("flood wait: %+v", res)
	}
	if err := doc(42, nil); tgerr.Classify(err).Outcome != tgerr.Permanent || !strings.Contains(err.Error(), "file must be non-empty") {
		t.Errorf("empty file: %v", err)
	}
	err := doc(42, make([]byte, telegram.MaxUploadSize+1))
	if tgerr.Classify(err).Outcome != tgerr.Permanent {
		t.Errorf("over 50 MB: %v, want refused for good", err)
	}
	if n := len(tg.Calls("sendDocument")); n != 3 {
		t.Errorf("%d sendDocument calls, want 3 (the oversized file is not uploaded)", n)
	}
	tg.LoseNextTo("sendDocument", 42, 1)
	err = doc(42, []byte("x"))
	if tgerr.Classify(err).Outcome != tgerr.Transient || strings.Contains(err.Error(), secret) {
		t.Errorf("lost response: %v, want transient and no token", err)
	}
	if n := len(tg.DocumentsTo(42)); n != 1 {
		t.Errorf("%d documents to 42, want 1 (the one whose answer was lost)", n)
	}
}
