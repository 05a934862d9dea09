package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// inline types "@bot query" as the chat's user and returns the bot's answer.
func (c *chat) inline(query, offset string) telegramtest.InlineAnswer {
	c.e.t.Helper()
	id, qid := c.e.tg.SendInlineQuery(c.user, query, offset)
	a := c.e.tg.WaitInlineAnswer(c.e.t, wait, qid)
	c.e.tg.WaitConfirmed(c.e.t, wait, id)
	return a
}

func resultIDs(a telegramtest.InlineAnswer) []string {
	ids := make([]string, len(a.Results))
	for i, r := range a.Results {
		ids[i] = r.ID
	}
	return ids
}

func findResult(t *testing.T, a telegramtest.InlineAnswer, id string) telegramtest.InlineResult {
	t.Helper()
	for _, r := range a.Results {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result %s among %v", id, resultIDs(a))
	return telegramtest.InlineResult{}
}

// wantLinks checks a card's two URL buttons: open in the bot, subscribe.
func wantLinks(t *testing.T, e *env, r telegramtest.InlineResult, open, sub string) {
	t.Helper()
	bs := r.ReplyMarkup.Buttons()
	base := "https://t.me/" + e.tg.BotUsername() + "?start="
	if len(bs) != 2 || bs[0].URL != base+open || bs[1].URL != base+sub || bs[0].CallbackData != "" || bs[1].CallbackData != "" {
		t.Errorf("%s: buttons %+v, want URL buttons to %s and %s", r.ID, bs, base+open, base+sub)
	}
}

func TestInlineEmptyQueryListsCities(t *testing.T) {
	e := newEnv(t)
	e.start()
	a := e.private(7001, "en").inline("  ", "")
	if got := strings.Join(resultIDs(a), ","); got != "c:krefeld,c:venlo" {
		t.Fatalf("results %s, want the partner cities", got)
	}
	if a.NextOffset != "" || !a.IsPersonal || a.CacheTime <= 0 || a.CacheTime > 60 {
		t.Errorf("next_offset %q, is_personal %v, cache_time %d", a.NextOffset, a.IsPersonal, a.CacheTime)
	}
	k := findResult(t, a, "c:krefeld")
	if k.Type != "article" || k.Title != "🇩🇪 Krefeld" || k.ParseMode != "HTML" {
		t.Errorf("krefeld card: %+v", k)
	}
	mustContain(t, k.MessagePlain, "🇩🇪 Krefeld, Germany", "partners since 2023", "North Rhine-Westphalia")
	mustContain(t, k.Description, "Germany")
	wantLinks(t, e, k, "city_krefeld", "sub_krefeld")
	v := findResult(t, a, "c:venlo")
	mustContain(t, v.MessagePlain, "Venlo", "Netherlands")
	wantLinks(t, e, v, "city_venlo", "sub_venlo")
	for _, r := range a.Results {
		if b := r.ReplyMarkup.Buttons(); len(b) == 2 {
			mustContain(t, b[0].Text+"|"+b[1].Text, "Open in the bot", "Subscribe")
		}
	}
}

func TestInlineSearchInReaderLanguage(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	ctx := context.Background()
	berlin := mustLoc(t, "Europe/Berlin")
	at := time.Now().Add(72 * time.Hour).In(berlin).Truncate(time.Minute)
	ev, err := st.CreatePost(ctx, store.Post{Kind: store.KindEvent, City: "krefeld", Lang: store.LangEN,
		Title: "Jazz night", Text: "Music", Place: "Stadtpark", StartsAt: &at, Date: at, PublishedAt: time.Now(),
		Translations: map[store.Lang]store.PostText{store.LangDE: {Title: "Jazznacht", Text: "Musik"}}})
	if err != nil {
		t.Fatal(err)
	}
	post, err := st.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "krefeld", Lang: store.LangEN,
		Title: "Delegation from Krefeld", Text: "Talks on schools\nSecond line", Date: time.Now(), PublishedAt: time.Now(),
		Translations: map[store.Lang]store.PostText{store.LangDE: {Title: "Delegation aus Krefeld", Text: "Gespräche über Schulen\nZweite Zeile"}}})
	if err != nil {
		t.Fatal(err)
	}
	evID, postID := "e:"+strconv.FormatInt(ev.ID, 10), "p:"+strconv.FormatInt(post.ID, 10)

	de := e.private(7002, "de")
	a := de.inline("  KREFELD ", "")
	ids := resultIDs(a)
	if len(ids) < 3 || ids[0] != "c:krefeld" || ids[1] != evID {
		t.Fatalf("results %v, want the city, then its event, then posts", ids)
	}
	for _, id := range ids {
		if id == "c:venlo" || id == "p:"+strconv.FormatInt(ev.ID, 10) {
			t.Errorf("%s listed (results %v)", id, ids)
		}
	}
	city := findResult(t, a, "c:krefeld")
	mustContain(t, city.MessagePlain, "Krefeld, Deutschland", "Partner seit 2023", "Niederrhein")
	mustContain(t, city.ReplyMarkup.Buttons()[1].Text, "Abonnieren")
	event := findResult(t, a, evID)
	mustContain(t, event.MessagePlain, "Jazznacht", "Stadtpark", at.Format("02.01.2006 15:04"), "Europe/Berlin", "Krefeld")
	wantLinks(t, e, event, "post_"+strconv.FormatInt(ev.ID, 10), "sub_krefeld")
	visit := findResult(t, a, postID)
	mustContain(t, visit.MessagePlain, "Delegation aus Krefeld", "Besuch", "Gespräche über Schulen")
	mustContain(t, visit.Title, "Delegation aus Krefeld")
	wantLinks(t, e, visit, "post_"+strconv.FormatInt(post.ID, 10), "sub_krefeld")

	// Titles and texts are searched as the reader reads them.
	if got := resultIDs(de.inline("jazznacht", "")); len(got) != 1 || got[0] != evID {
		t.Errorf("jazznacht in German: %v, want only the event", got)
	}
	// A language chosen with /lang wins over Telegram's language_code.
	en := e.private(7003, "de")
	en.ask("/lang en")
	a = en.inline("krefeld", "")
	mustContain(t, findResult(t, a, "c:krefeld").MessagePlain, "Germany")
	mustContain(t, findResult(t, a, evID).MessagePlain, "Jazz night")

	// Without their language a reader gets the original, and one line
	// says which it is; a translated card has no such line.
	nl := e.private(7005, "nl")
	a = nl.inline("krefeld", "")
	mustContain(t, findResult(t, a, postID).MessagePlain, "Delegation from Krefeld", "Origineel in het Engels")
	mustContain(t, findResult(t, a, evID).MessagePlain, "Jazz night", "Origineel in het Engels")
	if strings.Contains(visit.MessagePlain, "Original auf") || strings.Contains(event.MessagePlain, "Original auf") {
		t.Errorf("a translated card names its original language:\n%s\n%s", visit.MessagePlain, event.MessagePlain)
	}
}

