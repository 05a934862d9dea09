package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// poster creates posts with chosen publication times.
type poster struct {
	t  *testing.T
	st store.Store
}

func (p poster) post(kind store.Kind, city, title string, published time.Time, opts ...func(*store.Post)) store.Post {
	p.t.Helper()
	post := store.Post{Kind: kind, City: city, Title: title, Text: "About " + title, Lang: store.LangEN,
		Date: published, PublishedAt: published, UpdatedAt: published}
	if kind == store.KindEvent {
		at := published.Add(10 * 24 * time.Hour)
		post.StartsAt = &at
	}
	for _, o := range opts {
		o(&post)
	}
	created, err := p.st.CreatePost(context.Background(), post)
	if err != nil {
		p.t.Fatalf("create post %q: %v", title, err)
	}
	return created
}

// deliver runs workers until the outbox is settled, so every planned
// message went through the fake (which refuses invalid HTML and texts over
// 4096 characters).
func (r *rig) deliver() {
	r.t.Helper()
	stop := r.startWorkers(&scheduler.Workers{Count: 4})
	ob := r.waitSettled()
	stop()
	if ob.Dead != 0 {
		dl, _ := r.st.DeadLetters(context.Background(), 5)
		r.t.Fatalf("%d messages dead-lettered, e.g. %+v", ob.Dead, dl)
	}
}

// plainSince joins what chat got after its first skip messages.
func (r *rig) plainSince(chat int64, skip int) (string, int) {
	got := r.tg.SentTo(chat)
	if skip > len(got) {
		skip = len(got)
	}
	return strings.Join(plainsOf(got[skip:]), "\n\n"), len(got) - skip
}

// inOrder checks that every want occurs in s, in this order.
func inOrder(t *testing.T, who, s string, wants ...string) {
	t.Helper()
	last, lastWant := -1, ""
	for _, w := range wants {
		i := strings.Index(s, w)
		switch {
		case i < 0:
			t.Errorf("%s: lacks %q:\n%s", who, w, s)
			return
		case i < last:
			t.Errorf("%s: %q comes before %q:\n%s", who, w, lastWant, s)
		}
		last, lastWant = i, w
	}
}

func lacks(t *testing.T, who, s string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(s, u) {
			t.Errorf("%s: has %q:\n%s", who, u, s)
		}
	}
}

