package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

// Personal messages (store.OutboxMessage.Personal) go before bulk ones,
// however many bulk messages were enqueued before them and by whichever
// call they were enqueued, also after a retry and when a dead worker's
// claim is taken over.

func testOutboxPersonal(t *testing.T, newStore func(t *testing.T) store.Store) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, func(*testing.T) store.Store)
	}{
		{"ClaimedBeforeBulk", personalClaimedBeforeBulk},
		{"EveryEnqueueCall", personalEveryEnqueueCall},
		{"RetriedStaysPersonal", personalRetriedStaysPersonal},
		{"IdleTakenOver", personalIdleTakenOver},
		{"SettledAndCounted", personalSettledAndCounted},
		{"WaitEndsForPersonal", personalWaitEnds},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore) })
	}
}

// answer is an official's answer to resident, a personal message.
func answer(resident int64, text string) store.OutboxMessage {
	return store.OutboxMessage{Kind: store.MsgOfficeOut, ChatID: resident, CreatedAt: t0, Ref: "office-out:" + text,
		Office: &store.OfficeCopy{Resident: resident, From: -1001, Messages: []int{7}, Header: text}}
}

// promoted tells user a place on event 9's list became theirs.
func promoted(user int64) store.OutboxMessage {
	return store.OutboxMessage{Kind: store.MsgAttendee, ChatID: user, PostID: 9, CreatedAt: t0,
		Notice: &store.AttendeeNotice{What: store.NoticePromoted, Lang: store.LangEN}}
}

// bulk returns n digests, for chats from+0 to from+n-1.
func bulk(from int64, n int) []store.OutboxMessage {
	out := make([]store.OutboxMessage, n)
	for i := range out {
		out[i] = msg(from+int64(i), fmt.Sprint("digest ", i))
	}
	return out
}

func personalClaimedBeforeBulk(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	digests := bulk(1000, 1000)
	if err := s.Enqueue(ctx, digests...); err != nil {
		t.Fatalf("Enqueue(1,000 digests) = %v", err)
	}
	if got := claimPersonal(t, s, "p1", 10, time.Hour); len(got) != 0 {
		t.Errorf("ClaimPersonal with only bulk messages = %v, want none", got)
	}
	first, second := answer(42, "first answer"), promoted(43)
	if err := s.Enqueue(ctx, first); err != nil {
		t.Fatalf("Enqueue(answer) = %v", err)
	}
	if err := s.Enqueue(ctx, msg(2000, "a digest after it"), second); err != nil {
		t.Fatalf("Enqueue(digest, notice) = %v", err)
	}
	// The answer enqueued after 1,000 digests is claimed first, the
	// notice enqueued after one more digest next; the digests follow in
	// their order.
	wantMsgs(t, claim(t, s, "c1", 1, time.Hour), []store.OutboxMessage{first})
	wantMsgs(t, claim(t, s, "c1", 3, time.Hour), []store.OutboxMessage{second, digests[0], digests[1]})
	rest := claim(t, s, "c2", 2000, time.Hour)
	wantMsgs(t, rest, append(digests[2:], msg(2000, "a digest after it")))
	if st := outboxStats(t, s, t0); st.Ready != 0 || st.Pending != 1003 {
		t.Errorf("OutboxStats = %+v, want 1,003 pending", st)
	}
}

func personalEveryEnqueueCall(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.Enqueue(ctx, bulk(100, 20)...); err != nil {
		t.Fatalf("Enqueue = %v", err)
	}
	each, eachDigest := answer(1, "each"), msg(200, "each digest")
	each.Dedupe, eachDigest.Dedupe = "office:each", "digest:each"
	if n, err := s.EnqueueEach(ctx, time.Hour, eachDigest, each); err != nil || n != 2 {
		t.Fatalf("EnqueueEach = %d, %v; want 2", n, err)
	}
	once := answer(2, "once")
	if ok, err := s.EnqueueOnce(ctx, store.Once{Key: "personal:once", TTL: time.Hour}, msg(201, "once digest"), once); err != nil || !ok {
		t.Fatalf("EnqueueOnce = %t, %v; want true", ok, err)
	}
	many := promoted(3)
	items := []store.OnceMessages{{Once: store.Once{Key: "personal:many", TTL: time.Hour}, Msgs: []store.OutboxMessage{msg(202, "many digest"), many}}}
	if res, err := s.EnqueueOnceMany(ctx, items); err != nil || len(res) != 1 || !res[0] {
		t.Fatalf("EnqueueOnceMany = %v, %v; want [true]", res, err)
	}
	each.Dedupe = "" // not stored with the message
	wantMsgs(t, claimPersonal(t, s, "p1", 10, time.Hour), []store.OutboxMessage{each, once, many})
	if got := claim(t, s, "c1", 100, time.Hour); len(got) != 23 || got[0].ChatID != 100 {
		t.Errorf("Claim after the personal messages = %d messages from chat %v, want the 23 digests in order", len(got), msgIDs(got))
	}
}

