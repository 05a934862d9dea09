package telegramtest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// A user's album arrives as one update per photo with a shared
// media_group_id; the caption, and its command entity, only on the first.
func TestSendAlbumIncoming(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(11, "nl")
	ids := srv.SendAlbum(chat, user, "/visit venlo | Kermis", 3)
	other := srv.SendAlbum(chat, user, "", 2)

	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(got) != 5 {
		t.Fatalf("got %d updates, %v", len(got), err)
	}
	first := got[0].Message
	if first.MediaGroupID == "" || got[0].UpdateID != ids[0] || len(first.Photo) != 2 {
		t.Fatalf("first = %+v", first)
	}
	if first.Caption != "/visit venlo | Kermis" || first.Text != "" || first.IsCommand() {
		t.Errorf("caption = %q, text %q", first.Caption, first.Text)
	}
	if e := first.CaptionEntities; len(e) != 1 || e[0].Type != "bot_command" || e[0].Offset != 0 || e[0].Length != 6 {
		t.Errorf("caption entities = %+v", e)
	}
	for i, u := range got[1:3] {
		m := u.Message
		if m.MediaGroupID != first.MediaGroupID || m.Caption != "" || len(m.CaptionEntities) != 0 || m.MessageID != first.MessageID+i+1 {
			t.Errorf("item %d = %+v", i+1, m)
		}
	}
	if got[3].Message.MediaGroupID == first.MediaGroupID || got[3].Message.MediaGroupID != got[4].Message.MediaGroupID {
		t.Errorf("second album shares the first's id: %q %q", got[3].Message.MediaGroupID, first.MediaGroupID)
	}
	// Every photo of the album is a file Telegram knows.
	for _, id := range append(ids, other...) {
		fileID := srv.IncomingFileID(id)
		if f, err := bot.GetFile(tgbotapi.FileConfig{FileID: fileID}); err != nil || f.FilePath == "" {
			t.Errorf("getFile(%s) = %+v, %v", fileID, f, err)
		}
	}
}

// A document or a video where a photo is expected: the update has no
// "photo", and its file_id is not a photo's.
func TestSendDocumentAndVideo(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(12, "")
	doc := srv.SendDocument(chat, user, "IMG_2041.JPG", "/visit venlo")
	vid := srv.SendVideo(chat, user, "parade")

	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(got) != 2 {
		t.Fatalf("got %d updates, %v", len(got), err)
	}
	d := got[0].Message
	if d.Photo != nil || d.Document == nil || d.Document.MimeType != "image/jpeg" || d.Document.FileName != "IMG_2041.JPG" {
		t.Errorf("document message = %+v / %+v", d, d.Document)
	}
	if d.Caption != "/visit venlo" || len(d.CaptionEntities) != 1 || d.Document.FileID != srv.IncomingFileID(doc) {
		t.Errorf("document caption = %q %+v", d.Caption, d.CaptionEntities)
	}
	v := got[1].Message
	if v.Photo != nil || v.Video == nil || v.Video.MimeType != "video/mp4" || v.Caption != "parade" || v.Video.FileID != srv.IncomingFileID(vid) {
		t.Errorf("video message = %+v", v)
	}
	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: d.Document.FileID})
	if err != nil || !strings.HasPrefix(f.FilePath, "documents/") || !strings.HasSuffix(f.FilePath, ".JPG") {
		t.Errorf("document file = %+v, %v", f, err)
	}
	_, err = bot.Send(tgbotapi.NewPhoto(12, tgbotapi.FileID(v.Video.FileID)))
	if e := apiError(t, err); e.Message != "Bad Request: can't use file of type Video as Photo" {
		t.Errorf("video as photo: %+v", e)
	}
}

// fatalTB records the Fatalf of a misused helper instead of failing.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// misuse runs fn in its own goroutine, as Fatalf ends it, and returns the
// message of the Fatalf, "" if there was none.
func misuse(rec *fatalTB, fn func()) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	rec.mu.Lock()
	defer rec.mu.Unlock()
	msg := rec.msg
	rec.msg = ""
	return msg
}

func TestMediaHelperMisuse(t *testing.T) {
	rec := &fatalTB{TB: t}
	srv := telegramtest.New(rec)
	chat, user := telegramtest.PrivateChat(1, "")
	for _, tt := range []struct {
		name string
		fn   func()
		want string
	}{
		{"album of one", func() { srv.SendAlbum(chat, user, "", 1) }, "an album has 2 to 10 items"},
		{"album of eleven", func() { srv.SendAlbum(chat, user, "", 11) }, "an album has 2 to 10 items"},
		{"no file", func() { srv.IncomingFileID(srv.SendText(chat, user, "hi")) }, "carries no photo, document, video or voice"},
		{"inline without inline mode", func() { srv.SendInlineQuery(user, "x", "") }, "WithInlineMode"},
		{"topic in unknown forum", func() { srv.CreateTopic(-100123, "x") }, "not a known forum"},
		{"rights for a group", func() { srv.SetChannelRights(chat.ID, telegramtest.ChannelRights{}) }, "not a channel"},
	} {
		if msg := misuse(rec, tt.fn); !strings.Contains(msg, tt.want) {
			t.Errorf("%s: Fatalf %q, want it to mention %q", tt.name, msg, tt.want)
		}
	}
}
