package bench

// The delivery benchmark of issue #4. It prints figures and asserts none
// of them: a slow machine must not fail a build. Run it with
//
//	go test -run='^$' -bench=Delivery -benchtime=1x ./bench/
//
// (see README.md). Setup (redis-server, subscribers, posts) is not timed.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

const benchCommand = "go test -run='^$' -bench=Delivery -benchtime=1x ./bench/"

// Scales of the planning/throughput/memory scenarios.
var scales = []int{10_000, 100_000}

// rateScale divides the messages timed per rate run (quick mode only).
var rateScale = 1

const (
	// rawWorkers is Workers.Count of the unlimited drain (scenario 2).
	rawWorkers = 16
	// seedWorkers save subscribers concurrently during setup.
	seedWorkers = 32
	// replies is how many direct replies scenario 4 times, one every
	// replyEvery while the digest drains.
	replies    = 50
	replyEvery = 100 * time.Millisecond
	// maxReplyWait mirrors bot.maxReplyWait (bot/reply.go): a reply that
	// would wait longer is given up.
	maxReplyWait = 5 * time.Second
	sampleEvery  = 50 * time.Millisecond
)

// BenchmarkDelivery runs every scenario once; -benchtime=1x keeps the
// framework from repeating it. b.N is ignored on purpose.
func BenchmarkDelivery(b *testing.B) {
	began := time.Now()
	if os.Getenv("BENCH_DELIVERY_QUICK") != "" {
		// A smoke run of the harness: small N, short rate windows.
		scales, rateScale = []int{1_000, 5_000}, 10
	}
	header()
	var scaleRes []scaleResult
	for _, n := range scales {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			scaleRes = append(scaleRes, benchScale(b, n))
		})
	}
	var rates []rateResult
	var lat replyResult
	b.Run("rates", func(b *testing.B) {
		rates, lat = benchRates(b)
	})
	summary(scaleRes, rates, lat, time.Since(began))
}

// ---------------------------------------------------------------- setup

type env struct {
	raw      *redis.Client // INFO, CONFIG RESETSTAT, XLEN, DEL
	st       *redisstore.Store
	fake     *telegramtest.Server
	fakePort string
	client   *bot.Client
	bot      *bot.Bot
	data     *store.Dataset
	city     string
	slot     time.Time
	posts    []store.Post
}

func newEnv(b *testing.B) *env {
	b.Helper()
	ctx := context.Background()
	srv := redistest.Start(b, redistest.WithoutAOF())
	st, err := redisstore.Open(ctx, srv.URL())
	if err != nil {
		b.Fatalf("redisstore.Open: %v", err)
	}
	b.Cleanup(func() { _ = st.Close() })
	// Migrate once up front, as the bot does at start, so the first
	// ActiveSubscribersAfter of the timed run does not do it.
	if err := st.Migrate(ctx); err != nil {
		b.Fatalf("migrate: %v", err)
	}
	fake := telegramtest.New(b)
	u, err := url.Parse(fake.URL())
	if err != nil {
		b.Fatal(err)
	}
	client, err := bot.NewClient(bot.ClientConfig{Token: fake.Token(), Endpoint: fake.Endpoint()})
	if err != nil {
		b.Fatalf("bot.NewClient: %v", err)
	}
	ds, err := data.Default()
	if err != nil {
		b.Fatalf("data.Default: %v", err)
	}
	tr, err := bot.NewTranslator()
	if err != nil {
		b.Fatalf("bot.NewTranslator: %v", err)
	}
	e := &env{
		raw:      srv.Client(b),
		st:       st,
		fake:     fake,
		fakePort: u.Port(),
		client:   client,
		bot:      bot.New(bot.Config{Store: st, Data: ds, Client: client, Translator: tr}),
		data:     ds,
		city:     ds.Partners[0].Slug,
		slot:     time.Now().UTC().Truncate(time.Minute),
	}
	e.seedPosts(b)
	return e
}

