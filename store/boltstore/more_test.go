package boltstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

var tB = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// bucketLen counts the keys of a bucket.
func bucketLen(t *testing.T, s *Store, name []byte) int {
	t.Helper()
	n := 0
	must(t, s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(name).Stats().KeyN
		return nil
	}))
	return n
}

// TestReopenKeepsState writes every kind of record, closes the file and
// checks that a new Store on it sees the same state: the file is the only
// state there is.
func TestReopenKeepsState(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	s, err := Open(path)
	must(t, err)
	ctx := t.Context()

	sub := store.NewSubscriber(-100, "group", store.LangDE, tB)
	sub.Cities = []string{"lyon"}
	must(t, s.SaveSubscriber(ctx, sub))
	_, err = s.CreatePost(ctx, store.Post{ID: 50, Kind: store.KindVisit, City: "lyon", Title: "explicit", PublishedAt: tB})
	must(t, err)
	seeded := store.Post{Kind: store.KindAgreement, City: "lyon", SeedKey: "gone", PublishedAt: tB}
	_, err = s.SeedPost(ctx, seeded)
	must(t, err)
	must(t, s.DeletePost(ctx, 51))
	must(t, s.SaveOfficial(ctx, store.Official{UserID: 9, Role: store.RoleEditor, GrantedAt: tB}))
	must(t, s.SaveUser(ctx, store.User{ID: 9, Username: "Alice", SeenAt: tB}))
	must(t, s.SaveDraft(ctx, store.Draft{UserID: 9, Step: "text"}, time.Hour))
	must(t, s.AppendAudit(ctx, store.AuditEntry{PostID: 50, UserID: 9, At: tB, Action: "created"}))
	must(t, s.Enqueue(ctx, store.OutboxMessage{ChatID: 1, Text: "pending"}, store.OutboxMessage{ChatID: 2, Text: "ready"}))
	claimed, err := s.Claim(ctx, "dead", 1, 0, time.Hour)
	must(t, err)
	if len(claimed) != 1 {
		t.Fatalf("Claim = %v", claimed)
	}
	ok, err := s.EnqueueOnce(ctx, store.Once{Key: "digest:1", TTL: time.Hour, CursorChat: -100, Cursor: tB}, store.OutboxMessage{ChatID: 3, Text: "once"})
	must(t, err)
	if !ok {
		t.Fatal("EnqueueOnce = false")
	}
	if ok, err := s.TryLock(ctx, "planner", "replica-a", time.Hour); err != nil || !ok {
		t.Fatalf("TryLock = %t, %v", ok, err)
	}
	_, err = s.StartRun(ctx, store.DigestRun{Key: "daily:x", StartedAt: tB})
	must(t, err)
	must(t, s.CountDelivery(ctx, "daily:x", true))
	must(t, s.Close())

	s, err = Open(path)
	must(t, err)
	defer s.Close()

	if got, err := s.Subscriber(ctx, -100); err != nil || got.Lang != store.LangDE {
		t.Errorf("Subscriber(-100) after reopen = %+v, %v", got, err)
	}
	if ids, err := s.CitySubscribers(ctx, "lyon"); err != nil || len(ids) != 1 || ids[0] != -100 {
		t.Errorf("CitySubscribers(lyon) = %v, %v", ids, err)
	}
	if p, err := s.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "lyon", PublishedAt: tB}); err != nil || p.ID != 52 {
		t.Errorf("CreatePost after reopen = id %d, %v; want 52 (ids are never reused)", p.ID, err)
	}
	if created, err := s.SeedPost(ctx, seeded); err != nil || created {
		t.Errorf("SeedPost of a deleted seed after reopen = %t, %v; want false", created, err)
	}
	if u, err := s.UserByUsername(ctx, "@alice"); err != nil || u.ID != 9 {
		t.Errorf("UserByUsername after reopen = %+v, %v", u, err)
	}
	if _, err := s.Official(ctx, 9); err != nil {
		t.Errorf("Official(9) after reopen = %v", err)
	}
	if d, err := s.Draft(ctx, 9); err != nil || d.Step != "text" {
		t.Errorf("Draft(9) after reopen = %+v, %v", d, err)
	}
	if log, err := s.AuditLog(ctx, 50, 10); err != nil || len(log) != 1 {
		t.Errorf("AuditLog(50) after reopen = %v, %v", log, err)
	}
	st, err := s.OutboxStats(ctx, tB)
	must(t, err)
	if st.Ready != 2 || st.Pending != 1 {
		t.Errorf("OutboxStats after reopen = %+v, want 2 ready, 1 pending", st)
	}
	// The dead consumer's message is taken over after minIdle, with its id.
	got, err := s.Claim(ctx, "alive", 10, 0, 0)
	must(t, err)
	if len(got) != 3 || got[0].ID != claimed[0].ID || got[0].Text != "pending" {
		t.Errorf("Claim after reopen = %+v, want the pending message first, then 2 ready", got)
	}
	if ok, err := s.EnqueueOnce(ctx, store.Once{Key: "digest:1", TTL: time.Hour}); err != nil || ok {
		t.Errorf("EnqueueOnce of a set key after reopen = %t, %v; want false", ok, err)
	}
	if cur, err := s.DigestCursors(ctx, []int64{-100}); err != nil || !cur[-100].Equal(tB) {
		t.Errorf("DigestCursors after reopen = %v, %v", cur, err)
	}
	if ok, err := s.TryLock(ctx, "planner", "replica-b", time.Hour); err != nil || ok {
		t.Errorf("TryLock by another owner after reopen = %t, %v; want false (the lease is in the file)", ok, err)
	}
	if r, err := s.Run(ctx, "daily:x"); err != nil || r.Sent != 1 {
		t.Errorf("Run after reopen = %+v, %v; want 1 sent", r, err)
	}
}

