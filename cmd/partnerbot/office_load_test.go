package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
)

// TestOfficeLoad: residents (1,000 by default) write to the office at
// once, each a first message, so each needs a topic, a card and the copy.
// Every message must reach its writer's own topic exactly once, within
// Telegram's limits, which the fake Bot API enforces (429 past them).
//
// The office is one group, and Telegram allows 20 messages a minute in a
// group: 1,000 first messages are 2,000 group messages (card, copy) for
// Telegram and 3,000 for the bot, which paces topic creation like a
// message. That is hours of real time, so the test runs Telegram's clock
// faster by PARTNERBOT_OFFICE_LOAD_SCALE (default 100): every limit, the
// fake's and the bot's own, is that many times higher, and the figures are
// scaled back. make test runs it with 30 residents; PARTNERBOT_OFFICE_LOAD
// sets the number of residents (1 for 1,000), and it prints its figures:
//
//	PARTNERBOT_OFFICE_LOAD=1 go test -run TestOfficeLoad -v -timeout 30m ./cmd/partnerbot
func TestOfficeLoad(t *testing.T) {
	n, scale := loadParams(t)
	e, forum := newOfficeEnv(t)
	k := float64(scale)
	e.cfg.SendRate = pacing.DefaultRate * scale
	e.cfg.PrivateLimit = pacing.Bucket{Every: time.Duration(float64(time.Second) / k), Burst: 2}
	e.cfg.GroupLimit = pacing.Bucket{Every: time.Duration(float64(3*time.Second) / k), Burst: 2}
	limits := telegramtest.TelegramLimits()
	limits.PrivatePerSecond *= k
	limits.GroupPerMinute *= scale
	limits.GlobalPerSecond *= k
	e.tg.EnforceLimits(limits)
	e.start()
	ctx := context.Background()
	st := e.store()
	residents := make([]*chat, n)
	for i := range n {
		residents[i] = e.private(int64(100000+i), []string{"uk", "en", "de", "nl"}[i%4])
		if _, err := st.UpdateConversation(ctx, residents[i].chat.ID, func(c *store.Conversation) error { c.OpenAt(time.Now()); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	began := time.Now()
	updates := make([]int, n)
	for i, r := range residents {
		updates[i] = e.tg.SendIncoming(r.chat, r.user, telegramtest.Incoming{Text: "Hello from " + strconv.Itoa(i)})
	}
	queued := time.Since(began)
	// Telegram's own bound for the group: its burst, then 20 a minute.
	groupMsgs := 2 * n
	tgBound := time.Duration(float64(groupMsgs-limits.GroupBurst) / (float64(limits.GroupPerMinute) / 60) * float64(time.Second))
	botBound := time.Duration(float64(3*n-e.cfg.GroupLimit.Burst) * float64(e.cfg.GroupLimit.Every))
	within := 3*botBound + time.Minute
	var last time.Time
	for i, r := range residents {
		msgID := e.tg.IncomingMessageID(updates[i])
		m := e.tg.WaitSent(t, within, telegramtest.HasCopyOf(r.chat.ID, msgID))
		if m.Time.After(last) {
			last = m.Time
		}
	}
	took := last.Sub(began)
	e.waitOutboxEmpty()
	topics := map[int]int64{}
	for i, r := range residents {
		c, err := st.Conversation(ctx, r.chat.ID)
		if err != nil || c.Topic == 0 {
			t.Fatalf("resident %d has no topic: %+v %v", r.chat.ID, c, err)
		}
		if other, dup := topics[c.Topic]; dup {
			t.Fatalf("residents %d and %d share topic %d", other, r.chat.ID, c.Topic)
		}
		topics[c.Topic] = r.chat.ID
		if k := e.copiesOf(r.chat.ID, updates[i]); k != 1 {
			t.Errorf("resident %d's message copied %d times", r.chat.ID, k)
		}
		if m := e.copyOf(r.chat.ID, updates[i]); m.ThreadID != c.Topic {
			t.Errorf("resident %d's message went to topic %d, want %d", r.chat.ID, m.ThreadID, c.Topic)
		}
	}
	inOffice := e.tg.SentTo(forum.ID)
	if len(inOffice) != groupMsgs {
		t.Errorf("the office got %d messages, want %d (a card and a copy each)", len(inOffice), groupMsgs)
	}
	byTopic := map[int][]telegramtest.Message{}
	for _, m := range inOffice {
		byTopic[m.ThreadID] = append(byTopic[m.ThreadID], m)
	}
	for thread, ms := range byTopic {
		if len(ms) != 2 || ms[0].CopyOf.ChatID != 0 || ms[1].CopyOf.ChatID != topics[thread] {
			t.Errorf("topic %d holds %q, want its resident's card, then their message", thread, plains(ms))
		}
	}
	real := func(d time.Duration) string { return (time.Duration(float64(d) * k)).Round(time.Second).String() }
	report := fmt.Sprintf(`office load: %d residents writing at once, one office group (backend %s), Telegram's clock ×%d
  queued %d updates in %v
  time to the last copy: %v (real time: %s)
  Telegram's lower bound for %d group messages (burst %d, then %d/min): %v (real time: %s) — ratio %.2f
  the bot's own pace, topic creation counted as a message (%d sends): %v (real time: %s) — ratio %.2f
  429s from the fake: %d; topics: %d; copies: %d, each once, each in its writer's topic`,
		n, backendName(), scale, n, queued.Round(time.Millisecond),
		took.Round(time.Millisecond), real(took),
		groupMsgs, limits.GroupBurst, limits.GroupPerMinute/scale, tgBound.Round(time.Millisecond), real(tgBound), took.Seconds()/tgBound.Seconds(),
		3*n, botBound.Round(time.Millisecond), real(botBound), took.Seconds()/botBound.Seconds(),
		e.tg.FloodHits(), len(topics), len(e.tg.Calls("copyMessage")))
	t.Log(report)
	fmt.Println(report)
	if math.IsNaN(took.Seconds()) {
		t.Fatal("no figure")
	}
	// Within Telegram's limits: the bot paces itself, it is never told to.
	if n := e.tg.FloodHits(); n != 0 {
		t.Errorf("%d 429s from the fake: the bot went past Telegram's limits", n)
	}
}

func loadParams(t *testing.T) (n, scale int) {
	v := os.Getenv("PARTNERBOT_OFFICE_LOAD")
	if v == "" {
		// In make test: a small crowd, which still crosses the group's
		// burst many times over (a few seconds).
		v = "30"
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("PARTNERBOT_OFFICE_LOAD=%q is not a number of residents", v)
	}
	if n == 1 {
		n = 1000
	}
	scale = 100
	if s := os.Getenv("PARTNERBOT_OFFICE_LOAD_SCALE"); s != "" {
		if scale, err = strconv.Atoi(s); err != nil || scale < 1 {
			t.Fatalf("PARTNERBOT_OFFICE_LOAD_SCALE=%q is not a positive number", s)
		}
	}
	return n, scale
}

func backendName() string {
	if os.Getenv("PARTNERBOT_TEST_BACKEND") == "bolt" {
		return "bolt"
	}
	return "redis"
}