// seedPosts publishes five fresh posts about the partner city within the
// last day before the slot, so every daily subscriber gets a one-message
// digest of five posts.
func (e *env) seedPosts(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	kinds := []store.Kind{store.KindVisit, store.KindAgreement, store.KindEvent, store.KindVisit, store.KindAgreement}
	for i, k := range kinds {
		pub := e.slot.Add(-time.Duration(i+1) * time.Hour)
		p := store.Post{
			Kind:  k,
			City:  e.city,
			Lang:  store.LangUK,
			Title: fmt.Sprintf("Делегація міста-партнера: зустріч №%d у мерії & нові проєкти", i+1),
			Text: strings.Repeat("Сторони обговорили спільні проєкти у сфері освіти, культури та "+
				"енергоефективності, а також обмін студентами <2026>. ", 3),
			Translations: map[store.Lang]store.PostText{
				store.LangEN: {Title: fmt.Sprintf("Partner city delegation: meeting #%d at city hall & new projects", i+1),
					Text: strings.Repeat("The sides discussed joint projects in education, culture and energy "+
						"efficiency, and a student exchange <2026>. ", 3)},
			},
			Date:        pub,
			PublishedAt: pub,
			UpdatedAt:   pub,
		}
		if k == store.KindEvent {
			starts := e.slot.Add(72 * time.Hour)
			p.StartsAt, p.Place = &starts, "Rathaus, Von-der-Leyen-Platz 1"
		}
		created, err := e.st.CreatePost(ctx, p)
		if err != nil {
			b.Fatalf("create post: %v", err)
		}
		e.posts = append(e.posts, created)
	}
}

// subscriber is a private chat following the partner city, daily, all
// kinds, in one of the four languages.
func subscriber(id int64, city string, now time.Time) store.Subscriber {
	s := store.NewSubscriber(id, "private", store.Langs[id%int64(len(store.Langs))], now)
	s.Cities = []string{city}
	return s
}

// seedSubscribers saves n subscribers with ids from..from+n-1 through the
// store API, seedWorkers at a time.
func (e *env) seedSubscribers(b *testing.B, from int64, n int) time.Duration {
	b.Helper()
	ctx := context.Background()
	t0 := time.Now()
	ids := make(chan int64, 1024)
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	for range seedWorkers {
		wg.Go(func() {
			for id := range ids {
				if err := e.st.SaveSubscriber(ctx, subscriber(id, e.city, t0)); err != nil {
					firstErr.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	for i := range n {
		ids <- from + int64(i)
	}
	close(ids)
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		b.Fatalf("seed subscribers: %v", *p)
	}
	return time.Since(t0)
}

// ---------------------------------------------------------------- probes

// memSampler records the peak HeapInuse every sampleEvery, from a baseline
// taken right after a GC.
type memSampler struct {
	stop, done chan struct{}
	base, peak uint64
}

func sampleMem() *memSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := &memSampler{stop: make(chan struct{}), done: make(chan struct{}), base: ms.HeapInuse, peak: ms.HeapInuse}
	go func() {
		defer close(m.done)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			m.peak = max(m.peak, ms.HeapInuse)
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *memSampler) Stop() (base, peak uint64) {
	close(m.stop)
	<-m.done
	return m.base, m.peak
}

func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// cmdStats is INFO commandstats as calls per command. Redis counts the
// commands scripts run under their own names too (EVALSHA and the XADD it
// runs are two). The benchmark's own probes are left out.
type cmdStats map[string]int64

func (e *env) resetStats(b *testing.B) {
	b.Helper()
	if err := e.raw.ConfigResetStat(context.Background()).Err(); err != nil {
		b.Fatalf("CONFIG RESETSTAT: %v", err)
	}
}

func (e *env) commandStats(b *testing.B) cmdStats {
	b.Helper()
	calls, _ := e.commandStatsUsec(b)
	return calls
}

// commandStatsUsec also returns the microseconds Redis spent per command
// (a script's time includes the commands it ran).
func (e *env) commandStatsUsec(b *testing.B) (calls, usec cmdStats) {
	b.Helper()
	info, err := e.raw.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatalf("INFO commandstats: %v", err)
	}
	out, usec := cmdStats{}, cmdStats{}
	for _, line := range strings.Split(info, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "cmdstat_")
		if !ok {
			continue
		}
		name, fields, _ := strings.Cut(rest, ":")
		for _, f := range strings.Split(fields, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				out[name] = n
			}
			if v, ok := strings.CutPrefix(f, "usec="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				usec[name] = n
			}
		}
	}
	for _, probe := range []string{"info", "config|resetstat", "xlen", "hello", "client|setinfo"} {
		delete(out, probe)
		delete(usec, probe)
	}
	return out, usec
}

// topLevelUsec is Redis's time over the commands clients sent: scripts
// and MULTI/EXEC include their commands, so those are not added again.
// Commands that only occur inside scripts or transactions in this
// benchmark are left out; the figure is approximate.
func topLevelUsec(u cmdStats) int64 {
	var t int64
	for _, k := range []string{"evalsha", "eval", "exec", "zrange", "mget", "xreadgroup", "xautoclaim", "pttl"} {
		t += u[k]
	}
	return t
}

func (c cmdStats) total() int64 {
	var t int64
	for _, n := range c {
		t += n
	}
	return t
}

// scripts counts the script calls: each is one round trip whose inner
// commands are counted separately.
func (c cmdStats) scripts() int64 { return c["evalsha"] + c["eval"] }

// perItem formats the commands per message (or subscriber), biggest first.
func (c cmdStats) perItem(n int64) string {
	type kv struct {
		k string
		v int64
	}
	var all []kv
	for k, v := range c {
		all = append(all, kv{k, v})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if a.v != b.v {
			return int(b.v - a.v)
		}
		return strings.Compare(a.k, b.k)
	})
	var parts []string
	for _, x := range all {
		if float64(x.v)/float64(n) < 0.005 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", x.k, float64(x.v)/float64(n)))
	}
	return strings.Join(parts, ", ")
}