func TestDigestContent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 0)
	b, ds := renderer(t, r.st)
	loc := kyiv(t)
	slot1 := time.Date(2026, 11, 26, 9, 0, 0, 0, loc)
	clk := &clock{}
	clk.Set(slot1.Add(2 * time.Second))
	pl := &scheduler.Planner{Store: r.st, Renderer: b, Data: ds, Log: r.log, Now: clk.Now, PageSize: 2}
	ps := poster{t, r.st}

	r.subscriber(1001, store.LangEN, store.FreqDaily, []string{"venlo", "krefeld"})
	r.subscriber(1002, store.LangDE, store.FreqDaily, []string{"krefeld"}, store.KindVisit)
	r.subscriber(1003, store.LangEN, store.FreqWeekly, []string{"venlo"})
	r.subscriber(-1004, store.LangUK, store.FreqDaily, []string{"venlo"})
	r.subscriber(1005, store.LangEN, store.FreqDaily, []string{"krefeld"}, store.KindEvent) // nothing for them
	r.subscriber(1006, store.LangEN, store.FreqDaily, nil)                                  // follows no city

	h := time.Hour
	ps.post(store.KindVisit, "venlo", "Venlo old visit", slot1.Add(-30*h)) // before the 24 h a first digest looks back
	ps.post(store.KindVisit, "venlo", "Venlo visit two", slot1.Add(-5*h))
	concert := ps.post(store.KindEvent, "venlo", "Venlo concert", slot1.Add(-3*h))
	ps.post(store.KindVisit, "krefeld", "Krefeld visit four", slot1.Add(-4*h), func(p *store.Post) {
		p.Translations = map[store.Lang]store.PostText{store.LangDE: {Title: "Besuch in Krefeld vier", Text: "Auf Deutsch"}}
	})
	ps.post(store.KindAgreement, "krefeld", "Krefeld agreement five", slot1.Add(-2*h))
	ps.post(store.KindVisit, store.AllCities, "All cities visit six", slot1.Add(-6*h))
	ps.post(store.KindAnnouncement, "venlo", "Venlo announcement", slot1.Add(-1*h))
	edited := ps.post(store.KindVisit, "venlo", "Venlo before edit", slot1.Add(-90*time.Minute))
	deleted := ps.post(store.KindVisit, "krefeld", "Krefeld deleted nine", slot1.Add(-1*h))
	ps.post(store.KindVisit, "venlo", "Venlo after the slot", slot1.Add(time.Second))

	edited.Title, edited.Text = "Venlo after edit", "About Venlo after edit"
	if err := r.st.UpdatePost(ctx, edited); err != nil {
		t.Fatal(err)
	}
	if err := r.st.DeletePost(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}

	run, err := pl.RunDigest(ctx, store.FreqDaily, slot1)
	if err != nil {
		t.Fatal(err)
	}
	if run.Planned != 3 || run.Skipped != 1 || run.FinishedAt.IsZero() {
		t.Errorf("run %+v: want 3 planned (1001, 1002, -1004), 1 skipped (1005), finished", run)
	}
	r.deliver()

	venlo, krefeld := "🇳🇱 Venlo", "🇩🇪 Krefeld"
	gone := []string{"Venlo old visit", "Venlo announcement", "Venlo before edit", "Krefeld deleted nine", "Venlo after the slot"}

	en, _ := r.plainSince(1001, 0)
	inOrder(t, "1001", en, "What is new with our partner cities",
		venlo, "Venlo after edit", "Venlo concert", "Venlo visit two",
		krefeld, "Krefeld agreement five", "Krefeld visit four",
		"🌍 all cities", "All cities visit six")
	lacks(t, "1001", en, gone...)

	// A digest with an event still to come ends with its sign-up row.
	last := r.tg.SentTo(1001)[len(r.tg.SentTo(1001))-1]
	if b, ok := last.ReplyMarkup.Find("✅ Venlo concert · 0"); !ok || b.CallbackData != fmt.Sprintf("at:ly-%d-en", concert.ID) {
		t.Errorf("the digest's last message has buttons %+v, want the concert's sign-up row", last.ReplyMarkup.Buttons())
	}

	de, _ := r.plainSince(1002, 0)
	inOrder(t, "1002", de, "Neues aus unseren Partnerstädten", krefeld, "Besuch in Krefeld vier", "Auf Deutsch",
		"alle Städte", "All cities visit six")
	lacks(t, "1002", de, append(gone, "Krefeld visit four", "Krefeld agreement five", "Venlo")...)

	uk, _ := r.plainSince(-1004, 0)
	inOrder(t, "-1004", uk, "Що нового", "🇳🇱 Венло", "Venlo after edit", "Venlo concert", "Venlo visit two",
		"усі міста", "All cities visit six")
	lacks(t, "-1004", uk, append(gone, "Krefeld")...)

	for _, id := range []int64{1003, 1005, 1006} {
		if got := r.tg.SentTo(id); len(got) != 0 {
			t.Errorf("chat %d got %q from the daily run, want nothing", id, plainsOf(got))
		}
	}

	// The next day: only what was published since the last digest, and
	// not after the slot.
	slot2 := slot1.Add(24 * h)
	clk.Set(slot2.Add(2 * time.Second))
	ps.post(store.KindVisit, "venlo", "Venlo new eleven", slot1.Add(2*h))
	ps.post(store.KindVisit, "venlo", "Venlo after slot two", slot2.Add(time.Second))
	n1001, n1002, n1004 := len(r.tg.SentTo(1001)), len(r.tg.SentTo(1002)), len(r.tg.SentTo(-1004))
	if _, err := pl.RunDigest(ctx, store.FreqDaily, slot2); err != nil {
		t.Fatal(err)
	}
	r.deliver()
	en2, _ := r.plainSince(1001, n1001)
	inOrder(t, "1001 day 2", en2, venlo, "Venlo new eleven", "Venlo after the slot")
	lacks(t, "1001 day 2", en2, "Venlo visit two", "Venlo concert", "Venlo after edit", "Krefeld", "All cities visit six", "Venlo after slot two")
	uk2, _ := r.plainSince(-1004, n1004)
	inOrder(t, "-1004 day 2", uk2, "Venlo new eleven", "Venlo after the slot")
	if de2, n := r.plainSince(1002, n1002); n != 0 {
		t.Errorf("1002 had nothing new but got %q", de2)
	}

	// The weekly run reaches the weekly subscriber, once, with a week of
	// Venlo posts; daily subscribers get nothing from it.
	for range 2 {
		if _, err := pl.RunDigest(ctx, store.FreqWeekly, slot2); err != nil {
			t.Fatal(err)
		}
	}
	n1001 = len(r.tg.SentTo(1001))
	r.deliver()
	week, n := r.plainSince(1003, 0)
	if n != 1 {
		t.Errorf("weekly subscriber got %d messages, want 1 digest", n)
	}
	inOrder(t, "1003 weekly", week, "Venlo new eleven", "Venlo after the slot", "Venlo after edit",
		"Venlo concert", "Venlo visit two", "Venlo old visit", "All cities visit six")
	lacks(t, "1003 weekly", week, "Venlo announcement", "Venlo after slot two", "Krefeld")
	if len(r.tg.SentTo(1001)) != n1001 {
		t.Error("a daily subscriber got the weekly digest")
	}
}

