package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// replica is one partnerbot process (this test binary playing main).
type replica struct {
	name string
	cmd  *exec.Cmd
	out  *testkit.Buffer
	done chan struct{}
}

// spawnReplica starts a partnerbot process against the env's fake and
// Redis. Every replica gets short leases and claim times so takeovers
// happen within a test; extra overrides or adds variables.
func (e *env) spawnReplica(name string, extra map[string]string) *replica {
	e.t.Helper()
	vars := map[string]string{
		"PARTNERBOT_AS_MAIN":    "1",
		"TELEGRAM_BOT_TOKEN":    e.tg.Token(),
		"TELEGRAM_API_ENDPOINT": e.tg.Endpoint(),
		"REDIS_URL":             e.redis.URL(),
		"REPLICA_ID":            name,
		"ADMIN_IDS":             fmt.Sprint(ownerID),
		"HTTP_ADDR":             "127.0.0.1:0", // replicas would fight over one port
		"LOG_LEVEL":             "debug",
		"LEADER_TTL":            "500ms",
		"OUTBOX_CLAIM_IDLE":     "1s",
	}
	maps.Copy(vars, extra)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = os.Environ()
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	r := &replica{name: name, cmd: cmd, out: &testkit.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = r.out, r.out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(r.done) }()
	e.t.Cleanup(func() {
		r.stop(e.t)
		if e.t.Failed() {
			e.t.Logf("replica %s output (last 8 kB):\n%s", name, tail(r.out.String(), 8<<10))
		}
	})
	waitLog(e.t, r.out, "partnerbot started")
	return r
}

// kill ends the process like a crash or an OOM kill: no clean-up at all.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-r.done
}

