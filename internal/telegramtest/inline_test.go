package telegramtest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// Sharing a post inline: the query arrives, the bot answers with an
// article (HTML text and a button) and a cached photo, once.
func TestInlineQueryAndAnswer(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithInlineMode())
	bot := srv.NewBotAPI(t)
	if !bot.Self.SupportsInlineQueries {
		t.Error("getMe: supports_inline_queries = false with WithInlineMode")
	}
	_, user := telegramtest.PrivateChat(41, "en")
	upd, qid := srv.SendInlineQuery(user, "venlo", "")

	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(got) != 1 || got[0].UpdateID != upd {
		t.Fatalf("updates = %+v, %v", got, err)
	}
	q := got[0].InlineQuery
	if q == nil || q.ID != qid || q.Query != "venlo" || q.Offset != "" || q.ChatType != "sender" || q.From.ID != 41 {
		t.Fatalf("inline query = %+v", q)
	}

	srv.RegisterPhoto("P", nil)
	article := tgbotapi.NewInlineQueryResultArticleHTML("post:7", "Kermis", "<b>Kermis</b> in Venlo")
	article.Description = "Sat 12:00"
	markup := keyboard("open:7")
	article.ReplyMarkup = &markup
	cached := tgbotapi.NewInlineQueryResultCachedPhoto("photo:7", "P")
	cached.Caption = "Kermis"
	answer := tgbotapi.InlineConfig{InlineQueryID: qid, Results: []any{article, cached}, IsPersonal: true, NextOffset: "2"}
	if _, err := bot.Request(answer); err != nil {
		t.Fatal(err)
	}
	a := srv.WaitInlineAnswer(t, wait, qid)
	if a.CacheTime != 300 || !a.IsPersonal || a.NextOffset != "2" || len(a.Results) != 2 {
		t.Fatalf("answer = %+v", a)
	}
	r := a.Results[0]
	if r.ID != "post:7" || r.Type != "article" || r.Title != "Kermis" || r.Description != "Sat 12:00" ||
		r.MessageText != "<b>Kermis</b> in Venlo" || r.MessagePlain != "Kermis in Venlo" || r.ParseMode != "HTML" {
		t.Errorf("article = %+v", r)
	}
	if b, ok := r.ReplyMarkup.Find("btn open:7"); !ok || b.CallbackData != "open:7" {
		t.Errorf("article buttons = %+v", r.ReplyMarkup)
	}
	if p := a.Results[1]; p.Type != "photo" || p.PhotoFileID != "P" || p.Caption != "Kermis" || p.MessageText != "" {
		t.Errorf("cached photo = %+v", p)
	}

	_, err = bot.Request(answer)
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: query is too old and response timeout expired or query ID is invalid" {
		t.Errorf("second answer: %+v", e)
	}
	_, qid2 := srv.SendInlineQuery(user, "venlo", "2")
	srv.ExpireInlineQueries()
	_, err = bot.Request(tgbotapi.InlineConfig{InlineQueryID: qid2, CacheTime: 10})
	if e := apiError(t, err); !strings.HasPrefix(e.Message, "Bad Request: query is too old") {
		t.Errorf("expired: %+v", e)
	}
	if n := len(srv.InlineAnswers()); n != 1 {
		t.Errorf("InlineAnswers = %d", n)
	}
}