func (e *env) outboxLen(b *testing.B) int64 {
	b.Helper()
	n, err := e.raw.XLen(context.Background(), redisstore.DefaultPrefix+"outbox").Result()
	if err != nil {
		b.Fatalf("XLEN outbox: %v", err)
	}
	return n
}

// timeWaitTo counts TCP sockets in TIME_WAIT to or from port: each one is
// a connection the HTTP client closed in the last minute instead of
// reusing it.
func timeWaitTo(port string) int {
	p, err := strconv.Atoi(port)
	if err != nil {
		return -1
	}
	hexPort := fmt.Sprintf(":%04X", p)
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 4 || fs[3] != "06" { // 06 = TIME_WAIT
				continue
			}
			if strings.HasSuffix(fs[1], hexPort) || strings.HasSuffix(fs[2], hexPort) {
				n++
			}
		}
		fh.Close()
	}
	return n
}

// ---------------------------------------------------------------- delivery

// noLimit is a limiter that always lets a message go (scenario 2).
type noLimit struct{}

func (noLimit) Reserve(context.Context, int64, bool, bool) (time.Duration, error) { return 0, nil }
func (noLimit) Pause(context.Context, time.Duration) error                        { return nil }

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

func (r *recSender) SendHTML(ctx context.Context, chatID int64, html string) error {
	t := time.Now()
	if err := r.inner.SendHTML(ctx, chatID, html); err != nil {
		r.failed.Add(1)
		return err
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
	return nil
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
	cmds, usec cmdStats
	base, peak uint64 // HeapInuse
	retained   uint64 // still live after the drain and a GC
	timeWait   int
	// first, last are msg/s over the first and the last tenth of the sends.
	first, last float64
	left        int64 // still in the outbox afterwards (should be 0)
	timedOut    bool
}

func derefOr(d *drainResult) drainResult {
	if d == nil {
		return drainResult{}
	}
	return *d
}

func (d drainResult) rate() float64 { return float64(d.sent) / d.dur.Seconds() }

// drainAll drains want messages with the stub limiter through client and
// waits for the last acknowledgements.
func (e *env) drainAll(b *testing.B, client scheduler.Sender, port string, want int) drainResult {
	b.Helper()
	var d drainResult
	e.resetStats(b)
	mem := sampleMem()
	rs := newRecSender(client, want)
	var f failures
	t0 := time.Now()
	stop := e.runWorkers(noLimit{}, rawWorkers, rs, &f)
	select {
	case <-rs.reached:
	case <-time.After(4 * time.Minute):
		d.timedOut = true
	}
	// Wait for the last acknowledgements so the command count is whole.
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
	d.cmds, d.usec = e.commandStatsUsec(b)
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
func leanAPI(b *testing.B) (client *bot.Client, port string) {
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
	client, err := bot.NewClient(bot.ClientConfig{Token: "123456:bench", Endpoint: srv.URL + "/bot%s/%s"})
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
				t = e.bot.DigestMessages(s, e.posts)[0]
				texts[s.Lang] = t
			}
			msgs = append(msgs, store.OutboxMessage{Kind: store.MsgDigest, ChatID: id, Text: t, CreatedAt: time.Now(), Ref: ref})
		}
		if err := e.st.Enqueue(ctx, msgs...); err != nil {
			b.Fatalf("requeue: %v", err)
		}
	}
}

