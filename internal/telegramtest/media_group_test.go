package telegramtest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func album(chatID int64, captionOfFirst string, fileIDs ...string) tgbotapi.MediaGroupConfig {
	var media []any
	for i, id := range fileIDs {
		p := tgbotapi.NewInputMediaPhoto(tgbotapi.FileID(id))
		if i == 0 {
			p.Caption = captionOfFirst
			p.ParseMode = tgbotapi.ModeHTML
		}
		media = append(media, p)
	}
	return tgbotapi.NewMediaGroup(chatID, media)
}

func registerPhotos(srv *telegramtest.Server, n int) []string {
	var ids []string
	for i := range n {
		id := fmt.Sprintf("AgACAgIAAxkBAAEphoto%d", i)
		srv.RegisterPhoto(id, nil)
		ids = append(ids, id)
	}
	return ids
}

// The shape of a post: an album of three photos, then a text with the
// buttons, because an album cannot carry any.
func TestSendMediaGroupThenButtons(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	ids := registerPhotos(srv, 3)

	msgs, err := bot.SendMediaGroup(album(-1001, "<b>Venlo</b> in spring", ids...))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || msgs[0].MediaGroupID == "" {
		t.Fatalf("album = %+v", msgs)
	}
	for i, m := range msgs {
		if m.MediaGroupID != msgs[0].MediaGroupID || len(m.Photo) == 0 || m.Photo[0].FileID != ids[i] {
			t.Errorf("item %d = %+v", i, m)
		}
	}
	if msgs[0].Caption != "Venlo in spring" || msgs[1].Caption != "" || msgs[2].MessageID != msgs[0].MessageID+2 {
		t.Errorf("captions/ids: %q %q %d", msgs[0].Caption, msgs[1].Caption, msgs[2].MessageID)
	}
	follow := tgbotapi.NewMessage(-1001, "What do you think?")
	follow.ReplyMarkup = keyboard("like", "share")
	if _, err := bot.Send(follow); err != nil {
		t.Fatal(err)
	}

	sent := srv.WaitSentCount(t, wait, 4)
	for i, m := range sent[:3] {
		if !telegramtest.InAlbum()(m) || !telegramtest.HasPhoto(ids[i])(m) || m.Method != "sendMediaGroup" {
			t.Errorf("sent[%d] = %+v", i, m)
		}
	}
	if last := sent[3]; last.MediaGroupID != "" || last.Media != "" || len(last.ReplyMarkup.Buttons()) != 2 {
		t.Errorf("buttons message = %+v", last)
	}
	if !strings.Contains(sent[1].Params["media"], ids[1]) {
		t.Errorf("item params = %v", sent[1].Params)
	}
	if n := srv.IgnoredAlbumMarkups(); n != 0 {
		t.Errorf("IgnoredAlbumMarkups = %d", n)
	}

	// reply_markup is no parameter of sendMediaGroup: Telegram sends the
	// album without buttons, and the fake counts the attempt.
	media, _ := json.Marshal([]map[string]string{{"type": "photo", "media": ids[0]}, {"type": "photo", "media": ids[1]}})
	params := tgbotapi.Params{"chat_id": "-1001", "media": string(media),
		"reply_markup": `{"inline_keyboard":[[{"text":"x","callback_data":"x"}]]}`}
	if _, err := bot.MakeRequest("sendMediaGroup", params); err != nil {
		t.Fatal(err)
	}
	if n := srv.IgnoredAlbumMarkups(); n != 1 {
		t.Errorf("IgnoredAlbumMarkups = %d, want 1", n)
	}
	if m, _ := srv.LastTo(-1001); m.ReplyMarkup != nil {
		t.Errorf("album item got buttons: %+v", m.ReplyMarkup)
	}
}