func TestClosedStore(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), DefaultFileName))
	must(t, err)
	ctx := t.Context()

	// A Claim waiting for messages returns when the store closes.
	waiting := claimWaiting(t, ctx, s, "c", time.Minute)
	must(t, s.Close())
	if r := claimResult(t, waiting, "waiting Claim after Close"); !errors.Is(r.err, ErrClosed) {
		t.Errorf("waiting Claim after Close = %v, want ErrClosed", r.err)
	}

	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	checks := map[string]error{
		"Ping":           s.Ping(ctx),
		"SaveSubscriber": s.SaveSubscriber(ctx, store.NewSubscriber(1, "private", store.LangUK, tB)),
		"Enqueue":        s.Enqueue(ctx, store.OutboxMessage{ChatID: 1}),
	}
	_, checks["Subscriber"] = s.Subscriber(ctx, 1)
	_, checks["LatestPosts"] = s.LatestPosts(ctx, "", 10)
	_, checks["Claim"] = s.Claim(ctx, "c", 1, 0, 0)
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) || err.Error() == ErrClosed.Error() {
			t.Errorf("%s on a closed store = %v, want a wrapped ErrClosed", name, err)
		}
	}
}

func TestClaimBlocks(t *testing.T) {
	s := newTestStore(t)
	began := time.Now()
	got, err := s.Claim(t.Context(), "c1", 10, 200*time.Millisecond, time.Minute)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("Claim on an empty outbox = %v, want none", got)
	}
	// A lower bound only: the wait is the behaviour under test, and no
	// machine returns from it early.
	if took := time.Since(began); took < 150*time.Millisecond {
		t.Errorf("Claim with block 200ms returned after %s", took)
	}

	// A message enqueued while Claim waits wakes it up. Without the
	// wake-up, Claim would return nothing when its block (a minute) ends.
	waiting := claimWaiting(t, t.Context(), s, "c1", time.Minute)
	must(t, s.Enqueue(t.Context(), store.OutboxMessage{ChatID: 1, Text: "late"}))
	r := claimResult(t, waiting, "Claim waiting when a message was enqueued")
	must(t, r.err)
	if len(r.msgs) != 1 || r.msgs[0].Text != "late" {
		t.Fatalf("Claim = %v, want the late message", r.msgs)
	}

	// So does a promoted retry.
	must(t, s.Retry(t.Context(), r.msgs[0].ID, r.msgs[0], tB))
	waiting = claimWaiting(t, t.Context(), s, "c1", time.Minute)
	if n, err := s.PromoteDue(t.Context(), tB); err != nil || n != 1 {
		t.Fatalf("PromoteDue = %d, %v; want 1", n, err)
	}
	r = claimResult(t, waiting, "Claim waiting when a retry was promoted")
	must(t, r.err)
	if len(r.msgs) != 1 || r.msgs[0].Text != "late" {
		t.Fatalf("Claim = %v, want the promoted message", r.msgs)
	}

	// A cancelled context ends the wait.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	waiting = claimWaiting(t, ctx, s, "c1", time.Minute)
	cancel()
	if r := claimResult(t, waiting, "Claim waiting when its context was cancelled"); !errors.Is(r.err, context.Canceled) {
		t.Errorf("Claim with a cancelled context = %v, want Canceled", r.err)
	}
}

