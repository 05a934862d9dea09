package redisstore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

var tOut = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func outMsg(chatID int64, text string) store.OutboxMessage {
	return store.OutboxMessage{Kind: store.MsgDigest, ChatID: chatID, Text: text, CreatedAt: tOut}
}

func mustClaim(t *testing.T, s *Store, consumer string, max int, block, minIdle time.Duration) []store.OutboxMessage {
	t.Helper()
	got, err := s.Claim(t.Context(), consumer, max, block, minIdle)
	if err != nil {
		t.Fatalf("Claim(%s) = %v", consumer, err)
	}
	return got
}

func mustStats(t *testing.T, s *Store) store.OutboxStats {
	t.Helper()
	st, err := s.OutboxStats(t.Context(), tOut)
	if err != nil {
		t.Fatalf("OutboxStats = %v", err)
	}
	return st
}

func TestClaimBlocks(t *testing.T) {
	s := newTestStore(t)
	began := time.Now()
	if got := mustClaim(t, s, "c1", 10, 200*time.Millisecond, time.Minute); len(got) != 0 {
		t.Fatalf("Claim on an empty outbox = %v, want none", got)
	}
	if took := time.Since(began); took < 150*time.Millisecond || took > 5*time.Second {
		t.Errorf("Claim with block 200ms returned after %s", took)
	}

	// A message enqueued while Claim waits wakes it up: the test enqueues
	// once Redis has the read blocked. Without the wake-up, Claim would
	// return nothing when its block (a minute) ends.
	done := claimAsync(t, s, "c1", time.Minute, time.Minute)
	waitBlockedRead(t, s)
	if err := s.Enqueue(t.Context(), outMsg(1, "late")); err != nil {
		t.Fatalf("Enqueue = %v", err)
	}
	got := claimResult(t, done, "Claim blocked when a message was enqueued")
	if len(got) != 1 || got[0].Text != "late" {
		t.Fatalf("Claim = %v, want the late message", got)
	}

	// Having reclaimed something, Claim does not wait for more: it
	// returns long before its block of a minute would end.
	done = claimAsync(t, s, "c2", time.Minute, 0)
	if got := claimResult(t, done, "Claim(minIdle 0) with a message to reclaim"); len(got) != 1 {
		t.Fatalf("Claim(minIdle 0) = %v, want the pending message", got)
	}
}

// claimWithin bounds the waits for a Claim to block or to return.
const claimWithin = 10 * time.Second

// claimAsync starts a Claim of up to 10 messages and returns the channel
// its result comes on.
func claimAsync(t *testing.T, s *Store, consumer string, block, minIdle time.Duration) <-chan claimed {
	t.Helper()
	done := make(chan claimed, 1)
	go func() {
		got, err := s.Claim(t.Context(), consumer, 10, block, minIdle)
		done <- claimed{got, err}
	}()
	return done
}

type claimed struct {
	msgs []store.OutboxMessage
	err  error
}

// claimResult returns what a Claim started by claimAsync returned.
func claimResult(t *testing.T, done <-chan claimed, what string) []store.OutboxMessage {
	t.Helper()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("%s: Claim = %v", what, r.err)
		}
		return r.msgs
	case <-time.After(claimWithin):
		t.Fatalf("%s: no return within %s", what, claimWithin)
		return nil
	}
}

// waitBlockedRead waits until Redis reports a client blocked in
// XREADGROUP: the Claim found nothing and waits for new entries.
func waitBlockedRead(t *testing.T, s *Store) {
	t.Helper()
	var list string
	testkit.Eventually(t, claimWithin, func() string { return "no client blocked in XREADGROUP:\n" + list }, func() bool {
		var err error
		if list, err = s.rdb.ClientList(t.Context()).Result(); err != nil {
			return false
		}
		for line := range strings.Lines(list) {
			var blocked, read bool
			for _, f := range strings.Fields(line) {
				k, v, _ := strings.Cut(f, "=")
				blocked = blocked || k == "flags" && strings.Contains(v, "b")
				read = read || k == "cmd" && v == "xreadgroup"
			}
			if blocked && read {
				return true
			}
		}
		return false
	})
}

