package scheduler_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// partitioned are Locks that can lose their connection to Redis, like a
// replica cut off from the network (or frozen): it can no longer renew.
type partitioned struct {
	store.Locks
	down atomic.Bool
}

var errPartition = errors.New("network partition (test)")

func (p *partitioned) TryLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if p.down.Load() {
		return false, errPartition
	}
	return p.Locks.TryLock(ctx, name, owner, ttl)
}

func (p *partitioned) Unlock(ctx context.Context, name, owner string) error {
	if p.down.Load() {
		return errPartition
	}
	return p.Locks.Unlock(ctx, name, owner)
}

// leaders runs two Leaders on one lock and watches who runs fn.
type leaders struct {
	t       *testing.T
	running atomic.Int32
	overlap atomic.Bool
	started chan string
	locks   map[string]*partitioned
	cancel  map[string]context.CancelFunc
	stopped map[string]chan struct{}
	// ended receives the name of a leader whose fn returned.
	ended chan string
}

const leaderTTL = 300 * time.Millisecond

func startLeaders(t *testing.T, srv *redistest.Server, names ...string) *leaders {
	l := &leaders{t: t, started: make(chan string, 10), ended: make(chan string, 10),
		locks: map[string]*partitioned{}, cancel: map[string]context.CancelFunc{}, stopped: map[string]chan struct{}{}}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		for _, c := range l.cancel {
			c()
		}
		wg.Wait()
	})
	for _, name := range names {
		st, err := redisstore.Open(context.Background(), srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		l.locks[name] = &partitioned{Locks: st}
		ctx, cancel := context.WithCancel(context.Background())
		l.cancel[name] = cancel
		l.stopped[name] = make(chan struct{})
		ld := &scheduler.Leader{Locks: l.locks[name], Name: "planner", Owner: name, TTL: leaderTTL}
		wg.Go(func() {
			defer close(l.stopped[name])
			_ = ld.Run(ctx, func(ctx context.Context) error {
				if l.running.Add(1) > 1 {
					l.overlap.Store(true)
				}
				l.started <- name
				<-ctx.Done()
				l.running.Add(-1)
				l.ended <- name
				return nil
			})
		})
	}
	return l
}

func (l *leaders) next(what string) (string, time.Duration) {
	l.t.Helper()
	began := time.Now()
	select {
	case name := <-l.started:
		return name, time.Since(began)
	case <-time.After(wait):
		l.t.Fatalf("no leader %s", what)
		return "", 0
	}
}

func (l *leaders) end(who string) time.Duration {
	l.t.Helper()
	began := time.Now()
	select {
	case name := <-l.ended:
		if name != who {
			l.t.Fatalf("%s stopped, want %s", name, who)
		}
		return time.Since(began)
	case <-time.After(wait):
		l.t.Fatalf("%s never stepped down", who)
		return 0
	}
}

func other(name string) string {
	if name == "a" {
		return "b"
	}
	return "a"
}

// Not parallel: takeover times are asserted.
func TestLeaderTakeover(t *testing.T) {
	// Takeover bounds: a clean stop hands over at the next try (TTL/3); a
	// holder that cannot renew is replaced once its lease ran out (TTL
	// plus a try). Both get room for a slow machine.
	const (
		handover = leaderTTL
		expiry   = 2 * leaderTTL
	)
	srv := redistest.Start(t)

	t.Run("holder stops", func(t *testing.T) {
		l := startLeaders(t, srv, "a", "b")
		first, _ := l.next("at start")
		l.cancel[first]()
		<-l.stopped[first]
		second, took := l.next("after the holder stopped")
		if second != other(first) {
			t.Fatalf("%s took over from %s", second, first)
		}
		if took > handover {
			t.Errorf("takeover after a clean stop took %v, want under %v", took, handover)
		}
		if l.overlap.Load() {
			t.Error("both leaders ran at once")
		}
	})

	t.Run("holder cut off", func(t *testing.T) {
		l := startLeaders(t, srv, "a", "b")
		first, _ := l.next("at start")
		began := time.Now()
		l.locks[first].down.Store(true) // renewals fail from now on
		stepped := l.end(first)
		second, _ := l.next("after the holder was cut off")
		took := time.Since(began)
		if second != other(first) {
			t.Fatalf("%s took over from %s", second, first)
		}
		if stepped > 2*leaderTTL/3 {
			t.Errorf("cut-off holder ran on for %v after its first failed renewal was due", stepped)
		}
		if took > expiry {
			t.Errorf("takeover took %v, want within about the TTL %v", took, leaderTTL)
		}
		if l.overlap.Load() {
			t.Error("both leaders ran at once")
		}
		// Back on the network, the old holder stays a follower.
		l.locks[first].down.Store(false)
		select {
		case name := <-l.started:
			t.Errorf("%s started again while %s holds the lock", name, second)
		case <-time.After(2 * leaderTTL):
		}
	})

	t.Run("lock taken away", func(t *testing.T) {
		st, err := redisstore.Open(context.Background(), srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ctx := context.Background()
		l := startLeaders(t, srv, "a", "b")
		first, _ := l.next("at start")
		// Someone else holds the lease now (an operator, a replica that
		// saw it expire while this one was frozen): the holder must step
		// down at its next renewal.
		key := redisstore.DefaultPrefix + "lock:planner"
		if err := srv.Client(t).Set(ctx, key, "intruder", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		if took := l.end(first); took > leaderTTL {
			t.Errorf("holder ran on %v after losing its lock", took)
		}
		if err := st.Unlock(ctx, "planner", "intruder"); err != nil {
			t.Fatal(err)
		}
		if _, took := l.next("after the intruder left"); took > handover {
			t.Errorf("takeover took %v", took)
		}
		if l.overlap.Load() {
			t.Error("both leaders ran at once")
		}
	})
}