func TestInlinePagesBeyondFifty(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	for i := range 60 {
		if _, err := st.CreatePost(context.Background(), store.Post{Kind: store.KindAnnouncement, City: store.AllCities,
			Lang: store.LangEN, Title: fmt.Sprintf("Paging post %02d", i), Text: "Body",
			Date: time.Now(), PublishedAt: time.Now().Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.private(7004, "en")
	first := c.inline("paging", "")
	if len(first.Results) != 50 || first.NextOffset != "50" {
		t.Fatalf("first page: %d results, next_offset %q; want 50 and \"50\"", len(first.Results), first.NextOffset)
	}
	mustContain(t, first.Results[0].Title, "Paging post 59") // newest first
	second := c.inline("paging", first.NextOffset)
	if len(second.Results) != 10 || second.NextOffset != "" {
		t.Fatalf("second page: %d results, next_offset %q; want 10 and none", len(second.Results), second.NextOffset)
	}
	seen := map[string]bool{}
	for _, id := range append(resultIDs(first), resultIDs(second)...) {
		if seen[id] {
			t.Errorf("%s on both pages", id)
		}
		seen[id] = true
	}
	mustContain(t, second.Results[9].Title, "Paging post 00")
	wantLinks(t, e, second.Results[0], "post_"+strings.TrimPrefix(second.Results[0].ID, "p:"), "sub_all")
	if got := c.inline("paging", "not-a-number"); len(got.Results) != 50 || got.Results[0].ID != first.Results[0].ID {
		t.Errorf("an unparsable offset did not start over: %v", resultIDs(got)[:1])
	}
}

func TestInlineEscapesAndEmptyAnswers(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	title := "Tom <b> & Jerry"
	p, err := st.CreatePost(context.Background(), store.Post{Kind: store.KindAnnouncement, City: "venlo", Lang: store.LangEN,
		Title: title, Text: "<i>not italic</i> & more", Date: time.Now(), PublishedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	c := e.private(7005, "en")
	r := findResult(t, c.inline("jerry", ""), "p:"+strconv.FormatInt(p.ID, 10))
	mustContain(t, r.MessagePlain, title, "<i>not italic</i> & more")
	mustContain(t, r.MessageText, "Tom &lt;b&gt; &amp; Jerry")
	mustContain(t, r.Title, title)

	a := c.inline("no such thing anywhere", "")
	if len(a.Results) != 0 || a.NextOffset != "" {
		t.Errorf("a query matching nothing: %v, next_offset %q", resultIDs(a), a.NextOffset)
	}
}

// A post with photos is shared as its first photo, the card as caption.
func TestInlinePostWithPhoto(t *testing.T) {
	e := newEnv(t)
	e.start()
	p, err := e.store().CreatePost(context.Background(), store.Post{Kind: store.KindVisit, City: "venlo", Lang: store.LangEN,
		Title: "Greenhouse tour", Text: "Strawberries", Date: time.Now(), PublishedAt: time.Now(),
		Photos: []store.Photo{{FileID: "photo-file-1", UniqueID: "u1"}, {FileID: "photo-file-2", UniqueID: "u2"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := findResult(t, e.private(7006, "en").inline("greenhouse", ""), "p:"+strconv.FormatInt(p.ID, 10))
	if r.Type != "photo" || r.PhotoFileID != "photo-file-1" {
		t.Errorf("result %+v, want the first photo", r)
	}
	mustContain(t, r.Caption, "Greenhouse tour", "Strawberries", "Venlo")
	wantLinks(t, e, r, "post_"+strconv.FormatInt(p.ID, 10), "sub_venlo")
}

// With storage down, a query is still answered, with the cities.
func TestInlineStorageDownAnswersWithCities(t *testing.T) {
	e := newRedisEnv(t)
	e.start()
	c := e.private(7007, "en")
	e.redis.Kill()
	a := c.inline("krefeld", "")
	if got := strings.Join(resultIDs(a), ","); got != "c:krefeld" {
		t.Errorf("results %s, want the Krefeld card", got)
	}
	mustContain(t, findResult(t, a, "c:krefeld").MessagePlain, "Germany")
	e.redis.Restart(t)
}