func TestSettledEntriesAreDeleted(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if err := s.Enqueue(ctx, outMsg(1, "a"), outMsg(2, "b"), outMsg(3, "c")); err != nil {
		t.Fatal(err)
	}
	got := mustClaim(t, s, "c1", 10, 0, time.Minute)
	if len(got) != 3 {
		t.Fatalf("Claim = %v", got)
	}
	if err := s.Ack(ctx, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, got[1].ID, got[1], tOut); err != nil {
		t.Fatal(err)
	}
	if err := s.Bury(ctx, got[2].ID, store.DeadLetter{Message: got[2], Reason: "x", At: tOut}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.rdb.XLen(ctx, s.k.outbox()).Result(); err != nil || n != 0 {
		t.Errorf("XLEN outbox after settling everything = %d, %v; want 0", n, err)
	}
}

// TestOutboxSurvivesRestart kills Redis (with AOF) and checks that ready,
// pending and delayed messages all come back.
func TestOutboxSurvivesRestart(t *testing.T) {
	srv := redistest.Start(t, redistest.WithArgs("--appendfsync", "always"))
	s := NewFromClient(srv.Client(t))
	ctx := t.Context()
	if err := s.Enqueue(ctx, outMsg(1, "a"), outMsg(2, "b"), outMsg(3, "c"), outMsg(4, "d")); err != nil {
		t.Fatal(err)
	}
	got := mustClaim(t, s, "dies", 2, 0, time.Minute)
	if len(got) != 2 {
		t.Fatalf("Claim = %v", got)
	}
	if err := s.Retry(ctx, got[1].ID, got[1], tOut); err != nil {
		t.Fatal(err)
	}

	srv.Kill()
	srv.Restart(t)
	waitPing(t, s)

	if st := mustStats(t, s); st.Ready != 2 || st.Pending != 1 || st.Delayed != 1 {
		t.Errorf("OutboxStats after restart = %+v, want 2 ready, 1 pending, 1 delayed", st)
	}
	back := mustClaim(t, s, "new", 10, 0, 0)
	if len(back) != 3 || back[0].ID != got[0].ID {
		t.Errorf("Claim after restart = %v, want %s (pending) then 2 ready", back, got[0].ID)
	}
	if n, err := s.PromoteDue(ctx, tOut); err != nil || n != 1 {
		t.Errorf("PromoteDue after restart = %d, %v; want 1", n, err)
	}
}

func waitPing(t *testing.T, s *Store) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, func() string { return "Redis does not answer after restart" },
		func() bool { return s.Ping(t.Context()) == nil })
}

