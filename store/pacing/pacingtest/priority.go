package pacingtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store/pacing"
)

// The work-conserving policy: bulk alone uses the whole rate, replies go
// first, and both together stay within it. A simulation steps the
// injected clock from one limiter answer to the next, so the figures are
// exact and nothing sleeps.

// traffic is what a simulation let through.
type traffic struct {
	bulk, replies int
	// arrived is how many replies residents asked for, maxWait the
	// longest one of them waited for the limiter.
	arrived int
	maxWait time.Duration
	// maxSecond is the most messages let through within any one second.
	maxSecond int
}

// simulate runs for span: outbox workers on every limiter in ls (one per
// replica) that always have bulk waiting and ask again when told, and a
// resident's command every replyEvery (0: none), each to a chat of its
// own, whose reply asks until it may go, as the bot's pace does. At equal
// times bulk asks first, the worst case for replies.
func (r *rig) simulate(ls []*pacing.Limiter, span, replyEvery time.Duration) traffic {
	r.t.Helper()
	var tr traffic
	var sent, pending []time.Time
	end := r.now.Add(span)
	bulkAt, replyAt, arriveAt := r.now, r.now, r.now.Add(replyEvery/2)
	bulkChat, replyChat := int64(1), int64(1_000_000)
	for turn := 0; ; turn++ {
		next := bulkAt
		if replyEvery > 0 && arriveAt.Before(next) {
			next = arriveAt
		}
		if len(pending) > 0 && replyAt.Before(next) {
			next = replyAt
		}
		if next.After(end) {
			break
		}
		r.now = next
		for !bulkAt.After(r.now) {
			d := r.reserve(ls[turn%len(ls)], bulkChat, false, true)
			if d > 0 {
				bulkAt = r.now.Add(d)
				break
			}
			tr.bulk++
			bulkChat++
			sent = append(sent, r.now)
		}
		if replyEvery > 0 && !arriveAt.After(r.now) {
			if len(pending) == 0 {
				replyAt = r.now
			}
			pending = append(pending, arriveAt)
			tr.arrived++
			arriveAt = arriveAt.Add(replyEvery)
		}
		for len(pending) > 0 && !replyAt.After(r.now) {
			d := r.reserve(ls[turn%len(ls)], replyChat, false, false)
			if d > 0 {
				replyAt = r.now.Add(d)
				break
			}
			tr.maxWait = max(tr.maxWait, r.now.Sub(pending[0]))
			pending = pending[1:]
			tr.replies++
			replyChat++
			sent = append(sent, r.now)
		}
	}
	for i, j := 0, 0; j < len(sent); j++ {
		for sent[j].Sub(sent[i]) >= time.Second {
			i++
		}
		tr.maxSecond = max(tr.maxSecond, j-i+1)
	}
	return tr
}

// within checks the global limit: over span, at most the rate's tokens
// plus one burst, and at most rate + burst in any one second.
func within(t *testing.T, rate int, span time.Duration, tr traffic) {
	t.Helper()
	g, _ := pacing.GlobalBucket(rate)
	limit := int(span/g.Every) + g.Burst
	if n := tr.bulk + tr.replies; n > limit {
		t.Errorf("rate %d: %d messages in %s, over the limit of %d (rate × span + burst)", rate, n, span, limit)
	}
	if tr.maxSecond > rate+g.Burst {
		t.Errorf("rate %d: %d messages within one second, want at most %d", rate, tr.maxSecond, rate+g.Burst)
	}
}

var priorityCases = []testCase{
	{"BulkAloneUsesTheWholeRate", func(t *testing.T, r *rig) {
		for _, tc := range []struct {
			rate int
			span time.Duration
		}{{30, 10 * time.Second}, {1000, 2 * time.Second}} {
			l := r.limiter(tc.rate)
			tr := r.simulate([]*pacing.Limiter{l}, tc.span, 0)
			t.Logf("rate %d over %s: %s", tc.rate, tc.span, tr)
			want := int(float64(tc.rate) * tc.span.Seconds())
			if tr.bulk < want {
				t.Errorf("rate %d: bulk alone sent %d in %s, want at least %d: the whole rate", tc.rate, tr.bulk, tc.span, want)
			}
			within(t, tc.rate, tc.span, tr)
			r.advance(time.Minute) // the next rate starts on a full bucket
		}
	}},
	{"RepliesFirstBulkTheRest", func(t *testing.T, r *rig) {
		// Five commands a second while two replicas drain the outbox.
		for _, rate := range []int{30, 100, 1000} {
			const span = 10 * time.Second
			a, b := r.limiter(rate), r.limiter(rate)
			tr := r.simulate([]*pacing.Limiter{a, b}, span, 200*time.Millisecond)
			t.Logf("rate %d over %s: %s", rate, span, tr)
			g, _ := pacing.GlobalBucket(rate)
			if tr.replies != tr.arrived || tr.arrived < 49 {
				t.Errorf("rate %d: %d of %d replies sent, want every one of about 50", rate, tr.replies, tr.arrived)
			}
			if tr.maxWait > g.Every {
				t.Errorf("rate %d: a reply waited %s behind bulk, want at most one token (%s)", rate, tr.maxWait, g.Every)
			}
			if want := int(float64(rate)*span.Seconds()) - 1; tr.bulk+tr.replies < want {
				t.Errorf("rate %d: bulk %d + replies %d in %s, want at least %d: bulk uses what replies leave",
					rate, tr.bulk, tr.replies, span, want)
			}
			within(t, rate, span, tr)
			r.advance(time.Minute)
		}
	}},
	{"RepliesAtOnceGoBeforeWaitingBulk", func(t *testing.T, r *rig) {
		// Rate 100: bulk took all it may; then five residents at once.
		l := r.limiter(100)
		r.allowed(l, 0, 100, true)
		start := r.now
		for k := range 5 {
			chat := int64(1000 + k)
			for {
				d := r.reserve(l, chat, false, false)
				if d == 0 {
					break
				}
				if bd := r.reserve(l, 5000, false, true); bd <= d {
					t.Fatalf("reply %d waits %s, bulk only %s: bulk would go first", k, d, bd)
				}
				r.advance(d)
			}
			if waited, bound := r.now.Sub(start), time.Duration(k)*10*time.Millisecond; waited > bound {
				t.Errorf("reply %d of 5 at once went after %s, want within %s (one token each)", k, waited, bound)
			}
		}
		if d := r.reserve(l, 5000, false, true); d <= 0 {
			t.Errorf("bulk right after the replies = %s, want a wait for the reserve to refill", d)
		}
	}},
}

func (tr traffic) String() string {
	return fmt.Sprintf("bulk %d, replies %d of %d, max wait %s, max/s %d", tr.bulk, tr.replies, tr.arrived, tr.maxWait, tr.maxSecond)
}