func personalRetriedStaysPersonal(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	a := answer(42, "retried")
	if err := s.Enqueue(ctx, a); err != nil {
		t.Fatalf("Enqueue = %v", err)
	}
	got := claim(t, s, "c1", 10, time.Hour)
	if len(got) != 1 {
		t.Fatalf("Claim = %v, want the answer", got)
	}
	got[0].Attempts++
	at := t0.Add(time.Minute)
	if err := s.Retry(ctx, got[0].ID, got[0], at); err != nil {
		t.Fatalf("Retry = %v", err)
	}
	// A quiet-hours notice waits in the delayed set too, due a
	// millisecond before the answer.
	notice := promoted(43)
	notice.NotBefore = at.Add(-time.Millisecond)
	if err := s.Enqueue(ctx, notice); err != nil {
		t.Fatalf("Enqueue(NotBefore) = %v", err)
	}
	// While they wait, 500 digests are enqueued.
	if err := s.Enqueue(ctx, bulk(1000, 500)...); err != nil {
		t.Fatalf("Enqueue = %v", err)
	}
	if n := promote(t, s, at); n != 2 {
		t.Fatalf("PromoteDue = %d, want 2", n)
	}
	want := a
	want.Attempts = 1
	back := claim(t, s, "c2", 2, time.Hour)
	wantMsgs(t, back, []store.OutboxMessage{notice, want})
	if back[1].ID == got[0].ID {
		t.Errorf("retried message kept its old ID %s", back[0].ID)
	}
	if next := claim(t, s, "c2", 1, time.Hour); len(next) != 1 || next[0].ChatID != 1000 {
		t.Errorf("Claim after the personal messages = %v, want the first digest", next)
	}
}

func personalIdleTakenOver(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	a := answer(42, "dead worker's")
	if err := s.Enqueue(ctx, msg(1, "digest")); err != nil {
		t.Fatalf("Enqueue = %v", err)
	}
	if err := s.Enqueue(ctx, a); err != nil {
		t.Fatalf("Enqueue = %v", err)
	}
	first := claim(t, s, "dead", 10, time.Hour)
	if len(first) != 2 {
		t.Fatalf("Claim = %v, want 2 messages", first)
	}
	// The worker dies. A worker claiming personal messages alone takes
	// over the answer, not the digest.
	var got []store.OutboxMessage
	testkit.Eventually(t, pollTimeout, func() string { return "personal message of a dead worker not taken over" }, func() bool {
		got = claimPersonal(t, s, "alive", 10, 50*time.Millisecond)
		return len(got) > 0
	})
	taken := time.Now() // at or after the answer was claimed again
	if len(got) != 1 || got[0].ID != first[0].ID {
		t.Fatalf("ClaimPersonal after minIdle = %v, want the answer %s", msgIDs(got), first[0].ID)
	}
	wantMsgs(t, got, []store.OutboxMessage{a})
	// That worker dies too: Claim takes both over, the answer first. One
	// call, with a minIdle both have passed: polling with a fixed minIdle
	// would take the digest alone (idle for longer) and restart its clock.
	testkit.Eventually(t, pollTimeout, func() string { return "no time passed" }, func() bool {
		return time.Since(taken) >= 2*time.Millisecond
	})
	got = claim(t, s, "third", 10, time.Since(taken))
	if len(got) != 2 {
		t.Fatalf("Claim after minIdle = %v, want both messages of the dead workers", msgIDs(got))
	}
	if got[0].ID != first[0].ID || got[1].ID != first[1].ID {
		t.Errorf("Claim after minIdle = %v, want %v", msgIDs(got), msgIDs(first))
	}
	for _, m := range got {
		if err := s.Ack(ctx, m.ID); err != nil {
			t.Fatalf("Ack(%s) = %v", m.ID, err)
		}
	}
	if again := claim(t, s, "fourth", 10, 0); len(again) != 0 {
		t.Errorf("Claim after Ack = %v, want none", again)
	}
	if st := outboxStats(t, s, t0); st != (store.OutboxStats{}) {
		t.Errorf("OutboxStats after Ack = %+v, want zero", st)
	}
}

