package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

// startReplicated starts a primary and one replica of it, and waits until
// the replica is in sync.
func startReplicated(tb testing.TB, opts ...redistest.Option) (primary, replica *redistest.Server) {
	tb.Helper()
	// Without the delay a full sync waits 5s for more replicas to join.
	opts = append(opts, redistest.WithArgs("--repl-diskless-sync-delay", "0"))
	primary = redistest.Start(tb, opts...)
	_, port, err := net.SplitHostPort(primary.Addr())
	if err != nil {
		tb.Fatal(err)
	}
	replica = redistest.Start(tb, append(opts, redistest.WithArgs("--replicaof", "127.0.0.1", port))...)
	// A replica takes seconds to honour SIGTERM (Stop); nothing of it
	// needs to survive the test.
	tb.Cleanup(replica.Kill)
	waitInSync(tb, primary, replica)
	return primary, replica
}

// waitInSync waits until replica's link to primary is up and the primary
// counts it.
func waitInSync(tb testing.TB, primary, replica *redistest.Server) {
	tb.Helper()
	ctx := context.Background()
	p, r := redis.NewClient(primary.Options()), redis.NewClient(replica.Options())
	defer p.Close()
	defer r.Close()
	var info string
	testkit.Eventually(tb, 15*time.Second, func() string {
		return fmt.Sprintf("replica %s not in sync with %s: %s", replica.Addr(), primary.Addr(), info)
	}, func() bool {
		info = r.Info(ctx, "replication").Val()
		if !strings.Contains(info, "master_link_status:up") {
			return false
		}
		// A connection without writes: WAIT counts every replica
		// connected to the primary.
		n, err := p.Wait(ctx, 1, 50*time.Millisecond).Result()
		return err == nil && n >= 1
	})
}

// replicaMessages reads the texts in the outbox stream of the replica.
func replicaMessages(t *testing.T, replica *redis.Client) []string {
	t.Helper()
	xs, err := replica.XRange(t.Context(), DefaultPrefix+"outbox", "-", "+").Result()
	if err != nil {
		t.Fatalf("XRANGE on the replica: %v", err)
	}
	var out []string
	for _, x := range xs {
		raw, _ := x.Values["m"].(string)
		for _, part := range strings.Split(raw, ",") {
			if text, ok := strings.CutPrefix(part, `"text":`); ok {
				out = append(out, strings.Trim(text, `"`))
			}
		}
	}
	return out
}