// waitFor bounds the waits for a Claim to start waiting or to return.
const waitFor = 10 * time.Second

// waitingCtx reports when a call first asks for its Done channel. Claim
// asks only in its select, after it took its wake-up channel and looked
// and found nothing: once waiting is closed, whatever wakes a waiting
// Claim wakes this one, and nothing else returns it before its block.
type waitingCtx struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func (c *waitingCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

type claimed struct {
	msgs []store.OutboxMessage
	err  error
}

// claimWaiting starts a Claim of up to 10 messages blocking up to block
// and returns, once that Claim is waiting, the channel its result comes
// on. The outbox must have nothing to claim.
func claimWaiting(t *testing.T, ctx context.Context, s *Store, consumer string, block time.Duration) <-chan claimed {
	t.Helper()
	wctx := &waitingCtx{Context: ctx, waiting: make(chan struct{})}
	done := make(chan claimed, 1)
	go func() {
		msgs, err := s.Claim(wctx, consumer, 10, block, time.Minute)
		done <- claimed{msgs, err}
	}()
	select {
	case <-wctx.waiting:
	case r := <-done:
		t.Fatalf("Claim returned %v, %v without waiting", r.msgs, r.err)
	case <-time.After(waitFor):
		t.Fatalf("Claim did not start waiting within %s", waitFor)
	}
	return done
}

// claimResult returns what a Claim started by claimWaiting returned.
func claimResult(t *testing.T, done <-chan claimed, what string) claimed {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(waitFor):
		t.Fatalf("%s: not woken within %s", what, waitFor)
		return claimed{}
	}
}

func TestSettleUnknownIsNoop(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	must(t, s.Ack(ctx, "12345"))
	must(t, s.Retry(ctx, "12345", store.OutboxMessage{}, tB))
	must(t, s.Bury(ctx, "12345", store.DeadLetter{}))
	if st, err := s.OutboxStats(ctx, tB); err != nil || st != (store.OutboxStats{}) {
		t.Errorf("OutboxStats after settling unknown ids = %+v, %v; want zero", st, err)
	}
	if err := s.Ack(ctx, "not-a-number"); err == nil {
		t.Error("Ack of a malformed id succeeded")
	}
}

func TestAuditCap(t *testing.T) {
	s := newTestStore(t)
	s.auditCap = 3
	ctx := t.Context()
	for i := range 5 {
		must(t, s.AppendAudit(ctx, store.AuditEntry{PostID: 1, Action: fmt.Sprint("a", i)}))
		must(t, s.AppendAudit(ctx, store.AuditEntry{PostID: 2, Action: fmt.Sprint("b", i)}))
	}
	all, err := s.AuditLog(ctx, 0, 100)
	must(t, err)
	if len(all) != 3 || all[0].Action != "b4" || all[2].Action != "b3" {
		t.Errorf("global log = %+v, want b4 a4 b3", all)
	}
	one, err := s.AuditLog(ctx, 1, 100)
	must(t, err)
	if len(one) != 3 || one[0].Action != "a4" || one[2].Action != "a2" {
		t.Errorf("log of post 1 = %+v, want a4 a3 a2", one)
	}
	if n := bucketLen(t, s, bucketAudit); n != 3 {
		t.Errorf("audit bucket holds %d entries, want 3", n)
	}
	if n := bucketLen(t, s, bucketAuditByPost); n != 6 {
		t.Errorf("audit_by_post bucket holds %d entries, want 6", n)
	}
}

func TestDeadLettersCapped(t *testing.T) {
	s := newTestStore(t)
	s.deadCap = 2
	ctx := t.Context()
	for i := range 4 {
		must(t, s.Enqueue(ctx, store.OutboxMessage{ChatID: int64(i), Text: fmt.Sprint(i)}))
		got, err := s.Claim(ctx, "c", 1, 0, time.Hour)
		must(t, err)
		must(t, s.Bury(ctx, got[0].ID, store.DeadLetter{Message: got[0], Reason: fmt.Sprint("r", i), At: tB}))
	}
	dead, err := s.DeadLetters(ctx, 10)
	must(t, err)
	if len(dead) != 2 || dead[0].Reason != "r3" || dead[1].Reason != "r2" {
		t.Errorf("DeadLetters = %+v, want r3 r2", dead)
	}
	if st, err := s.OutboxStats(ctx, tB); err != nil || st.Dead != 4 {
		t.Errorf("OutboxStats.Dead = %d, %v; want 4: every Bury counts", st.Dead, err)
	}
}

