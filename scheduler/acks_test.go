package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// ackCounter counts the batches of acknowledgements, and refuses them
// while down is set, as a Redis that went away would.
type ackCounter struct {
	shortBlock
	down           atomic.Bool
	calls, settled atomic.Int64
	refused        atomic.Int64
}

func (a *ackCounter) AckMany(ctx context.Context, s []store.Settled) error {
	if a.down.Load() {
		a.refused.Add(1)
		return errors.New("redis: connection refused")
	}
	a.calls.Add(1)
	a.settled.Add(int64(len(s)))
	return a.shortBlock.AckMany(ctx, s)
}

// digests queues one digest message for each of n chats under a fresh run.
func (r *rig) digests(n int) (run string, chats []int64) {
	r.t.Helper()
	ctx := context.Background()
	run = "daily:acks"
	if _, err := r.st.StartRun(ctx, store.DigestRun{Key: run, Frequency: store.FreqDaily, StartedAt: time.Now(),
		Cursor: math.MinInt64}); err != nil {
		r.t.Fatal(err)
	}
	var msgs []store.OutboxMessage
	for i := range n {
		chat := int64(7000 + i)
		chats = append(chats, chat)
		msgs = append(msgs, store.OutboxMessage{Kind: store.MsgDigest, ChatID: chat, Text: "digest " + strconv.Itoa(i),
			CreatedAt: time.Now(), Ref: run})
	}
	if err := r.st.Enqueue(ctx, msgs...); err != nil {
		r.t.Fatal(err)
	}
	return run, chats
}

// onceEach checks that every chat got exactly one message.
func (r *rig) onceEach(chats []int64) {
	r.t.Helper()
	for _, c := range chats {
		if n := len(sendCalls(r.tg, c)); n != 1 {
			r.t.Errorf("chat %d got %d messages, want 1", c, n)
		}
	}
}

func (r *rig) sentTotal() int { return len(r.tg.Calls("sendMessage")) }

// Concurrent workers settle their messages in shared batches, and every
// digest still counts in its run.
func TestAcksAreBatched(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	const n = 200
	run, chats := r.digests(n)
	st := &ackCounter{shortBlock: shortBlock{r.st}}
	r.startWorkers(&scheduler.Workers{Store: st, Count: 8})
	r.waitSettled()
	r.onceEach(chats)
	got, err := r.st.Run(context.Background(), run)
	if err != nil || got.Sent != n {
		t.Errorf("run figures: sent %d (%v), want %d", got.Sent, err, n)
	}
	t.Logf("%d messages settled in %d AckMany calls", st.settled.Load(), st.calls.Load())
	if c := st.calls.Load(); c >= n {
		t.Errorf("%d AckMany calls for %d messages: acknowledgements were not batched", c, n)
	}
}

// While the store refuses acknowledgements the workers keep them and
// write them once it takes them again: nothing is sent twice.
func TestAcksKeptWhileTheStoreRefusesThem(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	const n = 50
	run, chats := r.digests(n)
	st := &ackCounter{shortBlock: shortBlock{r.st}}
	st.down.Store(true)
	r.startWorkers(&scheduler.Workers{Store: st, Count: 4})
	waitFor(t, fmt.Sprintf("%d sends while acknowledgements are refused", n), func() bool { return r.sentTotal() >= n })
	waitFor(t, "a refused batch tried again", func() bool { return st.refused.Load() >= 2 })
	if ob, err := r.st.OutboxStats(context.Background(), time.Now()); err != nil || ob.Pending != n {
		t.Errorf("outbox while acknowledgements are refused = %+v, %v; want all %d pending", ob, err, n)
	}
	st.down.Store(false)
	r.waitSettled()
	r.onceEach(chats)
	if got, err := r.st.Run(context.Background(), run); err != nil || got.Sent != n {
		t.Errorf("run figures: sent %d (%v), want %d", got.Sent, err, n)
	}
}

// Stopping the workers writes the acknowledgements still gathered. The
// store refuses them until the retries are far apart (backoff), so the
// last flush at shutdown is what writes them.
func TestAcksFlushedAtShutdown(t *testing.T) {
	t.Parallel()
	r := newRig(t, 0)
	const n = 30
	_, chats := r.digests(n)
	st := &ackCounter{shortBlock: shortBlock{r.st}}
	st.down.Store(true)
	stop := r.startWorkers(&scheduler.Workers{Store: st, Count: 4})
	waitFor(t, "every message sent", func() bool { return r.sentTotal() >= n })
	waitFor(t, "the refused batch tried a few times", func() bool { return st.refused.Load() >= 5 })
	st.down.Store(false)
	stop()
	ob, err := r.st.OutboxStats(context.Background(), time.Now())
	if err != nil || ob.Pending != 0 || ob.Ready != 0 {
		t.Errorf("outbox after shutdown = %+v, %v; want every sent message settled", ob, err)
	}
	r.onceEach(chats)
}

// lossyAcks answers the first batches of acknowledgements with success
// without writing them, as a Redis primary that acknowledged a write and
// died before its replica had it (kill -9, then failover).
type lossyAcks struct {
	shortBlock
	lose atomic.Int64 // how many more batches to lose
	lost atomic.Int64 // messages whose acknowledgement was lost
}

func (l *lossyAcks) AckMany(ctx context.Context, s []store.Settled) error {
	if l.lose.Add(-1) >= 0 {
		l.lost.Add(int64(len(s)))
		return nil
	}
	return l.shortBlock.AckMany(ctx, s)
}

// A message claimed again because its acknowledgement never reached the
// store is acknowledged, not sent again, by the replica that sent it:
// whether the store refused the batch for longer than ClaimIdle (Redis
// failing over) or took it and lost it (a primary that died before its
// replica had it).
func TestReclaimedAfterLostAckIsNotSentAgain(t *testing.T) {
	t.Parallel()
	t.Run("refused past ClaimIdle", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, 0)
		const n = 20
		run, chats := r.digests(n)
		st := &ackCounter{shortBlock: shortBlock{r.st}}
		st.down.Store(true)
		r.startWorkers(&scheduler.Workers{Store: st, Count: 4, ClaimIdle: 600 * time.Millisecond})
		waitFor(t, "every message claimed again while its acknowledgement waits", func() bool {
			return strings.Count(r.logs.String(), "claimed again after it was settled") >= n
		})
		st.down.Store(false)
		r.waitSettled()
		r.onceEach(chats)
		if got, err := r.st.Run(context.Background(), run); err != nil || got.Sent != n {
			t.Errorf("run figures: sent %d (%v), want %d", got.Sent, err, n)
		}
	})
	t.Run("acknowledged and lost", func(t *testing.T) {
		t.Parallel()
		r := newRig(t, 0)
		const n = 20
		_, chats := r.digests(n)
		st := &lossyAcks{shortBlock: shortBlock{r.st}}
		st.lose.Store(3)
		r.startWorkers(&scheduler.Workers{Store: st, Count: 4, ClaimIdle: 600 * time.Millisecond})
		waitFor(t, "three batches of acknowledgements lost", func() bool { return st.lose.Load() < 0 })
		r.waitSettled()
		r.onceEach(chats)
		if c := strings.Count(r.logs.String(), "claimed again after it was settled"); int64(c) < st.lost.Load() {
			t.Errorf("%d messages acknowledged again, want the %d whose acknowledgement was lost", c, st.lost.Load())
		}
	})
}
