package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// Workers that are alive but slow (Telegram answers slowly) keep a claimed
// batch longer than ClaimIdle: other workers must not take over the
// messages still waiting in it, or they are sent twice.
func TestSlowBatchIsNotSentTwice(t *testing.T) {
	t.Parallel()
	const chats = 48
	r := newRig(t, 0)
	for id := int64(1); id <= chats; id++ {
		r.enqueue(id, "Slow batch message")
	}
	r.tg.SetDelay("sendMessage", 50*time.Millisecond)
	for _, name := range []string{"a", "b"} {
		st, err := redisstore.Open(context.Background(), r.redis.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		// A batch of 16 takes 0.8 s to send, over ClaimIdle; a send may
		// take ClaimIdle/3 (SendTimeout's default), four times the delay.
		r.startWorkers(&scheduler.Workers{Store: shortBlock{st}, Consumer: name, Count: 2, Batch: 16,
			ClaimIdle: 600 * time.Millisecond})
	}
	r.waitSettled()
	dups := 0
	for id := int64(1); id <= chats; id++ {
		switch n := len(r.tg.SentTo(id)); {
		case n == 0:
			t.Errorf("chat %d got nothing", id)
		case n > 1:
			dups += n - 1
		}
	}
	// A send that timed out on a loaded machine is sent again: Telegram
	// may have taken it (a lost response), which the bot's promise allows.
	// Anything more is a batch taken over from a live worker.
	timedOut := strings.Count(r.logs.String(), "context deadline exceeded")
	if dups > timedOut {
		t.Errorf("%d duplicate messages from live workers (%d sends timed out)", dups, timedOut)
	}
}
