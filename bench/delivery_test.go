package bench

// The delivery benchmark of issues #4, #6 and #14, on Redis and on the embedded
// store (bbolt). It prints figures and asserts none of them: a slow
// machine must not fail a build. Run it with
//
//	go test -run='^$' -bench=Delivery -benchtime=1x ./bench/
//
// (see README.md). Setup (redis-server, subscribers, posts) is not timed.

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

const benchCommand = "go test -run='^$' -bench=Delivery -benchtime=1x ./bench/"

// Scales of the planning/throughput/memory scenarios. Redis runs both;
// bolt runs the first, then boltLarge if the first says it fits in
// boltBudget, else boltFallback (see boltSecondScale).
var redisScales = []int{10_000, 100_000}

const (
	boltFirst    = 10_000
	boltLarge    = 100_000
	boltFallback = 30_000
	// boltBudget bounds the bolt scenarios at the larger scale: every bolt
	// commit is fsynced, so they take minutes where Redis takes seconds.
	boltBudget = 4 * time.Minute
)

// quickScales replace both in BENCH_DELIVERY_QUICK mode.
var quickScales = []int{1_000, 5_000}

// rateScale divides the messages timed per rate run (quick mode only).
var rateScale = 1

const (
	// rawWorkers is Workers.Count of the unlimited drain (scenario 2).
	rawWorkers = 16
	// seedWorkers save subscribers concurrently during setup.
	seedWorkers = 32
	sampleEvery = 50 * time.Millisecond
)

// backendResult is everything measured on one backend.
type backendResult struct {
	kind   string
	ran    bool
	scales []scaleResult
	rates  []rateResult
	zones  []zoneResult
	note   string // how the scales were chosen (bolt)
	wall   time.Duration
}

func (r *backendResult) scale(n int) *scaleResult {
	for i := range r.scales {
		if r.scales[i].n == n {
			return &r.scales[i]
		}
	}
	return nil
}

// BenchmarkDelivery runs every scenario once on each backend;
// -benchtime=1x keeps the framework from repeating it. b.N is ignored on
// purpose. Sub-benchmarks: Delivery/{redis,bolt}/{N=…,rates,zones/N=…}.
func BenchmarkDelivery(b *testing.B) {
	began := time.Now()
	quick := os.Getenv("BENCH_DELIVERY_QUICK") != ""
	if quick {
		// A smoke run of the harness: small N, short rate windows.
		rateScale = 10
	}
	header()
	var results []*backendResult
	for _, kind := range backends {
		br := &backendResult{kind: kind}
		results = append(results, br)
		b.Run(kind, func(b *testing.B) {
			br.ran = true
			t0 := time.Now()
			ns := redisScales
			if kind == backendBolt {
				ns = []int{boltFirst}
			}
			if quick {
				ns = quickScales
			}
			for i := 0; i < len(ns); i++ {
				n := ns[i]
				ran := len(br.scales)
				st := time.Now()
				b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
					br.scales = append(br.scales, benchScale(b, kind, n))
				})
				if kind == backendBolt && !quick && i == 0 {
					var more []int
					more, br.note = boltSecondScale(n, len(br.scales) > ran, time.Since(st))
					ns = append(slices.Clone(ns), more...)
					fmt.Printf("[bolt] %s\n", br.note)
				}
			}
			b.Run("rates", func(b *testing.B) {
				br.rates = benchRates(b, kind)
			})
			b.Run("zones", func(b *testing.B) {
				zs := zoneScales
				if quick {
					zs = quickScales
				}
				for _, n := range zs {
					b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
						br.zones = append(br.zones, benchZonesScale(b, kind, n))
					})
				}
			})
			br.wall = time.Since(t0)
		})
	}
	summary(results, time.Since(began))
}

