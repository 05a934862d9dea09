package bench

// Scenario 7 (issue 14): an official publishes an announcement and every
// subscriber of the city gets it, at SEND_RATE 1000 with the backend's
// real limiter: how long from the publish to the first and to the last
// subscriber, against the limit's lower bound N / 1000 s. Planning
// (Planner.Announce: the fan-out into the outbox, a chunk at a time)
// overlaps sending: the workers are running when the official publishes,
// as in production.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// publishRate is SEND_RATE of the publish scenario: paid broadcast.
const publishRate = 1000

type publishResult struct {
	n, rate   int
	planned   int           // recipients Announce reported
	plan      time.Duration // publish until Announce returned
	first     time.Duration // publish until the first send
	last      time.Duration // publish until the last subscriber's send
	sent      int
	fails     string
	timedOut  bool
	planError error
}

// bound is the limit's lower bound for n messages at rate.
func (p publishResult) bound() time.Duration {
	return time.Duration(float64(p.n) / float64(p.rate) * float64(time.Second))
}

// benchPublish announces a post to the n subscribers seeded for the scale
// and times it through the lean stub (the fake would record n calls).
func (e *env) benchPublish(b *testing.B, n int) publishResult {
	b.Helper()
	ctx := context.Background()
	e.resetOutbox(b)
	r := publishResult{n: n, rate: publishRate}
	post := e.posts[0]
	post.ID, post.Kind, post.Title = 0, store.KindAnnouncement, "Road works on the bridge to the partner city"
	created, err := e.st.CreatePost(ctx, post)
	if err != nil {
		b.Fatalf("create announcement: %v", err)
	}
	lean, _ := leanAPI(b)
	rs := newRecSender(lean, n)
	var f failures
	stop := e.runWorkers(e.limiter(publishRate), 0, rs, &f)
	planner := &scheduler.Planner{Store: e.st, Renderer: e.rd, Data: e.data}
	t0 := time.Now()
	planned := make(chan struct{})
	go func() {
		defer close(planned)
		r.planned, r.planError = planner.Announce(ctx, created)
		r.plan = time.Since(t0)
	}()
	select {
	case <-rs.reached:
	case <-time.After(r.bound()*3/2 + 30*time.Second):
		r.timedOut = true
	}
	<-planned
	stop()
	r.fails = f.String()
	rs.mu.Lock()
	r.sent = len(rs.starts)
	if r.sent > 0 {
		r.first = rs.starts[0].Sub(t0)
		for _, t := range rs.starts {
			r.first = min(r.first, t.Sub(t0))
		}
	}
	if !rs.doneAt.IsZero() {
		r.last = rs.doneAt.Sub(t0)
	}
	rs.mu.Unlock()
	fmt.Printf("[%s N=%d] publish at SEND_RATE %d: %s\n", e.kind, n, publishRate, r.line())
	return r
}

func (p publishResult) line() string {
	if p.planError != nil {
		return fmt.Sprintf("Announce failed: %v", p.planError)
	}
	to := ""
	if p.timedOut {
		to = fmt.Sprintf(" (cut off: %d of %d sent)", p.sent, p.n)
	}
	return fmt.Sprintf("%d recipients planned in %s; first message after %s, last after %s = %.3f × the %s lower bound, failures: %s%s",
		p.planned, dur(p.plan), dur(p.first), dur(p.last), p.last.Seconds()/p.bound().Seconds(), dur(p.bound()), p.fails, to)
}