func TestExpiredFlagsAreSwept(t *testing.T) {
	clock := &fakeClock{t: tB}
	s := newTestStore(t, WithClock(clock.now))
	ctx := t.Context()
	for i := range 100 {
		if ok, err := s.MarkOnce(ctx, fmt.Sprint("short:", i), time.Minute); err != nil || !ok {
			t.Fatalf("MarkOnce = %t, %v", ok, err)
		}
	}
	if ok, err := s.MarkOnce(ctx, "forever", 0); err != nil || !ok {
		t.Fatalf("MarkOnce(forever) = %t, %v", ok, err)
	}
	clock.advance(time.Hour)
	for i := range 2 {
		if ok, err := s.MarkOnce(ctx, fmt.Sprint("new:", i), time.Hour); err != nil || !ok {
			t.Fatalf("MarkOnce(new) = %t, %v", ok, err)
		}
	}
	if n := bucketLen(t, s, bucketOnce); n != 3 {
		t.Errorf("once bucket holds %d flags after the short ones expired, want 3", n)
	}
	if n := bucketLen(t, s, bucketOnceByExpiry); n != 2 {
		t.Errorf("once_by_expiry holds %d entries, want 2", n)
	}
	if ok, err := s.MarkOnce(ctx, "forever", time.Hour); err != nil || ok {
		t.Errorf("MarkOnce(forever) again = %t, %v; want false", ok, err)
	}
	if ok, err := s.MarkOnce(ctx, "short:5", time.Hour); err != nil || !ok {
		t.Errorf("MarkOnce of an expired flag = %t, %v; want true", ok, err)
	}
}

func TestExpiredDraftIsDeleted(t *testing.T) {
	clock := &fakeClock{t: tB}
	s := newTestStore(t, WithClock(clock.now))
	ctx := t.Context()
	must(t, s.SaveDraft(ctx, store.Draft{UserID: 1, Step: "kind"}, time.Minute))
	clock.advance(time.Minute)
	if _, err := s.Draft(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Draft after its TTL = %v, want ErrNotFound", err)
	}
	if n := bucketLen(t, s, bucketDrafts); n != 0 {
		t.Errorf("drafts bucket holds %d records after reading an expired one, want 0", n)
	}
	if err := s.SaveDraft(ctx, store.Draft{UserID: 1}, 0); err == nil {
		t.Error("SaveDraft with ttl 0 succeeded")
	}
}

func TestLockExpiresWithClock(t *testing.T) {
	clock := &fakeClock{t: tB}
	s := newTestStore(t, WithClock(clock.now))
	ctx := t.Context()
	if ok, _ := s.TryLock(ctx, "l", "a", time.Second); !ok {
		t.Fatal("TryLock(a) = false")
	}
	clock.advance(999 * time.Millisecond)
	if ok, _ := s.TryLock(ctx, "l", "b", time.Second); ok {
		t.Error("TryLock(b) before expiry = true")
	}
	clock.advance(time.Millisecond)
	if ok, _ := s.TryLock(ctx, "l", "b", time.Second); !ok {
		t.Error("TryLock(b) at expiry = false")
	}
	if _, err := s.TryLock(ctx, "l", "", time.Second); err == nil {
		t.Error("TryLock with an empty owner succeeded")
	}
}

func TestNewerLayoutRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	s, err := Open(path)
	must(t, err)
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(metaLayout, u64(layoutVersion+1))
	}))
	must(t, s.Close())
	if s, err := Open(path); err == nil {
		s.Close()
		t.Fatal("Open of a file with a newer layout succeeded")
	}
}

func TestInt64KeysSortNumerically(t *testing.T) {
	vals := []int64{-1 << 63, -1001234567890, -1, 0, 1, 777000, 1<<63 - 1}
	for i := 1; i < len(vals); i++ {
		if string(i64(vals[i-1])) >= string(i64(vals[i])) {
			t.Errorf("i64(%d) does not sort before i64(%d)", vals[i-1], vals[i])
		}
	}
	for _, v := range vals {
		if got, err := decodeI64(i64(v)); err != nil || got != v {
			t.Errorf("decodeI64(i64(%d)) = %d, %v", v, got, err)
		}
	}
}