// boltSecondScale picks the second bolt scale from the time the first one
// took (setup included): planning and draining cost a few fsynced commits
// per subscriber, so time grows linearly with N. BENCH_DELIVERY_BOLT_N
// forces it. When the first scale was filtered out (-bench=…/N=…), both
// candidates are offered to the filter.
func boltSecondScale(first int, ran bool, took time.Duration) ([]int, string) {
	if v := os.Getenv("BENCH_DELIVERY_BOLT_N"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return []int{n}, fmt.Sprintf("embedded store at N=%d and N=%d (BENCH_DELIVERY_BOLT_N)", first, n)
		}
	}
	if !ran {
		return []int{boltFallback, boltLarge}, "N=10000 not run: offering N=30000 and N=100000 to the -bench filter"
	}
	est := time.Duration(float64(took) * float64(boltLarge) / float64(first))
	if est <= boltBudget {
		return []int{boltLarge}, fmt.Sprintf("embedded store at N=%d and N=%d: N=%d took %s, so N=%d should take about %s (budget %s)",
			first, boltLarge, first, took.Round(time.Second), boltLarge, est.Round(time.Second), boltBudget)
	}
	return []int{boltFallback}, fmt.Sprintf("embedded store at N=%d and N=%d, NOT %d: N=%d took %s, so N=%d would take about %s, over the %s budget (every bolt commit is fsynced)",
		first, boltFallback, boltLarge, first, took.Round(time.Second), boltLarge, est.Round(time.Second), boltBudget)
}

// ---------------------------------------------------------------- delivery

// noLimit is a limiter that always lets a message go (scenario 2).
type noLimit struct{}

func (noLimit) Reserve(context.Context, int64, bool, bool) (time.Duration, error) { return 0, nil }
func (noLimit) Flood(context.Context, int64, time.Duration) (bool, error)         { return false, nil }

// recSender wraps the bot's client and records when each accepted send
// began (the moment the limiter let it go); it closes reached when target
// sends were accepted.
type recSender struct {
	inner   scheduler.Sender
	target  int
	failed  atomic.Int64
	mu      sync.Mutex
	starts  []time.Time
	doneAt  time.Time
	reached chan struct{}
}

func newRecSender(inner scheduler.Sender, target int) *recSender {
	return &recSender{inner: inner, target: target, reached: make(chan struct{}), starts: make([]time.Time, 0, target+64)}
}

func (r *recSender) SendPart(ctx context.Context, chatID int64, threadID int, p store.Part, bulk bool) ([]int, error) {
	t := time.Now()
	ids, err := r.inner.SendPart(ctx, chatID, threadID, p, bulk)
	if err != nil {
		r.failed.Add(1)
		return nil, err
	}
	r.mu.Lock()
	r.starts = append(r.starts, t)
	n := len(r.starts)
	if n == r.target {
		r.doneAt = time.Now()
	}
	r.mu.Unlock()
	if n == r.target {
		close(r.reached)
	}
	return ids, nil
}

func (r *recSender) EditPart(ctx context.Context, chatID int64, messageID int, p store.Part, caption bool) error {
	return r.inner.EditPart(ctx, chatID, messageID, p, caption)
}

func (r *recSender) DeleteMessage(ctx context.Context, chatID int64, messageID int) error {
	return r.inner.DeleteMessage(ctx, chatID, messageID)
}

func (r *recSender) sent() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.starts)
}

type failures struct {
	mu sync.Mutex
	m  map[string]int
}

func (f *failures) add(_ store.MessageKind, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]int{}
	}
	f.m[reason]++
}

func (f *failures) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(f.m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, f.m[k]))
	}
	return strings.Join(parts, " ")
}

// runWorkers starts Workers with rs as Sender; stop cancels them and waits
// until Run returned.
func (e *env) runWorkers(lim scheduler.Limiter, count int, rs *recSender, f *failures) (stop func()) {
	w := &scheduler.Workers{Store: e.st, Sender: rs, Limiter: lim, Count: count, Consumer: "bench",
		Events: scheduler.Events{Failed: f.add}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = w.Run(ctx)
		close(done)
	}()
	return func() {
		cancel()
		<-done
	}
}