func TestSendMediaGroupValidation(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	ids := registerPhotos(srv, 11)
	chat, user := telegramtest.PrivateChat(3, "")
	docID := srv.IncomingFileID(srv.SendDocument(chat, user, "menu.pdf", ""))
	item := func(typ, media string) map[string]any { return map[string]any{"type": typ, "media": media} }
	photos := func(n int) []any {
		var out []any
		for _, id := range ids[:n] {
			out = append(out, item("photo", id))
		}
		return out
	}
	withCaption := func(caption, mode string) []any {
		items := photos(2)
		items[0] = map[string]any{"type": "photo", "media": ids[0], "caption": caption, "parse_mode": mode}
		return items
	}
	for _, tt := range []struct {
		name  string
		media any // JSON-encoded unless a string
		want  string
	}{
		{"none", []any{}, "Bad Request: there are no messages to send"},
		{"eleven", photos(11), "Bad Request: too many messages to send as an album"},
		{"unknown second file", []any{item("photo", ids[0]), item("photo", "AgACnever")}, `Bad Request: failed to send message #2 with the error message "Wrong file identifier/HTTP URL specified"`},
		{"document as photo", []any{item("photo", ids[0]), item("photo", docID)}, "Bad Request: can't use file of type Document as Photo"},
		{"document mixed in", []any{item("photo", ids[0]), item("document", docID)}, "Bad Request: document can't be mixed with other media types"},
		{"animation", []any{item("animation", ids[0]), item("photo", ids[1])}, `Bad Request: can't parse InputMedia: type "animation" can't be used in sendMediaGroup`},
		{"sticker", []any{item("sticker", ids[0]), item("photo", ids[1])}, `Bad Request: can't parse InputMedia: type "sticker" is unsupported`},
		{"no media", []any{map[string]any{"type": "photo"}, item("photo", ids[1])}, "Bad Request: can't parse InputMedia: media not found"},
		{"not an object", []any{"x", item("photo", ids[1])}, "Bad Request: can't parse InputMedia: expected an Object"},
		{"bad caption", withCaption("<b>x", "HTML"), "Bad Request: can't parse InputMedia: Can't parse entities: Can't find end tag corresponding to start tag b"},
		{"long caption", withCaption(strings.Repeat("x", 1025), ""), "Bad Request: message caption is too long"},
		{"not JSON", "[{", "Bad Request: can't parse media JSON object"},
		{"not an array", `{"type":"photo"}`, "Bad Request: expected an Array of InputMedia"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			media, ok := tt.media.(string)
			if !ok {
				b, _ := json.Marshal(tt.media)
				media = string(b)
			}
			_, err := bot.MakeRequest("sendMediaGroup", tgbotapi.Params{"chat_id": "77", "media": media})
			if e := apiError(t, err); e.Code != 400 || e.Message != tt.want {
				t.Errorf("got %d %q\nwant %q", e.Code, e.Message, tt.want)
			}
		})
	}
	_, err := bot.MakeRequest("sendMediaGroup", tgbotapi.Params{"chat_id": "77"})
	if e := apiError(t, err); e.Message != `Bad Request: parameter "media" is required` {
		t.Errorf("no media parameter: %+v", e)
	}
	if n := len(srv.SentTo(77)); n != 0 {
		t.Fatalf("a refused album stored %d messages", n)
	}

	// One item is sent alone, outside any album, as TDLib does.
	one, err := bot.SendMediaGroup(album(77, "solo", ids[0]))
	if err != nil || len(one) != 1 || one[0].MediaGroupID != "" || one[0].Caption != "solo" {
		t.Fatalf("single item = %+v, %v", one, err)
	}
	// Documents go together, with their names.
	doc2 := srv.IncomingFileID(srv.SendDocument(chat, user, "prices.pdf", ""))
	b, _ := json.Marshal([]any{item("document", docID), item("document", doc2)})
	resp, err := bot.MakeRequest("sendMediaGroup", tgbotapi.Params{"chat_id": "77", "media": string(b)})
	var docs []tgbotapi.Message
	if err == nil {
		err = json.Unmarshal(resp.Result, &docs)
	}
	if err != nil || len(docs) != 2 || docs[1].Document == nil || docs[1].Document.FileName != "prices.pdf" || docs[0].MediaGroupID == "" {
		t.Fatalf("document album = %+v, %v", docs, err)
	}
	if m, _ := srv.LastTo(77); m.Media != "document" || m.FileID != doc2 {
		t.Errorf("stored document = %+v", m)
	}
	// Ten is the limit.
	ten, err := bot.SendMediaGroup(album(77, "", ids[:10]...))
	if err != nil || len(ten) != 10 {
		t.Fatalf("ten items: %d, %v", len(ten), err)
	}
}

// An album is one call: it takes one token from the chat's bucket whatever
// its size, and faults aimed at the chat hit it whole.
func TestSendMediaGroupFloodAndFaults(t *testing.T) {
	srv, bot, _ := limitedServer(t, telegramtest.Limits{GroupPerMinute: 20, GroupBurst: 1})
	ids := registerPhotos(srv, 3)
	if _, err := bot.SendMediaGroup(album(-5, "", ids...)); err != nil {
		t.Fatalf("first album: %v", err)
	}
	_, err := bot.SendMediaGroup(album(-5, "", ids...))
	wantFlood(t, err, 3)
	_, err = bot.Send(photo(-5, ids[0], "x"))
	wantFlood(t, err, 3)
	if srv.FloodHitsTo(-5) != 2 || len(srv.SentTo(-5)) != 3 {
		t.Errorf("flood hits %d, sent %d", srv.FloodHitsTo(-5), len(srv.SentTo(-5)))
	}

	srv.EnforceLimits(telegramtest.Limits{})
	srv.LoseNextTo("sendMediaGroup", -6, 1)
	_, err = bot.SendMediaGroup(album(-6, "", ids...))
	transportError(t, err)
	if n := len(srv.SentTo(-6)); n != 3 {
		t.Errorf("lost album stored %d messages, want 3", n)
	}
	srv.Kick(-7)
	_, err = bot.SendMediaGroup(album(-7, "", ids...))
	if e := apiError(t, err); e.Code != 403 || e.Message != "Forbidden: bot was kicked from the group chat" {
		t.Errorf("kicked: %+v", e)
	}
}