// ---------------------------------------------------------------- scenarios 1, 2, 5, 6

type scaleResult struct {
	n                  int
	seed               time.Duration
	planned, skipped   int
	plan               time.Duration
	planCmds, planUsec cmdStats
	planBase, planPeak uint64
	queued             int64
	digestChars        int
	lean, fake         drainResult
	// leanPooled is the lean drain again with the HTTP client keeping
	// rawWorkers idle connections per host instead of Go's default 2
	// (first scale only).
	leanPooled *drainResult
}

func benchScale(b *testing.B, n int) scaleResult {
	ctx := context.Background()
	e := newEnv(b)
	r := scaleResult{n: n}
	r.seed = e.seedSubscribers(b, 1, n)
	fmt.Printf("[N=%d] setup: %d subscribers saved in %s (not timed)\n", n, n, r.seed.Round(time.Millisecond))

	// 1. Planning one daily slot.
	e.resetStats(b)
	mem := sampleMem()
	planner := &scheduler.Planner{Store: e.st, Renderer: e.bot, Data: e.data}
	t0 := time.Now()
	run, err := planner.RunDigest(ctx, store.FreqDaily, e.slot)
	r.plan = time.Since(t0)
	r.planBase, r.planPeak = mem.Stop()
	if err != nil {
		b.Fatalf("RunDigest: %v", err)
	}
	r.planCmds, r.planUsec = e.commandStatsUsec(b)
	r.planned, r.skipped = run.Planned, run.Skipped
	r.queued = e.outboxLen(b)
	if d := e.bot.DigestMessages(subscriber(1, e.city, time.Now()), e.posts); len(d) > 0 {
		r.digestChars = len([]rune(d[0]))
	}
	fmt.Printf("[N=%d] planning: %d planned, %d skipped, %d queued in %s (%.0f subscribers/s)\n",
		n, r.planned, r.skipped, r.queued, r.plan.Round(time.Millisecond), float64(n)/r.plan.Seconds())

	// 2a/6. The planned digests drained through a Bot API stub that keeps
	// nothing: the bot's own throughput and memory.
	lean, leanPort := leanAPI(b)
	r.lean = e.drainAll(b, lean, leanPort, int(r.queued))
	fmt.Printf("[N=%d] drain via lean stub (no limit, %d workers): %d sent in %s (%.0f msg/s), failures: %s, TIME_WAIT: %d\n",
		n, rawWorkers, r.lean.sent, r.lean.dur.Round(time.Millisecond), r.lean.rate(), r.lean.fails, r.lean.timeWait)

	// What if the HTTP client kept an idle connection per worker? bot.Client
	// uses http.DefaultTransport (MaxIdleConnsPerHost 2), so it is changed
	// there for this one drain and restored.
	if n == scales[0] || os.Getenv("BENCH_DELIVERY_POOLED") != "" {
		tr := http.DefaultTransport.(*http.Transport)
		old := tr.MaxIdleConnsPerHost
		tr.MaxIdleConnsPerHost = rawWorkers
		pooled, pooledPort := leanAPI(b)
		e.requeue(b, n, run.Key)
		d := e.drainAll(b, pooled, pooledPort, n)
		r.leanPooled = &d
		tr.MaxIdleConnsPerHost = old
		tr.CloseIdleConnections()
		fmt.Printf("[N=%d] drain via lean stub, MaxIdleConnsPerHost=%d: %d sent in %s (%.0f msg/s), failures: %s, TIME_WAIT: %d\n",
			n, rawWorkers, d.sent, d.dur.Round(time.Millisecond), d.rate(), d.fails, d.timeWait)
	}

	// 2/5. The same messages again through the fake Bot API.
	e.requeue(b, n, run.Key)
	r.fake = e.drainAll(b, e.client, e.fakePort, n)
	fmt.Printf("[N=%d] drain via fake Bot API (no limit, %d workers): %d sent in %s (%.0f msg/s), failures: %s, TIME_WAIT: %d\n",
		n, rawWorkers, r.fake.sent, r.fake.dur.Round(time.Millisecond), r.fake.rate(), r.fake.fails, r.fake.timeWait)
	return r
}