func TestMinReplicas(t *testing.T) {
	primary, replica := startReplicated(t)
	ctx := t.Context()
	rc := replica.Client(t)
	logs := &testkit.Buffer{}
	// While the replica runs, a loaded machine may take a while to
	// acknowledge; without it, every call waits the whole timeout.
	withTimeout := func(d time.Duration) *Store {
		return NewFromClient(primary.Client(t), WithMinReplicas(1, d), WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	}
	s := withTimeout(3 * time.Second)

	// Acknowledged: on the replica as soon as the call returns.
	added, err := s.EnqueueOnce(ctx, store.Once{Key: "a"}, outMsg(1, "first"))
	if err != nil || !added {
		t.Fatalf("EnqueueOnce = %t, %v", added, err)
	}
	if got := replicaMessages(t, rc); len(got) != 1 || got[0] != "first" {
		t.Fatalf("replica holds %q right after EnqueueOnce, want [first]", got)
	}
	if _, err := s.EnqueueOnceMany(ctx, []store.OnceMessages{
		{Once: store.Once{Key: "b"}, Msgs: []store.OutboxMessage{outMsg(2, "second")}},
	}); err != nil {
		t.Fatalf("EnqueueOnceMany = %v", err)
	}
	m := outMsg(3, "third")
	m.Dedupe = "c"
	if _, err := s.EnqueueEach(ctx, time.Hour, m); err != nil {
		t.Fatalf("EnqueueEach = %v", err)
	}
	p, created, err := s.PublishPost(ctx, store.Post{Kind: store.KindVisit, City: "kyiv", Title: "t", Lang: store.LangUK,
		PublishedAt: tOut}, store.Change{Cause: "pub", Audit: store.AuditEntry{Action: "created"}})
	if err != nil || !created {
		t.Fatalf("PublishPost = %t, %v", created, err)
	}
	if got := replicaMessages(t, rc); len(got) != 3 || got[2] != "third" {
		t.Errorf("replica holds %q, want three messages", got)
	}
	if n := rc.Exists(ctx, DefaultPrefix+fmt.Sprintf("post:%d", p.ID)).Val(); n != 1 {
		t.Errorf("post %d not on the replica after PublishPost", p.ID)
	}

	// Without the replica the write stays on the primary and fails as
	// unavailable, naming the count, so the caller retries.
	replica.Kill()
	live := s
	s = withTimeout(300 * time.Millisecond)
	_, err = s.EnqueueOnce(ctx, store.Once{Key: "d"}, outMsg(4, "fourth"))
	var short *ReplicaShortfallError
	switch {
	case !errors.Is(err, store.ErrUnavailable):
		t.Fatalf("EnqueueOnce without the replica = %v, want store.ErrUnavailable", err)
	case !strings.Contains(err.Error(), "written on the primary, acknowledged by 0 of 1 replicas"):
		t.Errorf("error %q does not name the replica count", err)
	case !errors.As(err, &short) || short.Acked != 0 || short.Want != 1:
		t.Errorf("error %v is not a ReplicaShortfallError{0, 1}", err)
	}
	p.Title = "edited"
	if err := s.UpdatePost(ctx, p); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("UpdatePost without the replica = %v, want store.ErrUnavailable", err)
	}
	// Writes a retry would repeat succeed with a warning.
	if err := s.Enqueue(ctx, outMsg(5, "fifth")); err != nil {
		t.Errorf("Enqueue without the replica = %v, want success and a warning", err)
	}
	if _, err := s.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "kyiv", PublishedAt: tOut}); err != nil {
		t.Errorf("CreatePost without the replica = %v, want success and a warning", err)
	}
	// An official told "try again" would send a new message: a second post.
	if _, created, err := s.PublishPost(ctx, store.Post{Kind: store.KindVisit, City: "kyiv", Title: "u", Lang: store.LangUK,
		PublishedAt: tOut}, store.Change{Cause: "pub2", Audit: store.AuditEntry{Action: "created"}}); err != nil || !created {
		t.Errorf("PublishPost without the replica = %t, %v; want created with a warning", created, err)
	}
	if n := strings.Count(logs.String(), "acknowledged by 0 of 1 replicas"); n < 3 {
		t.Errorf("%d warnings logged, want one each for Enqueue, CreatePost and PublishPost: %s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "acknowledged by 0 of 1 replicas") {
		t.Errorf("no warning logged for Enqueue: %s", logs.String())
	}

	// The replica back, the retry finds the message queued once.
	replica.Restart(t)
	waitInSync(t, primary, replica)
	s = live
	added, err = s.EnqueueOnce(ctx, store.Once{Key: "d"}, outMsg(4, "fourth again"))
	if err != nil || added {
		t.Errorf("EnqueueOnce retried = %t, %v; want done already", added, err)
	}
	if got := replicaMessages(t, rc); len(got) != 5 || got[3] != "fourth" {
		t.Errorf("replica holds %q after the retry", got)
	}
}

// BenchmarkDurableEnqueue measures what WithMinReplicas(1) adds to
// EnqueueOnce of one message and EnqueueOnceMany of 1000 (one message
// each), against a primary with one replica on the same machine.
func BenchmarkDurableEnqueue(b *testing.B) {
	primary, _ := startReplicated(b, redistest.WithoutAOF())
	ctx := context.Background()
	for _, min := range []int{0, 1} {
		s := NewFromClient(primary.Client(b), WithMinReplicas(min, time.Second))
		b.Run(fmt.Sprintf("min%d", min), func(b *testing.B) {
			b.Run("single", func(b *testing.B) {
				i := 0
				for b.Loop() {
					i++
					key := fmt.Sprintf("bench:%d:single:%d", min, i)
					if _, err := s.EnqueueOnce(ctx, store.Once{Key: key, TTL: time.Minute}, outMsg(int64(i), "x")); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("many1000", func(b *testing.B) {
				items := make([]store.OnceMessages, 1000)
				i := 0
				for b.Loop() {
					i++
					for j := range items {
						items[j] = store.OnceMessages{
							Once: store.Once{Key: fmt.Sprintf("bench:%d:many:%d:%d", min, i, j), TTL: time.Minute},
							Msgs: []store.OutboxMessage{outMsg(int64(j), "x")},
						}
					}
					if _, err := s.EnqueueOnceMany(ctx, items); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		if err := primary.Client(b).FlushAll(ctx).Err(); err != nil {
			b.Fatal(err)
		}
	}
}