func TestInlineAnswerValidation(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithInlineMode())
	bot := srv.NewBotAPI(t)
	_, user := telegramtest.PrivateChat(42, "")
	_, qid := srv.SendInlineQuery(user, "", "")
	art := func(id string) map[string]any {
		return map[string]any{"type": "article", "id": id, "title": "t", "input_message_content": map[string]any{"message_text": "m"}}
	}
	many := func(n int) []any {
		var out []any
		for i := range n {
			out = append(out, art(fmt.Sprint(i)))
		}
		return out
	}
	for _, tt := range []struct {
		name    string
		results any
		want    string
	}{
		{"51 results", many(51), "Bad Request: too many inline query results specified"},
		{"duplicate ids", []any{art("a"), art("a")}, "Bad Request: RESULT_ID_DUPLICATE"},
		{"65-byte id", []any{art(strings.Repeat("x", 65))}, "Bad Request: RESULT_ID_INVALID"},
		{"empty id", []any{art("")}, "Bad Request: RESULT_ID_EMPTY"},
		{"unknown type", []any{map[string]any{"type": "carousel", "id": "1"}}, `Bad Request: can't parse inline query result: type "carousel" is unsupported for the inline query result`},
		{"article without title", []any{map[string]any{"type": "article", "id": "1", "input_message_content": map[string]any{"message_text": "m"}}}, `Bad Request: can't parse inline query result: Can't find field "title"`},
		{"article without text", []any{map[string]any{"type": "article", "id": "1", "title": "t"}}, `Bad Request: can't parse inline query result: Can't find field "message_text"`},
		{"empty content", []any{map[string]any{"type": "article", "id": "1", "title": "t", "input_message_content": map[string]any{}}}, "Bad Request: can't parse inline query result: Input message content is not specified"},
		{"bad html", []any{map[string]any{"type": "article", "id": "1", "title": "t", "input_message_content": map[string]any{"message_text": "<b>x", "parse_mode": "HTML"}}}, "Bad Request: can't parse inline query result: Can't parse entities: Can't find end tag corresponding to start tag b"},
		{"photo without file", []any{map[string]any{"type": "photo", "id": "1"}}, `Bad Request: can't parse inline query result: Can't find field "photo_file_id"`},
		{"no id", []any{map[string]any{"type": "article"}}, `Bad Request: can't parse inline query result: Can't find field "id"`},
		{"not an array", map[string]any{}, "Bad Request: expected an Array of inline query results"},
	} {
		b, _ := json.Marshal(tt.results)
		_, err := bot.MakeRequest("answerInlineQuery", tgbotapi.Params{"inline_query_id": qid, "results": string(b)})
		if e := apiError(t, err); e.Code != 400 || e.Message != tt.want {
			t.Errorf("%s: got %d %q\nwant %q", tt.name, e.Code, e.Message, tt.want)
		}
	}
	_, err := bot.MakeRequest("answerInlineQuery", tgbotapi.Params{"inline_query_id": "123", "results": "[]"})
	if e := apiError(t, err); !strings.HasPrefix(e.Message, "Bad Request: query is too old") {
		t.Errorf("unknown query id: %+v", e)
	}
	// Refused answers do not use the query up; 50 results and a numeric id
	// are fine, and cache_time is clamped to a day.
	fifty := many(50)
	fifty[0] = map[string]any{"type": "article", "id": 12345, "title": "t", "message_text": "legacy text"}
	b, _ := json.Marshal(fifty)
	if _, err := bot.MakeRequest("answerInlineQuery", tgbotapi.Params{"inline_query_id": qid, "results": string(b), "cache_time": "999999"}); err != nil {
		t.Fatal(err)
	}
	a := srv.WaitInlineAnswer(t, wait, qid)
	if len(a.Results) != 50 || a.Results[0].ID != "12345" || a.Results[0].MessagePlain != "legacy text" || a.CacheTime != 86400 || a.IsPersonal {
		t.Errorf("answer = %+v", a.Results[0])
	}
}

// inline_query is delivered by default, and only when listed once the bot
// sends its own allowed_updates.
func TestInlineQueryAllowedUpdates(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithInlineMode())
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(43, "")

	first, _ := srv.SendInlineQuery(user, "a", "")
	got, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: 0, AllowedUpdates: []string{}})
	if err != nil || len(got) != 1 || got[0].UpdateID != first {
		t.Fatalf("default set: %+v, %v", got, err)
	}

	srv.SendInlineQuery(user, "b", "")
	text := srv.SendText(chat, user, "hi")
	got, err = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: first + 1, AllowedUpdates: []string{"message", "callback_query"}})
	if err != nil || len(got) != 1 || got[0].UpdateID != text {
		t.Fatalf("without inline_query: %+v, %v", got, err)
	}

	third, _ := srv.SendInlineQuery(user, "c", "")
	got, err = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: text + 1, AllowedUpdates: []string{"message", "inline_query"}})
	if err != nil || len(got) != 1 || got[0].UpdateID != third || got[0].InlineQuery.Query != "c" {
		t.Fatalf("with inline_query: %+v, %v", got, err)
	}
}