// ---------------------------------------------------------------- scenarios 3, 4

type rateRun struct {
	rate    int
	share   float64 // 0: the default (0.8)
	k       int     // messages to time
	replies bool
}

type rateResult struct {
	rateRun
	bulk    int
	sent    int
	overall float64 // (K-1)/(t[K-1]-t[0]), messages/s
	tail    float64 // the same over the second half of the K sends
	// maxSecond is the most sends in any one-second window.
	maxSecond int
	// used is K over what GCRA allows in the span: burst + bulk*span.
	used     float64
	span     time.Duration
	cmds     cmdStats
	fails    string
	timedOut bool
}

type replyResult struct {
	lat             []time.Duration
	denied, givenUp int
	errs            int
	rate            int
}

func benchRates(b *testing.B) ([]rateResult, replyResult) {
	ctx := context.Background()
	e := newEnv(b)
	// One real digest text per language, rendered by the bot.
	texts := map[store.Lang]string{}
	for i, l := range store.Langs {
		s := subscriber(int64(i), e.city, time.Now())
		s.Lang = l
		texts[l] = e.bot.DigestMessages(s, e.posts)[0]
	}
	runs := []rateRun{
		{rate: 30, k: 600},
		{rate: 30, share: 1, k: 600},
		{rate: 1000, k: 10_000, replies: true},
		{rate: 1000, share: 1, k: 10_000},
	}
	var out []rateResult
	var rep replyResult
	for i, rr := range runs {
		rr.k /= rateScale
		// A fresh outbox and fresh limiter buckets for every run.
		if err := e.raw.Del(ctx, redisstore.DefaultPrefix+"outbox", redisstore.DefaultPrefix+"send:pause",
			"rate:"+redisstore.DefaultPrefix+"bulk", "rate:"+redisstore.DefaultPrefix+"global").Err(); err != nil {
			b.Fatal(err)
		}
		runKey := fmt.Sprintf("bench-rate-%d", i)
		if _, err := e.st.StartRun(ctx, store.DigestRun{Key: runKey, Frequency: store.FreqDaily, Slot: e.slot,
			StartedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
		queue := rr.k + rr.k/5 // never runs dry while timed
		base := int64(i+1) * 10_000_000
		for start := 0; start < queue; start += 1000 {
			var msgs []store.OutboxMessage
			for j := start; j < min(queue, start+1000); j++ {
				l := store.Langs[j%len(store.Langs)]
				msgs = append(msgs, store.OutboxMessage{Kind: store.MsgDigest, ChatID: base + int64(j), Text: texts[l],
					CreatedAt: time.Now(), Ref: runKey})
			}
			if err := e.st.Enqueue(ctx, msgs...); err != nil {
				b.Fatal(err)
			}
		}
		lim := e.st.Limiter(redisstore.LimiterConfig{Rate: rr.rate, BulkShare: rr.share})
		share := rr.share
		if share <= 0 || share > 1 {
			share = 0.8
		}
		res := rateResult{rateRun: rr, bulk: max(1, int(float64(rr.rate)*share))}
		e.resetStats(b)
		rs := newRecSender(e.client, rr.k)
		var f failures
		// Count 0: the production default (8 senders per replica).
		stop := e.runWorkers(lim, 0, rs, &f)
		var repWG sync.WaitGroup
		if rr.replies {
			repWG.Go(func() {
				rep = e.replyLatency(lim, rs, min(2*res.bulk, rr.k/5))
				rep.rate = rr.rate
			})
		}
		window := time.Duration(float64(rr.k)/float64(res.bulk)*float64(time.Second)) + 30*time.Second
		select {
		case <-rs.reached:
		case <-time.After(window):
			res.timedOut = true
		}
		repWG.Wait()
		stop()
		res.cmds = e.commandStats(b)
		res.fails = f.String()
		rs.mu.Lock()
		res.sent = len(rs.starts)
		ts := slices.Clone(rs.starts)
		rs.mu.Unlock()
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		ts = ts[:min(len(ts), rr.k)]
		if k := len(ts); k > 1 {
			res.span = ts[k-1].Sub(ts[0])
			res.overall = float64(k-1) / res.span.Seconds()
			h := k / 2
			res.tail = float64(k-1-h) / ts[k-1].Sub(ts[h]).Seconds()
			res.used = float64(k) / (float64(res.bulk) + float64(res.bulk)*res.span.Seconds())
			for i, j := 0, 0; j < k; j++ {
				for ts[j].Sub(ts[i]) >= time.Second {
					i++
				}
				res.maxSecond = max(res.maxSecond, j-i+1)
			}
		}
		fmt.Printf("[rates] SEND_RATE=%d share=%.1f (bulk %d/s): %d messages over %s: overall %.1f/s, second half %.1f/s, max in 1 s %d, failures: %s\n",
			rr.rate, share, res.bulk, len(ts), res.span.Round(time.Millisecond), res.overall, res.tail, res.maxSecond, res.fails)
		out = append(out, res)
	}
	return out, rep
}

// replyLatency times direct replies the way the bot sends them (bot.pace
// then Client.SendHTML): Reserve as non-bulk until it says go, sleeping
// what it asks, then send. It starts once the digest drain is past its
// initial burst (after warm messages).
func (e *env) replyLatency(lim *redisstore.Limiter, rs *recSender, warm int) replyResult {
	ctx := context.Background()
	var r replyResult
	for deadline := time.Now().Add(time.Minute); rs.sent() < warm && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	for i := range replies {
		chat := int64(90_000_000 + i)
		next := time.Now().Add(replyEvery)
		t0 := time.Now()
		given := false
		for {
			wait, err := lim.Reserve(ctx, chat, false, false)
			if err != nil || wait <= 0 {
				break // the bot sends anyway when the pacer is unavailable
			}
			r.denied++
			if time.Since(t0)+wait > maxReplyWait {
				given = true
				break
			}
			time.Sleep(wait)
		}
		if given {
			r.givenUp++
		} else if err := e.client.SendHTML(ctx, chat, "<b>Krefeld</b>: you follow this city now."); err != nil {
			r.errs++
		}
		r.lat = append(r.lat, time.Since(t0))
		time.Sleep(time.Until(next))
	}
	return r
}

// ---------------------------------------------------------------- output

func header() {
	fmt.Println("=== partnerbot delivery benchmark (issue #4) ===")
	fmt.Printf("command:    %s\n", benchCommand)
	fmt.Printf("machine:    GOMAXPROCS=%d NumCPU=%d %s/%s %s, %s\n", runtime.GOMAXPROCS(0), runtime.NumCPU(),
		runtime.GOOS, runtime.GOARCH, runtime.Version(), cpuModel())
	fmt.Printf("redis:      %s (redistest, appendonly no)\n", redisVersion())
	fmt.Printf("code:       %s\n", gitState())
	fmt.Println()
}

// gitState names the commit measured, and whether files outside bench/
// differ from it.
func gitState() string {
	head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown (no git)"
	}
	out := "commit " + strings.TrimSpace(string(head))
	st, _ := exec.Command("git", "status", "--porcelain", "--", "..", ":!.").Output()
	if len(strings.TrimSpace(string(st))) > 0 {
		out += " + uncommitted changes outside bench/"
	}
	return out
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "cpu unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "cpu unknown"
}

func redisVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return "redis-server ?"
	}
	return strings.TrimSpace(string(out))
}