// ---------------------------------------------------------------- scenarios 1, 2, 5, 6

// drainResult is one unlimited drain of the whole outbox.
type drainResult struct {
	sent       int
	dur        time.Duration
	fails      string
	ctr        counters
	base, peak uint64 // HeapInuse
	retained   uint64 // still live after the drain and a GC
	timeWait   int
	// first, last are msg/s over the first and the last tenth of the sends.
	first, last float64
	left        int64 // still in the outbox afterwards (should be 0)
	timedOut    bool
}

func (d drainResult) rate() float64 {
	if d.dur <= 0 {
		return 0
	}
	return float64(d.sent) / d.dur.Seconds()
}

// drainTimeout bounds one unlimited drain.
const drainTimeout = 5 * time.Minute

// drainAll drains want messages with the stub limiter through client and
// waits for the last acknowledgements.
func (e *env) drainAll(b *testing.B, client scheduler.Sender, port string, want int) drainResult {
	b.Helper()
	var d drainResult
	m := e.mark(b)
	mem := sampleMem()
	rs := newRecSender(client, want)
	var f failures
	t0 := time.Now()
	stop := e.runWorkers(noLimit{}, rawWorkers, rs, &f)
	select {
	case <-rs.reached:
	case <-time.After(drainTimeout):
		d.timedOut = true
	}
	// Wait for the last acknowledgements so the counts are whole.
	for deadline := time.Now().Add(30 * time.Second); e.outboxLen(b) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	d.base, d.peak = mem.Stop()
	rs.mu.Lock()
	d.sent = len(rs.starts)
	end := rs.doneAt
	ts := slices.Clone(rs.starts)
	rs.mu.Unlock()
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	if k := len(ts) / 10; k > 1 {
		d.first = float64(k-1) / ts[k-1].Sub(ts[0]).Seconds()
		d.last = float64(k-1) / ts[len(ts)-1].Sub(ts[len(ts)-k]).Seconds()
	}
	if end.IsZero() {
		end = time.Now()
	}
	d.dur = end.Sub(t0)
	d.fails = f.String()
	d.ctr = e.since(b, m)
	d.left = e.outboxLen(b)
	d.timeWait = timeWaitTo(port)
	after := heapAfterGC()
	d.retained = after - min(d.base, after)
	return d
}