// TestOutboxRecoversLostGroup: a Redis that lost its data (restart without
// AOF, FLUSHALL) has no group; the outbox recreates it, and messages
// enqueued before that are still delivered.
func TestOutboxRecoversLostGroup(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if err := s.Enqueue(ctx, outMsg(1, "before")); err != nil {
		t.Fatal(err)
	}
	for _, m := range mustClaim(t, s, "c1", 10, 0, time.Minute) {
		if err := s.Ack(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
	}

	srv.Flush(t)
	if got := mustClaim(t, s, "c1", 10, 0, time.Minute); len(got) != 0 {
		t.Fatalf("Claim after FLUSHALL = %v, want none", got)
	}
	srv.Flush(t)
	if err := s.Enqueue(ctx, outMsg(2, "x"), outMsg(3, "y")); err != nil {
		t.Fatal(err)
	}
	if st := mustStats(t, s); st.Ready != 2 || st.Pending != 0 {
		t.Errorf("OutboxStats without a group = %+v, want 2 ready", st)
	}
	got := mustClaim(t, s, "c1", 10, 0, time.Minute)
	if len(got) != 2 || got[0].Text != "x" || got[1].Text != "y" {
		t.Fatalf("Claim after the group was lost = %v, want x, y", got)
	}
	if st := mustStats(t, s); st.Ready != 0 || st.Pending != 2 {
		t.Errorf("OutboxStats = %+v, want 2 pending", st)
	}
}

func TestUndecodableEntryIsBuried(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.k.outbox(), Values: []any{"m", "not json"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, outMsg(1, "fine")); err != nil {
		t.Fatal(err)
	}
	got := mustClaim(t, s, "c1", 10, 0, time.Minute)
	if len(got) != 1 || got[0].Text != "fine" {
		t.Errorf("Claim = %v, want only the good message", got)
	}
	dead, err := s.DeadLetters(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Message.Text != "not json" || !strings.Contains(dead[0].Reason, "undecodable") {
		t.Errorf("DeadLetters = %+v, want the undecodable entry", dead)
	}
}

// TestSettleTakenOverMessage: a slow worker whose message was taken over
// and sent by another must not schedule or bury it again.
func TestSettleTakenOverMessage(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if err := s.Enqueue(ctx, outMsg(1, "a")); err != nil {
		t.Fatal(err)
	}
	slow := mustClaim(t, s, "slow", 1, 0, time.Minute)
	fast := mustClaim(t, s, "fast", 1, 0, 0)
	if len(slow) != 1 || len(fast) != 1 || slow[0].ID != fast[0].ID {
		t.Fatalf("claims = %v, %v; want the same message", slow, fast)
	}
	if err := s.Ack(ctx, fast[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, slow[0].ID, slow[0], tOut); err != nil {
		t.Fatal(err)
	}
	if err := s.Bury(ctx, slow[0].ID, store.DeadLetter{Message: slow[0], At: tOut}); err != nil {
		t.Fatal(err)
	}
	if st := mustStats(t, s); st != (store.OutboxStats{}) {
		t.Errorf("OutboxStats = %+v, want zero", st)
	}
}

// TestDeliveryKeyLayout pins the delivery key names of keys.go.
func TestDeliveryKeyLayout(t *testing.T) {
	s := newTestStore(t, WithPrefix("{pb}:"))
	ctx := t.Context()
	if err := s.Enqueue(ctx, outMsg(1, "a"), outMsg(2, "b"), outMsg(3, "c")); err != nil {
		t.Fatal(err)
	}
	got := mustClaim(t, s, "c1", 10, 0, time.Minute)
	if err := s.Retry(ctx, got[0].ID, got[0], tOut); err != nil {
		t.Fatal(err)
	}
	if err := s.Bury(ctx, got[1].ID, store.DeadLetter{Message: got[1], At: tOut}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnqueueOnce(ctx, store.Once{Key: "k", TTL: time.Hour, CursorChat: -5, Cursor: tOut}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkOnce(ctx, "reminder:1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryLock(ctx, "poller", "me", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartRun(ctx, store.DigestRun{Key: "daily:x", StartedAt: tOut}); err != nil {
		t.Fatal(err)
	}
	if err := s.CountDelivery(ctx, "daily:x", true); err != nil {
		t.Fatal(err)
	}
	keys, err := s.rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	want := []string{
		"{pb}:digest:cursor:-5",
		"{pb}:lock:poller",
		"{pb}:once:k",
		"{pb}:once:reminder:1",
		"{pb}:outbox",
		"{pb}:outbox:dead",
		"{pb}:outbox:dead:count",
		"{pb}:outbox:delayed",
		"{pb}:outbox:personal", // made with its group by the first claim
		"{pb}:run:daily:x",
		"{pb}:runcounts:daily:x",
		"{pb}:runs:bystart",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys =\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	for _, stream := range []string{"{pb}:outbox", "{pb}:outbox:personal"} {
		groups, err := s.rdb.XInfoGroups(ctx, stream).Result()
		if err != nil || len(groups) != 1 || groups[0].Name != "senders" {
			t.Errorf("groups of %s = %+v, %v; want senders", stream, groups, err)
		}
	}
}