func mib(v uint64) string { return fmt.Sprintf("%.1f MiB", float64(v)/(1<<20)) }

func summary(sc []scaleResult, rates []rateResult, rep replyResult, total time.Duration) {
	fmt.Println()
	fmt.Println("=== results ===")
	fmt.Printf("command: %s   GOMAXPROCS=%d NumCPU=%d\n\n", benchCommand, runtime.GOMAXPROCS(0), runtime.NumCPU())
	if len(sc) > 0 {
		fmt.Printf("digest: 5 posts, one message of %d characters per subscriber\n\n", sc[0].digestChars)
	}

	fmt.Println("1. planning one daily slot (Planner.RunDigest, PageSize 500)")
	fmt.Printf("   %-8s %10s %10s %10s %14s\n", "N", "planned", "queued", "seconds", "subscribers/s")
	for _, r := range sc {
		fmt.Printf("   %-8d %10d %10d %10.2f %14.0f\n", r.n, r.planned, r.queued, r.plan.Seconds(), float64(r.n)/r.plan.Seconds())
	}
	fmt.Println()

	fmt.Printf("2. raw throughput, no limit (stub limiter, Workers.Count=%d, bot.Client over HTTP)\n", rawWorkers)
	fmt.Printf("   %-8s %-20s %8s %8s %8s %11s %11s %10s  %s\n", "N", "Bot API", "sent", "seconds", "msg/s",
		"first 10%", "last 10%", "TIME_WAIT", "failures")
	for _, r := range sc {
		for _, d := range []struct {
			name string
			d    drainResult
		}{{"fake (telegramtest)", r.fake}, {"lean stub", r.lean}, {"lean, 16 idle/host", derefOr(r.leanPooled)}} {
			if d.d.sent == 0 {
				continue
			}
			to := ""
			if d.d.timedOut || d.d.left > 0 {
				to = fmt.Sprintf(" (timed out: %t, left in outbox: %d)", d.d.timedOut, d.d.left)
			}
			fmt.Printf("   %-8d %-20s %8d %8.2f %8.0f %11.0f %11.0f %10d  %s%s\n", r.n, d.name, d.d.sent, d.d.dur.Seconds(),
				d.d.rate(), d.d.first, d.d.last, d.d.timeWait, d.d.fails, to)
		}
	}
	fmt.Println("   (TIME_WAIT = TCP connections to the API server closed rather than reused (last 60 s), counted after")
	fmt.Println("    the drain; the fake parses the HTML and records every call under one mutex, the lean stub discards")
	fmt.Println("    it; \"16 idle/host\" = the lean drain again with http.DefaultTransport.MaxIdleConnsPerHost=16)")
	fmt.Println()

	fmt.Println("3. achieved rate with the real Redis limiter (Workers.Count default 8)")
	fmt.Println("   overall = (K-1)/(last send - first send) over the first K sends (K-1 intervals); it includes")
	fmt.Println("             the GCRA burst (redis_rate.PerSecond: Burst = rate) that goes out at once")
	fmt.Println("   2nd half = the same over the second half of the K sends, once the burst is spent")
	fmt.Println("   max/1s   = most sends within any one-second window")
	fmt.Println("   used     = K / (bulk burst + bulk rate * span): the share of what the limiter allows that was sent")
	fmt.Printf("   %-9s %-5s %-6s %6s %7s %8s %8s %6s | %9s %9s | %9s %9s | %5s\n", "SEND_RATE", "share", "bulk/s", "K",
		"span s", "overall", "2nd half", "max/1s", "ovr/SEND", "2nd/SEND", "ovr/bulk", "2nd/bulk", "used")
	for _, r := range rates {
		share := r.share
		if share == 0 {
			share = 0.8
		}
		to := ""
		if r.timedOut {
			to = " (TIMED OUT)"
		}
		k := min(r.sent, r.k)
		fmt.Printf("   %-9d %-5.1f %-6d %6d %7.2f %8.1f %8.1f %6d | %9.3f %9.3f | %9.3f %9.3f | %5.3f%s\n", r.rate, share, r.bulk, k,
			r.span.Seconds(), r.overall, r.tail, r.maxSecond, r.overall/float64(r.rate), r.tail/float64(r.rate),
			r.overall/float64(r.bulk), r.tail/float64(r.bulk), r.used, to)
	}
	fmt.Println()

	fmt.Printf("4. direct reply latency while a digest drains at SEND_RATE=%d (share 0.8): %d replies, one per %s\n",
		rep.rate, len(rep.lat), replyEvery)
	if len(rep.lat) > 0 {
		l := slices.Clone(rep.lat)
		slices.Sort(l)
		pct := func(p float64) time.Duration { return l[min(len(l)-1, int(p*float64(len(l))))] }
		fmt.Printf("   p50 %s   p99 %s   max %s   (limiter denials %d, given up %d, send errors %d; requirement < 2s)\n",
			pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), l[len(l)-1].Round(10*time.Microsecond),
			rep.denied, rep.givenUp, rep.errs)
	}
	fmt.Println()

	fmt.Println("5. Redis commands (INFO commandstats; script-internal commands counted too; probes excluded)")
	for _, r := range sc {
		pc, dc, sent := r.planCmds, r.fake.cmds, max(1, r.fake.sent)
		fmt.Printf("   N=%-7d planning: %.2f cmds/subscriber (%.2f scripts)   drain: %.2f cmds/message (%.2f scripts)   total: %.2f cmds/delivered message\n",
			r.n, float64(pc.total())/float64(r.n), float64(pc.scripts())/float64(r.n),
			float64(dc.total())/float64(sent), float64(dc.scripts())/float64(sent),
			float64(pc.total()+dc.total())/float64(sent))
		fmt.Printf("      planning per subscriber: %s\n", pc.perItem(int64(r.n)))
		fmt.Printf("      Redis busy while planning: EVALSHA %.0f µs/subscriber, everything %.0f µs/subscriber (of %.0f µs wall)\n",
			float64(r.planUsec["evalsha"])/float64(r.n), float64(topLevelUsec(r.planUsec))/float64(r.n),
			float64(r.plan.Microseconds())/float64(r.n))
		fmt.Printf("      drain per message:       %s\n", dc.perItem(int64(sent)))
		fmt.Printf("      Redis busy while draining: %.0f µs/message (of %.0f µs wall)\n",
			float64(topLevelUsec(r.fake.usec))/float64(sent), float64(r.fake.dur.Microseconds())/float64(sent))
	}
	fmt.Println("   with the Redis limiter (scenario 3 runs, 8 workers; denied Reserve calls included):")
	for _, r := range rates {
		share := r.share
		if share == 0 {
			share = 0.8
		}
		fmt.Printf("     SEND_RATE=%-4d share %.1f: %.2f cmds/message: %s\n", r.rate, share,
			float64(r.cmds.total())/float64(max(1, r.sent)), r.cmds.perItem(int64(max(1, r.sent))))
	}
	fmt.Println()

	fmt.Printf("6. peak HeapInuse (sampled every %s; base = after a GC at phase start; growth = peak - base)\n", sampleEvery)
	fmt.Printf("   %-8s %11s %11s %11s | %-16s %11s %11s %11s %13s\n", "N", "plan base", "plan peak", "plan growth",
		"drain via", "drain base", "drain peak", "growth", "live after GC")
	for _, r := range sc {
		for i, d := range []struct {
			name string
			d    drainResult
		}{{"lean stub", r.lean}, {"fake (records)", r.fake}} {
			head := fmt.Sprintf("   %-8d %11s %11s %11s", r.n, mib(r.planBase), mib(r.planPeak), mib(r.planPeak-min(r.planPeak, r.planBase)))
			if i > 0 {
				head = fmt.Sprintf("   %-8s %11s %11s %11s", "", "", "", "")
			}
			fmt.Printf("%s | %-16s %11s %11s %11s %13s\n", head, d.name, mib(d.d.base), mib(d.d.peak),
				mib(d.d.peak-min(d.d.peak, d.d.base)), mib(d.d.retained))
		}
	}
	fmt.Println("   (live after GC = heap still reachable after the drain: the fake Bot API keeps every call and")
	fmt.Println("    message it received, so with it memory grows with N by design of the test double; the lean")
	fmt.Println("    stub row is the bot's own delivery memory)")
	fmt.Println()
	fmt.Printf("total wall time: %s\n", total.Round(time.Second))
}