// leanAPI is a minimal Bot API that answers getMe and sendMessage with a
// fixed reply and keeps nothing, unlike the fake, which records every
// call. Draining through it measures the bot's own memory and
// throughput.
func leanAPI(b *testing.B) (client *telegram.Client, port string) {
	b.Helper()
	const me = `{"ok":true,"result":{"id":123456,"is_bot":true,"first_name":"Bench","username":"bench_bot"}}`
	const sent = `{"ok":true,"result":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"ok"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			_, _ = io.WriteString(w, me)
			return
		}
		_, _ = io.WriteString(w, sent)
	}))
	b.Cleanup(srv.Close)
	client, err := telegram.NewClient(telegram.ClientConfig{Token: "123456:bench", Endpoint: srv.URL + "/bot%s/%s"})
	if err != nil {
		b.Fatalf("lean client: %v", err)
	}
	u, _ := url.Parse(srv.URL)
	return client, u.Port()
}

// requeue enqueues again the digest every subscriber 1..n got (the text
// the planner rendered for their language), under the run's ref.
func (e *env) requeue(b *testing.B, n int, ref string) {
	b.Helper()
	ctx := context.Background()
	texts := map[store.Lang]string{}
	for start := 1; start <= n; start += 1000 {
		var msgs []store.OutboxMessage
		for id := int64(start); id < int64(min(n+1, start+1000)); id++ {
			s := subscriber(id, e.city, time.Now())
			t, ok := texts[s.Lang]
			if !ok {
				t = e.rd.DigestMessages(s, e.posts)[0]
				texts[s.Lang] = t
			}
			msgs = append(msgs, store.OutboxMessage{Kind: store.MsgDigest, ChatID: id, Text: t, CreatedAt: time.Now(), Ref: ref})
		}
		if err := e.st.Enqueue(ctx, msgs...); err != nil {
			b.Fatalf("requeue: %v", err)
		}
	}
}

type scaleResult struct {
	kind               string
	n                  int
	seed               time.Duration
	planned, skipped   int
	plan               time.Duration
	planCtr            counters
	planBase, planPeak uint64
	queued             int64
	digestChars        int
	fileBytes          int64 // bolt: state file size after planning
	// lean is the drain through the lean stub (both backends); fake the
	// same messages again through the fake Bot API (Redis only: on bolt
	// it would add minutes of fsyncs and tell nothing new).
	lean, fake drainResult
	// publish is scenario 7 (Redis only: the embedded store cannot send
	// 1000 a second, its commits are fsynced).
	publish publishResult
}

func benchScale(b *testing.B, kind string, n int) scaleResult {
	ctx := context.Background()
	e := newEnv(b, kind, true)
	r := scaleResult{kind: kind, n: n}
	r.seed = e.seedSubscribers(b, 1, n)
	e.toDisk(b)
	fmt.Printf("[%s N=%d] setup: %d subscribers saved in %s (not timed)\n", kind, n, n, r.seed.Round(time.Millisecond))

	// 1. Planning one daily slot.
	m := e.mark(b)
	mem := sampleMem()
	planner := &scheduler.Planner{Store: e.st, Renderer: e.rd, Data: e.data}
	t0 := time.Now()
	run, err := planner.RunDigest(ctx, store.FreqDaily, e.slot)
	r.plan = time.Since(t0)
	r.planBase, r.planPeak = mem.Stop()
	if err != nil {
		b.Fatalf("RunDigest: %v", err)
	}
	r.planCtr = e.since(b, m)
	r.planned, r.skipped = run.Planned, run.Skipped
	r.queued = e.outboxLen(b)
	if d := e.rd.DigestMessages(subscriber(1, e.city, time.Now()), e.posts); len(d) > 0 {
		r.digestChars = len([]rune(d[0]))
	}
	if kind == backendBolt {
		if fi, err := os.Stat(e.path); err == nil {
			r.fileBytes = fi.Size()
		}
	}
	fmt.Printf("[%s N=%d] planning: %d planned, %d skipped, %d queued in %s (%.0f subscribers/s)\n",
		kind, n, r.planned, r.skipped, r.queued, r.plan.Round(time.Millisecond), float64(n)/r.plan.Seconds())

	// 2a/6. The planned digests drained through a Bot API stub that keeps
	// nothing: the bot's own throughput and memory.
	lean, leanPort := leanAPI(b)
	r.lean = e.drainAll(b, lean, leanPort, int(r.queued))
	fmt.Printf("[%s N=%d] drain via lean stub (no limit, %d workers): %d sent in %s (%.0f msg/s), failures: %s, TIME_WAIT: %d\n",
		kind, n, rawWorkers, r.lean.sent, r.lean.dur.Round(time.Millisecond), r.lean.rate(), r.lean.fails, r.lean.timeWait)

	// 2b/5. The same messages again through the fake Bot API (Redis).
	if kind == backendRedis {
		e.requeue(b, n, run.Key)
		r.fake = e.drainAll(b, e.client, e.fakePort, n)
		fmt.Printf("[%s N=%d] drain via fake Bot API (no limit, %d workers): %d sent in %s (%.0f msg/s), failures: %s, TIME_WAIT: %d\n",
			kind, n, rawWorkers, r.fake.sent, r.fake.dur.Round(time.Millisecond), r.fake.rate(), r.fake.fails, r.fake.timeWait)
		// 7. An official's announcement to all n at 1000/s.
		r.publish = e.benchPublish(b, n)
	}
	return r
}