func personalSettledAndCounted(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.Enqueue(ctx, append(bulk(1, 3), answer(42, "a"), answer(43, "b"), promoted(44))...); err != nil {
		t.Fatalf("Enqueue = %v", err)
	}
	if st := outboxStats(t, s, t0); st.Ready != 6 {
		t.Errorf("OutboxStats = %+v, want 6 ready", st)
	}
	got := claim(t, s, "c1", 10, time.Hour)
	if len(got) != 6 || !got[0].Personal() || !got[2].Personal() || got[3].Personal() {
		t.Fatalf("Claim = %+v, want 3 personal messages, then 3 digests", got)
	}
	if st := outboxStats(t, s, t0); st.Ready != 0 || st.Pending != 6 {
		t.Errorf("OutboxStats after Claim = %+v, want 6 pending", st)
	}
	// One batch settles both kinds; IDs tell where each was.
	if err := s.AckMany(ctx, []store.Settled{{ID: got[0].ID}, {ID: got[3].ID}, {ID: got[1].ID}}); err != nil {
		t.Fatalf("AckMany = %v", err)
	}
	if err := s.Bury(ctx, got[2].ID, store.DeadLetter{Message: got[2], Reason: "blocked", At: t0}); err != nil {
		t.Fatalf("Bury = %v", err)
	}
	if err := s.Retry(ctx, got[4].ID, got[4], t0.Add(time.Hour)); err != nil {
		t.Fatalf("Retry = %v", err)
	}
	if st := outboxStats(t, s, t0); st.Pending != 1 || st.Ready != 0 || st.Delayed != 1 || st.Dead != 1 {
		t.Errorf("OutboxStats after settling = %+v, want 1 pending, 1 delayed, 1 dead", st)
	}
	if dead := deadLetters(t, s, 10); len(dead) != 1 || !equalMsg(dead[0].Message, got[2]) {
		t.Errorf("DeadLetters = %+v, want the notice", dead)
	}
	if again := claim(t, s, "c2", 10, 0); len(again) != 1 || again[0].ID != got[5].ID {
		t.Errorf("Claim of what is left pending = %v, want %s", msgIDs(again), got[5].ID)
	}
}

func personalWaitEnds(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	for _, c := range []struct {
		name  string
		claim func(consumer string) ([]store.OutboxMessage, error)
	}{
		{"Claim", func(consumer string) ([]store.OutboxMessage, error) {
			return s.Claim(ctx, consumer, 10, pollTimeout, time.Hour)
		}},
		{"ClaimPersonal", func(consumer string) ([]store.OutboxMessage, error) {
			return s.ClaimPersonal(ctx, consumer, 10, pollTimeout, time.Hour)
		}},
	} {
		type result struct {
			msgs []store.OutboxMessage
			err  error
		}
		done := make(chan result, 1)
		go func() {
			m, err := c.claim("waiting-" + c.name)
			done <- result{m, err}
		}()
		// Whether the claim waits already or not, it returns the answer:
		// it is there when it looks, or ends its wait.
		a := answer(42, c.name)
		if err := s.Enqueue(ctx, a); err != nil {
			t.Fatalf("Enqueue = %v", err)
		}
		r := <-done
		if r.err != nil {
			t.Fatalf("%s = %v", c.name, r.err)
		}
		wantMsgs(t, r.msgs, []store.OutboxMessage{a})
	}
}

// claimPersonal claims personal messages without waiting.
func claimPersonal(t *testing.T, s store.Store, consumer string, max int, minIdle time.Duration) []store.OutboxMessage {
	t.Helper()
	got, err := s.ClaimPersonal(t.Context(), consumer, max, 0, minIdle)
	if err != nil {
		t.Fatalf("ClaimPersonal(%s, %d) = %v", consumer, max, err)
	}
	return got
}