// Forty long posts do not fit one message: the digest is split between
// posts into messages of at most 4096 characters, each valid HTML (the
// fake refuses anything else), newest first, nothing lost or cut.
func TestDigestSplitsLongDigests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 0)
	b, ds := renderer(t, r.st)
	slot := time.Date(2026, 11, 26, 9, 0, 0, 0, kyiv(t))
	pl := &scheduler.Planner{Store: r.st, Renderer: b, Data: ds, Log: r.log,
		Now: func() time.Time { return slot.Add(time.Second) }}
	ps := poster{t, r.st}
	r.subscriber(2001, store.LangEN, store.FreqDaily, []string{"krefeld"})
	texts := map[string]string{}
	for i := 1; i <= 40; i++ {
		title := fmt.Sprintf("Long post %02d", i)
		// Markup-like text must arrive as text: <b> & co are escaped.
		text := strings.TrimSpace(strings.Repeat(fmt.Sprintf("Paragraph of post %02d with <b>tags</b> & \"quotes\" — ünïcödé.\n", i), 14))
		texts[title] = text
		ps.post(store.KindVisit, "krefeld", title, slot.Add(-time.Duration(41-i)*time.Minute), func(p *store.Post) { p.Text = text })
	}
	if _, err := pl.RunDigest(ctx, store.FreqDaily, slot); err != nil {
		t.Fatal(err)
	}
	r.deliver()
	msgs := r.tg.SentTo(2001)
	if len(msgs) < 2 {
		t.Fatalf("%d messages, want the digest split in several", len(msgs))
	}
	order := make([]string, 0, 40)
	for i, m := range msgs {
		if n := utf8.RuneCountInString(m.Plain); n > 4096 {
			t.Errorf("message %d has %d characters", i, n)
		}
		if utf8.RuneCountInString(m.Text) > 4096 {
			t.Errorf("message %d's HTML is %d characters: Pack must count the markup too", i, utf8.RuneCountInString(m.Text))
		}
		for title, text := range texts {
			if strings.Contains(m.Plain, title) {
				order = append(order, title)
				if !strings.Contains(m.Plain, title+"\n") || !strings.Contains(m.Plain, text) {
					t.Errorf("%s is not whole in message %d", title, i)
				}
			}
		}
	}
	if len(order) != 40 {
		t.Fatalf("%d post titles in the digest, want 40 each once", len(order))
	}
	all, _ := r.plainSince(2001, 0)
	want := make([]string, 0, 40)
	for i := 40; i >= 1; i-- {
		want = append(want, fmt.Sprintf("Long post %02d", i))
	}
	inOrder(t, "2001", all, want...)
	t.Logf("40 posts in %d messages", len(msgs))
}
