package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// askLimiter records, per chat, whether each Reserve asked as bulk.
type askLimiter struct {
	noLimit
	mu   sync.Mutex
	asks map[int64][]bool
}

func (l *askLimiter) Reserve(_ context.Context, chatID int64, _, bulk bool) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asks[chatID] = append(l.asks[chatID], bulk)
	return 0, nil
}

func (l *askLimiter) of(chatID int64) []bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.asks[chatID])
}

// An official's answer queued behind 300 digests goes before most of them
// (a sender waits for personal messages alone), is paced as a reply and
// carries no allow_paid_broadcast, which Telegram charges for; the
// digests are bulk and paid broadcasts.
func TestPersonalMessagesGoFirstAsReplies(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()
	r.client.SetPaidBroadcast(true)
	forum := telegramtest.ForumGroup(-1001880000002, "Office")
	r.tg.KnowChat(forum)
	thread := r.tg.CreateTopic(forum.ID, "Resident · EN")
	official := telegramtest.NewUser(5, "en")
	msgID := r.tg.IncomingMessageID(r.tg.SendIncoming(forum, official, telegramtest.Incoming{ThreadID: thread, Text: "Our answer"}))
	const resident = 77

	const n = 300
	digests := make([]store.OutboxMessage, n)
	chats := make([]int64, n)
	for i := range digests {
		chats[i] = int64(1000 + i)
		digests[i] = store.OutboxMessage{Kind: store.MsgDigest, ChatID: chats[i], Text: fmt.Sprint("digest ", i), CreatedAt: time.Now()}
	}
	if err := r.st.Enqueue(ctx, digests...); err != nil {
		t.Fatal(err)
	}
	r.answer(forum.ID, thread, msgID, resident, 0)
	// Two bulk senders at 20 ms a message: 3 s for the digests.
	r.tg.SetDelay("sendMessage", 20*time.Millisecond)
	lim := &askLimiter{asks: map[int64][]bool{}}
	r.startWorkers(&scheduler.Workers{Limiter: lim, Office: &scheduler.Office{Sender: r.client, Store: r.st,
		Text: func(_ store.Lang, key string, _ ...any) string { return key }}})

	copied := r.tg.WaitSent(t, wait, telegramtest.HasCopyOf(forum.ID, msgID))
	if copied.ChatID != resident {
		t.Fatalf("the answer went to %d", copied.ChatID)
	}
	testkit.WaitOutboxSettled(t, r.st, wait)
	sent := r.tg.Sent()
	at := slices.IndexFunc(sent, func(m telegramtest.Message) bool { return m.CopyOf.MessageID == msgID })
	before := 0
	for _, m := range sent[:at] {
		if slices.Contains(chats, m.ChatID) {
			before++
		}
	}
	if before > n/2 {
		t.Errorf("the answer went out after %d of %d digests, want before most of them", before, n)
	}
	if asks := lim.of(resident); len(asks) != 2 || slices.Contains(asks, true) {
		t.Errorf("the answer's header and copy asked the limiter as bulk %v, want twice as a reply", asks)
	}
	if asks := lim.of(chats[0]); len(asks) != 1 || !asks[0] {
		t.Errorf("a digest asked the limiter as bulk %v, want once as bulk", asks)
	}
	paid := map[string]int{}
	for _, c := range append(r.tg.Calls("sendMessage"), r.tg.Calls("copyMessage")...) {
		who := "digest"
		if c.Params["chat_id"] == fmt.Sprint(resident) {
			who = "answer"
		}
		if c.Params["allow_paid_broadcast"] == "true" {
			paid[who]++
		}
	}
	if paid["answer"] != 0 || paid["digest"] != n {
		t.Errorf("allow_paid_broadcast on %d parts of the answer and %d digests, want 0 and %d", paid["answer"], paid["digest"], n)
	}
}