// stop asks the process to stop (SIGTERM) and kills it if it does not.
func (r *replica) stop(t *testing.T) {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(wait):
		t.Errorf("replica %s ignored SIGTERM", r.name)
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		<-r.done
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// lockHolder is the replica holding a leader lock, "" if none.
func (e *env) lockHolder(name string) string {
	e.t.Helper()
	v, err := e.redis.Client(e.t).Get(context.Background(), redisstore.DefaultPrefix+"lock:"+name).Result()
	if err != nil {
		return ""
	}
	return v
}

// subscribeMany stores n active English subscribers of city, ids from
// first on, every fifth a group; it returns their ids.
func (e *env) subscribeMany(st store.Store, city string, first int64, n int) []int64 {
	e.t.Helper()
	ids := make([]int64, 0, n)
	for i := range int64(n) {
		id, typ := first+i, "private"
		if i%5 == 4 {
			id, typ = -id, "group"
		}
		s := store.NewSubscriber(id, typ, store.LangEN, time.Now())
		s.Cities = []string{city}
		if err := st.SaveSubscriber(context.Background(), s); err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// deliveries counts, per chat, the messages holding substr.
func deliveries(tg *telegramtest.Server, ids []int64, substr string) (missing, dups int, perChat map[int64]int) {
	perChat = map[int64]int{}
	for _, m := range tg.Sent() {
		if strings.Contains(m.Plain, substr) {
			perChat[m.ChatID]++
		}
	}
	for _, id := range ids {
		switch n := perChat[id]; {
		case n == 0:
			missing++
		case n > 1:
			dups += n - 1
		}
	}
	return missing, dups, perChat
}

// waitDelivered waits until every chat in ids got a message holding substr.
func waitDelivered(t *testing.T, tg *telegramtest.Server, ids []int64, substr string, within time.Duration) {
	t.Helper()
	missing := 0
	eventually(t, within, func() string { return fmt.Sprintf("%d of %d chats never got %q", missing, len(ids), substr) },
		func() bool { missing, _, _ = deliveries(tg, ids, substr); return missing == 0 })
}

func no409(t *testing.T, tg *telegramtest.Server) {
	t.Helper()
	for _, c := range tg.Calls("getUpdates") {
		if c.Status == 409 {
			t.Errorf("two replicas polled at once: getUpdates answered 409 at %s: %s", c.Time.Format("15:04:05.000"), c.Response)
		}
	}
}

// Three replicas on one Redis and one bot token: one polls, a resident is
// answered once, and a digest every second reaches each subscriber once.
func TestThreeReplicas(t *testing.T) {
	e := newRedisEnv(t)
	st := e.store()
	subs := e.subscribeMany(st, "krefeld", 6000, 20)
	// A lease long enough that a busy machine never lets it lapse: the
	// test asserts that nobody took over.
	extra := map[string]string{"DIGEST_SCHEDULE": "@every 1s", "SEND_RATE": "30", "LEADER_TTL": "3s"}
	rs := []*replica{e.spawnReplica("r1", extra), e.spawnReplica("r2", extra), e.spawnReplica("r3", extra)}
	e.tg.WaitLongPoll(t, wait)

	resident := e.private(6500, "en")
	if got := resident.say("/cities"); len(got) != 1 || !strings.Contains(got[0].Plain, "Krefeld") {
		t.Errorf("resident got %d replies %q, want the city list once", len(got), plains(got))
	}

	official := e.private(ownerID, "en")
	title := fmt.Sprintf("Replica visit %d", time.Now().UnixNano())
	official.ask("/visit krefeld | 2026-01-01 | " + title + " | Talks about schools")
	waitDelivered(t, e.tg, subs, title, wait)

	// Let three more slots be planned: none may repeat the post.
	seen := time.Now()
	var run store.DigestRun
	var err error
	eventually(t, wait, func() string { return fmt.Sprintf("no digest run three slots after delivery; last %+v %v", run, err) },
		func() bool {
			run, err = st.LastRun(context.Background())
			return err == nil && run.Frequency == store.FreqDaily && !run.FinishedAt.IsZero() && run.Slot.After(seen.Add(3*time.Second))
		})
	e.waitOutboxEmpty()
	if _, dups, per := deliveries(e.tg, subs, title); dups != 0 {
		t.Errorf("%d duplicate digests with the post: %v", dups, per)
	}
	no409(t, e.tg)
	for _, lock := range []string{"poller", "planner"} {
		holder := e.lockHolder(lock)
		if holder == "" {
			t.Errorf("nobody holds the %s lock", lock)
		}
		took := 0
		for _, r := range rs {
			if strings.Contains(r.out.String(), `leader: lock taken" lock=`+lock) {
				took++
			}
		}
		if took != 1 {
			t.Errorf("%d replicas took the %s lock, want exactly one all along", took, lock)
		}
	}
}

// A replica dies (kill -9) in the middle of an announcement to 200 chats:
// the other one finishes it. At most the messages that were on their way
// when it died, or sent but not yet acknowledged (acknowledgements are
// batched for 10 ms), are sent twice.
func TestReplicaKilledMidFanOut(t *testing.T) {
	e := newRedisEnv(t)
	st := e.store()
	subs := e.subscribeMany(st, "venlo", 7000, 200)
	// Fast enough to be quick, slow enough to be killed in the middle.
	extra := map[string]string{"SEND_RATE": "500", "ALLOW_PAID_BROADCAST": "true", "LEADER_TTL": "1s"}
	a, b := e.spawnReplica("a", extra), e.spawnReplica("b", extra)
	e.tg.WaitLongPoll(t, wait)
	e.tg.SetDelay("sendMessage", 100*time.Millisecond)

	official := e.private(ownerID, "en")
	text := fmt.Sprintf("Water outage %d", time.Now().UnixNano())
	mustContain(t, official.ask("/announce venlo | "+text).Plain, "200")
	missing := 0
	eventually(t, wait, func() string { return fmt.Sprintf("fan-out did not start: %d chats still waiting", missing) },
		func() bool { missing, _, _ = deliveries(e.tg, subs, text); return missing <= 160 })
	// Kill the replica that polls, so the survivor must take that over too.
	victim, survivor := a, b
	if e.lockHolder("poller") == "b" {
		victim, survivor = b, a
	}
	victim.kill(t)
	missing, _, _ = deliveries(e.tg, subs, text)
	t.Logf("killed %s with %d of 200 chats still waiting", victim.name, missing)
	if missing == 0 {
		t.Fatal("the fan-out was over before the kill")
	}

	waitDelivered(t, e.tg, subs, text, 2*wait)
	e.waitOutboxEmpty()
	_, dups, _ := deliveries(e.tg, subs, text)
	t.Logf("duplicates after kill -9 mid fan-out: %d", dups)
	// Default Workers.Count: one message in flight per worker, and at
	// most one more per worker sent in the last 10 ms, whose
	// acknowledgement was still gathered for its batch (a send takes
	// 100 ms here). Seen: 8 in every run.
	if dups > 16 {
		t.Errorf("%d duplicates, want at most the 8 messages the killed replica had in flight and the 8 it had not acknowledged yet", dups)
	}
	e.tg.SetDelay("sendMessage", 0)
	// The survivor polls now.
	mustContain(t, official.ask("/help").Plain, "/subscribe")
	if h := e.lockHolder("poller"); h != survivor.name {
		t.Errorf("poller lock held by %q, want %s", h, survivor.name)
	}
	no409(t, e.tg)
}
