package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// store returns a store on the bot's data, to check what the bot stored: a
// second connection to Redis, or the running bot's own embedded store
// (its file cannot be opened twice).
func (e *env) store() store.Store {
	e.t.Helper()
	if !e.cfg.usesRedis() {
		select {
		case st := <-e.stores:
			e.stores <- st
			return st
		case <-time.After(wait):
			e.t.Fatal("the bot never opened its store")
			return nil
		}
	}
	s, err := redisstore.OpenConn(context.Background(), e.cfg.redisConn())
	if err != nil {
		e.t.Fatalf("open store: %v", err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

func TestStartGreetsInResidentLanguage(t *testing.T) {
	e := newEnv(t)
	e.start()
	tests := []struct {
		id   int64
		lang string
		want []string
		menu []string
	}{
		{1, "uk", []string{"Кропивницький", "Крефельд", "Венло"}, []string{"Міста", "Події", "Новини", "Підписатися", "Мова"}},
		{2, "en-GB", []string{"Kropyvnytskyi", "Krefeld", "Venlo", "partner cities"}, []string{"Cities", "Events", "News", "Subscribe", "Language"}},
		{3, "de", []string{"Kropyvnytskyi", "Krefeld", "Venlo"}, []string{"Städte"}},
		{4, "nl", []string{"Kropyvnytskyi", "Venlo"}, []string{"Steden"}},
		{5, "fr", []string{"Кропивницький"}, []string{"Міста"}}, // unsupported: Ukrainian
		{6, "", []string{"Кропивницький"}, []string{"Міста"}},
	}
	for _, tt := range tests {
		m := e.private(tt.id, tt.lang).ask("/start")
		mustContain(t, m.Plain, tt.want...)
		var labels []string
		for _, b := range m.ReplyMarkup.Buttons() {
			labels = append(labels, b.Text)
		}
		mustContain(t, strings.Join(labels, "|"), tt.menu...)
		if m.ParseMode != "HTML" {
			t.Errorf("parse mode %q, want HTML", m.ParseMode)
		}
	}
}

func TestStartMenuButtonsWork(t *testing.T) {
	e := newEnv(t)
	e.start()
	c := e.private(10, "en")
	menu := c.ask("/start")
	_, got := c.tap(menu, "Cities")
	if len(got) != 1 {
		t.Fatalf("Cities: %d messages", len(got))
	}
	mustContain(t, got[0].Plain, "Krefeld", "Germany", "Venlo", "Netherlands")
	_, got = c.tap(menu, "News")
	mustContain(t, got[0].Plain, "Working visit to Venlo")
	_, got = c.tap(menu, "Events")
	mustContain(t, got[0].Plain, "No upcoming events")
	_, got = c.tap(menu, "Language")
	mustContain(t, got[0].Plain, "Choose a language")
	_, got = c.tap(menu, "Subscribe")
	mustContain(t, got[0].Plain, "Tap to choose")
}

func TestDeepLinks(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	c := e.private(20, "en")
	mustContain(t, c.ask("/start city_venlo").Plain, "Venlo", "Netherlands", "Latest posts")
	mustContain(t, c.ask("/start sub_krefeld").Plain, "Subscribed", "Krefeld")
	s, err := st.Subscriber(context.Background(), 20)
	if err != nil || !slices.Equal(s.Cities, []string{"krefeld"}) {
		t.Fatalf("after sub_krefeld: %+v, %v", s.Cities, err)
	}
	mustContain(t, c.ask("/start sub_all").Plain, "Subscribed", "Krefeld", "Venlo")
	s, _ = st.Subscriber(context.Background(), 20)
	if !slices.Equal(s.Cities, []string{"krefeld", "venlo"}) {
		t.Errorf("after sub_all: %v", s.Cities)
	}
	for _, payload := range []string{"city_paris", "sub_nowhere", "x<b>", strings.Repeat("z", 64)} {
		mustContain(t, c.ask("/start "+payload).Plain, "Hello")
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	e := newEnv(t)
	e.start()
	for _, lang := range []string{"uk", "en", "de", "nl"} {
		m := e.private(30, lang).ask("/help")
		for _, cmd := range []string{"/start", "/help", "/cities", "/city", "/events", "/news", "/subscribe", "/unsubscribe", "/settings", "/digest", "/lang", "/stop"} {
			mustContain(t, m.Plain, cmd+" — ")
		}
	}
}

func TestCityCard(t *testing.T) {
	e := newEnv(t)
	e.start()
	c := e.private(40, "uk")
	for _, name := range []string{"krefeld", "Krefeld", "Крефельд", "KREFELD"} {
		m := c.ask("/city " + name)
		mustContain(t, m.Plain, "Крефельд", "Німеччина", "2023", "https://www.krefeld.de", "Робочий візит до Крефельда")
		if _, ok := findButton(m, "Підписатися"); !ok {
			t.Errorf("card lacks Subscribe: %+v", m.ReplyMarkup.Buttons())
		}
	}
	en := e.private(41, "en")
	card := en.ask("/city Venlo")
	mustContain(t, card.Plain, "Venlo", "Netherlands", "education", "Working visit to Venlo")
	// Subscribe from the card: the card flips to Unsubscribe.
	card, _ = en.tap(card, "Subscribe")
	if _, ok := findButton(card, "Unsubscribe"); !ok {
		t.Errorf("after subscribing the card shows %+v", card.ReplyMarkup.Buttons())
	}
	s, _ := e.store().Subscriber(context.Background(), 41)
	if !s.Follows("venlo") {
		t.Errorf("not subscribed after tapping: %+v", s)
	}
	_, more := en.tap(card, "Events")
	mustContain(t, more[0].Plain, "No upcoming events")

	unknown := en.ask("/city Paris<script>")
	mustContain(t, unknown.Plain, "Paris<script>", "Krefeld", "Venlo")
	mustContain(t, en.ask("/city").Plain, "Krefeld", "Venlo", "Germany")
}

func TestCitiesList(t *testing.T) {
	e := newEnv(t)
	e.start()
	c := e.private(50, "de")
	m := c.ask("/cities")
	mustContain(t, m.Plain, "🇩🇪", "Krefeld", "Deutschland", "🇳🇱", "Venlo", "Niederlande", "2023")
	if n := len(m.ReplyMarkup.Buttons()); n != 2 {
		t.Fatalf("%d buttons, want one per city", n)
	}
	_, got := c.tap(m, "Venlo")
	mustContain(t, got[0].Plain, "Venlo", "Niederlande")
}

func TestEventsAndNews(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	soon := time.Now().Add(48 * time.Hour).In(berlin).Truncate(time.Minute)
	later := soon.Add(24 * time.Hour)
	past := time.Now().Add(-48 * time.Hour)
	for _, p := range []store.Post{
		{Kind: store.KindEvent, City: "krefeld", Title: "Krefeld <jazz> & friends", Text: "Music", Lang: store.LangEN, StartsAt: &later, Place: "Stadtpark", Date: later, PublishedAt: time.Now()},
		{Kind: store.KindEvent, City: "venlo", Title: "Venlo fair", Text: "Trade", Lang: store.LangEN, StartsAt: &soon, Date: soon, PublishedAt: time.Now()},
		{Kind: store.KindEvent, City: "venlo", Title: "Old event", Text: "Gone", Lang: store.LangEN, StartsAt: &past, Date: past, PublishedAt: past},
	} {
		if _, err := st.CreatePost(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	c := e.private(60, "en")
	m := c.ask("/events")
	mustContain(t, m.Plain, "Venlo fair", "Krefeld <jazz> & friends", "Stadtpark", soon.Format("02.01.2006 15:04"), "Europe/Berlin")
	if strings.Index(m.Plain, "Venlo fair") > strings.Index(m.Plain, "Krefeld <jazz>") {
		t.Error("events not soonest first")
	}
	if strings.Contains(m.Plain, "Old event") {
		t.Error("past event listed")
	}
	m = c.ask("/events krefeld")
	if strings.Contains(m.Plain, "Venlo fair") || !strings.Contains(m.Plain, "Krefeld <jazz>") {
		t.Errorf("/events krefeld:\n%s", m.Plain)
	}
	mustContain(t, c.ask("/events atlantis").Plain, "atlantis", "Known cities")

	news := c.ask("/news")
	mustContain(t, news.Plain, "Krefeld <jazz> & friends", "Working visit to Venlo", "Working visit to Krefeld", "Visit", "Event")
	venlo := c.ask("/news venlo")
	if strings.Contains(venlo.Plain, "Working visit to Krefeld") || !strings.Contains(venlo.Plain, "Working visit to Venlo") {
		t.Errorf("/news venlo:\n%s", venlo.Plain)
	}
	uk := e.private(61, "uk").ask("/news")
	mustContain(t, uk.Plain, "Робочий візит до Венло", "Візит")
}

func TestNewsSplitsLongLists(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	for i := range 10 {
		if _, err := st.CreatePost(context.Background(), store.Post{
			Kind: store.KindAnnouncement, City: store.AllCities, Lang: store.LangEN,
			Title: strings.Repeat("T", 199) + string(rune('a'+i)), Text: strings.Repeat("<&> ", 200),
			Date: time.Now(), PublishedAt: time.Now(),
		}); err != nil {
			t.Fatal(err)
		}
	}
	got := e.private(70, "en").say("/news")
	if len(got) < 2 {
		t.Fatalf("10 long posts in %d message(s)", len(got))
	}
	all := strings.Join(plains(got), "\n")
	for i := range 10 {
		mustContain(t, all, strings.Repeat("T", 199)+string(rune('a'+i)))
	}
}

func TestSubscribeToggleKeyboard(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	c := e.private(80, "en")
	kb := c.ask("/subscribe")
	labels := strings.Join(buttonTexts(kb), "|")
	mustContain(t, labels, "▫️ 🇩🇪 Krefeld", "▫️ 🇳🇱 Venlo", "✅ Visits", "✅ Agreements", "✅ Events", "✅ Announcements")

	kb, extra := c.tap(kb, "Venlo")
	if len(extra) != 0 {
		t.Errorf("toggle sent new messages instead of editing: %v", plains(extra))
	}
	if !kb.Edited {
		t.Error("keyboard message not edited")
	}
	mustContain(t, strings.Join(buttonTexts(kb), "|"), "✅ 🇳🇱 Venlo", "▫️ 🇩🇪 Krefeld")
	kb, _ = c.tap(kb, "Agreements")
	mustContain(t, strings.Join(buttonTexts(kb), "|"), "▫️ Agreements")
	s, _ := st.Subscriber(context.Background(), 80)
	if !slices.Equal(s.Cities, []string{"venlo"}) || s.Wants(store.KindAgreement) || !s.Wants(store.KindVisit) {
		t.Errorf("stored %+v", s)
	}
	subs, _ := st.CitySubscribers(context.Background(), "venlo")
	if !slices.Contains(subs, 80) {
		t.Errorf("venlo subscribers %v", subs)
	}
	kb, _ = c.tap(kb, "Venlo")
	mustContain(t, strings.Join(buttonTexts(kb), "|"), "▫️ 🇳🇱 Venlo")
	kb, _ = c.tap(kb, "Done")
	mustContain(t, kb.Plain, "Saved")
	if len(kb.ReplyMarkup.Buttons()) != 0 {
		t.Error("keyboard left after Done")
	}
	// /unsubscribe without argument shows the same keyboard.
	mustContain(t, strings.Join(buttonTexts(c.ask("/unsubscribe")), "|"), "Krefeld", "Visits")
}

func buttonTexts(m telegramtest.Message) []string {
	var out []string
	for _, b := range m.ReplyMarkup.Buttons() {
		out = append(out, b.Text)
	}
	return out
}

func TestSubscribeUnsubscribeWithArguments(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	c := e.private(90, "uk")
	mustContain(t, c.ask("/subscribe Венло").Plain, "Венло", "щодня")
	mustContain(t, c.ask("/subscribe all").Plain, "Крефельд", "Венло")
	mustContain(t, c.ask("/subscribe Атлантида").Plain, "Атлантида", "Крефельд")
	mustContain(t, c.ask("/unsubscribe krefeld").Plain, "Крефельд")
	s, _ := st.Subscriber(context.Background(), 90)
	if !slices.Equal(s.Cities, []string{"venlo"}) {
		t.Errorf("cities %v", s.Cities)
	}
	mustContain(t, c.ask("/unsubscribe krefeld").Plain, "не")
	mustContain(t, c.ask("/unsubscribe all").Plain, "Венло")
	if subs, _ := st.CitySubscribers(context.Background(), "venlo"); slices.Contains(subs, 90) {
		t.Error("still in venlo set")
	}
}

func TestSettingsDigestLang(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	c := e.private(100, "en")
	c.ask("/subscribe venlo")
	set := c.ask("/settings")
	mustContain(t, set.Plain, "Venlo", "daily", "English", "Visits")
	mustContain(t, c.ask("/digest weekly").Plain, "once a week")
	mustContain(t, c.ask("/digest sometimes").Plain, "sometimes", "/digest daily")
	s, _ := st.Subscriber(context.Background(), 100)
	if s.Frequency != store.FreqWeekly {
		t.Errorf("frequency %q", s.Frequency)
	}
	// Buttons under /settings lead to each setting.
	_, got := c.tap(set, "Digest")
	dk, _ := c.tap(got[0], "off")
	mustContain(t, dk.Plain, "Digests are off")
	s, _ = st.Subscriber(context.Background(), 100)
	if s.Frequency != store.FreqOff {
		t.Errorf("frequency after tap %q", s.Frequency)
	}

	mustContain(t, c.ask("/lang de").Plain, "Deutsch")
	mustContain(t, c.ask("/help").Plain, "Befehl")
	mustContain(t, c.ask("/lang xx").Plain, "xx")
	_, got = c.tap(c.ask("/lang"), "Nederlands")
	_ = got
	mustContain(t, c.ask("/settings").Plain, "Nederlands")
	s, _ = st.Subscriber(context.Background(), 100)
	if s.Lang != store.LangNL || !s.LangChosen {
		t.Errorf("lang %q chosen=%v", s.Lang, s.LangChosen)
	}
}

func TestStopDeletesEverything(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	c := e.private(110, "en")
	c.ask("/subscribe all")
	c.ask("/digest weekly")
	m := c.ask("/stop")
	mustContain(t, m.Plain, "deleted", "Krefeld", "Venlo", "weekly")
	if _, err := st.Subscriber(context.Background(), 110); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("record still there: %v", err)
	}
	for _, city := range []string{"krefeld", "venlo"} {
		if subs, _ := st.CitySubscribers(context.Background(), city); slices.Contains(subs, 110) {
			t.Errorf("still subscribed to %s", city)
		}
	}
	mustContain(t, c.ask("/stop").Plain, "Nothing is stored")
}

func TestGroups(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	member := e.private(120, "en")
	g := e.group(-1001234, member)
	bot := e.tg.BotUsername()
	mustContain(t, g.ask("/subscribe@"+bot+" venlo").Plain, "Venlo")
	s, err := st.Subscriber(context.Background(), -1001234)
	if err != nil || !s.Follows("venlo") {
		t.Fatalf("group subscription: %+v %v", s, err)
	}
	if _, err := st.Subscriber(context.Background(), 120); !errors.Is(err, store.ErrNotFound) {
		t.Error("the member got the group's subscription")
	}
	if got := g.say("/subscribe@SomeOtherBot venlo"); len(got) != 0 {
		t.Errorf("answered a command for another bot: %v", plains(got))
	}
	if got := g.say("hello everyone"); len(got) != 0 {
		t.Errorf("answered group chatter: %v", plains(got))
	}
	if got := g.say("/frobnicate"); len(got) != 0 {
		t.Errorf("answered an unknown command not addressed to it: %v", plains(got))
	}
	mustContain(t, g.ask("/frobnicate@"+bot).Plain, "/frobnicate", "/help")
	mustContain(t, g.ask("/cities@"+bot).Plain, "Krefeld")

	// Upgrade to a supergroup: the subscription follows the new id.
	id := e.tg.SendMigration(g.chat, g.user, -1009999)
	e.tg.WaitConfirmed(t, wait, id)
	s, err = st.Subscriber(context.Background(), -1009999)
	if err != nil || !s.Follows("venlo") {
		t.Errorf("after migration: %+v %v", s, err)
	}
	if _, err := st.Subscriber(context.Background(), -1001234); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old group id kept: %v", err)
	}
}

func TestBlockAndUnblock(t *testing.T) {
	e := newEnv(t)
	e.start()
	st := e.store()
	c := e.private(130, "en")
	c.ask("/subscribe venlo")
	id := e.tg.SendMyChatMember(c.chat, c.user, "member", "kicked")
	e.tg.WaitConfirmed(t, wait, id)
	s, _ := st.Subscriber(context.Background(), 130)
	if s.Active {
		t.Fatal("still active after block")
	}
	if subs, _ := st.CitySubscribers(context.Background(), "venlo"); slices.Contains(subs, 130) {
		t.Error("blocked chat still receives venlo")
	}
	e.tg.Unblock(130)
	c.ask("/start")
	s, _ = st.Subscriber(context.Background(), 130)
	if !s.Active || !s.Follows("venlo") {
		t.Errorf("after /start: %+v", s)
	}
	if subs, _ := st.CitySubscribers(context.Background(), "venlo"); !slices.Contains(subs, 130) {
		t.Error("reactivated chat missing from venlo")
	}
}

func TestOddInput(t *testing.T) {
	e := newEnv(t)
	e.start()
	c := e.private(140, "en")
	mustContain(t, c.ask("/frobnicate").Plain, "/frobnicate", "/help")
	mustContain(t, c.ask("hello bot").Plain, "/help")
	before := len(e.tg.SentTo(140))
	id := e.tg.SendSticker(c.chat, c.user, "😀")
	e.tg.WaitConfirmed(t, wait, id)
	id = e.tg.SendPhoto(c.chat, c.user, "look")
	e.tg.WaitConfirmed(t, wait, id)
	if got := e.tg.SentTo(140)[before:]; len(got) != 2 || !strings.Contains(got[1].Plain, "/help") {
		t.Errorf("sticker and photo: want a short hint each, got %v", plains(got))
	}
	// Edits and channel posts carry nothing to act on: no reply.
	before = len(e.tg.Sent())
	id = e.tg.SendEdited(c.chat, c.user, 1, "/start")
	e.tg.WaitConfirmed(t, wait, id)
	id = e.tg.SendChannelPost(telegramtest.Channel(-100777, "News channel"), "news")
	e.tg.WaitConfirmed(t, wait, id)
	if got := e.tg.Sent()[before:]; len(got) != 0 {
		t.Errorf("replied to an edit or a channel post: %v", plains(got))
	}
	// A forged or stale button gets a polite refusal and changes nothing.
	_, cb := e.tg.SendCallback(c.chat, c.user, 1, "zz:whatever")
	if a := e.tg.WaitAnswer(t, wait, cb); !strings.Contains(a.Text, "no longer valid") {
		t.Errorf("forged button answer %q", a.Text)
	}
	_, cb = e.tg.SendCallback(c.chat, c.user, 1, "tc:atlantis")
	if a := e.tg.WaitAnswer(t, wait, cb); !strings.Contains(a.Text, "no longer valid") {
		t.Errorf("unknown city button answer %q", a.Text)
	}
	if _, err := e.store().Subscriber(context.Background(), 140); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("forged buttons stored something: %v", err)
	}
	// Everything above still leaves the bot answering.
	mustContain(t, c.ask("/cities").Plain, "Krefeld")
}
