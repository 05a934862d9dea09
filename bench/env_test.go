package bench

// The two backends the benchmark runs on, their setup, and the probes
// that read what a phase cost them (Redis commands, bbolt commits, heap).

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/boltstore"
	"github.com/partnerbot/partnerbot/store/pacing"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// Backends, in the order they run.
const (
	backendRedis = "redis"
	backendBolt  = "bolt"
)

var backends = []string{backendRedis, backendBolt}

func backendName(kind string) string {
	if kind == backendBolt {
		return "embedded (bbolt)"
	}
	return "Redis"
}

// ---------------------------------------------------------------- setup

type env struct {
	kind string
	st   store.Store

	// Redis only.
	raw *redis.Client // INFO, CONFIG RESETSTAT, XLEN, DEL
	rst *redisstore.Store

	// bolt only. staged is the file on tmpfs the setup writes to, before
	// toDisk moves it to path (see newEnv).
	bst    *boltstore.Store
	path   string
	staged string

	fake     *telegramtest.Server
	fakePort string
	client   *telegram.Client
	rd       *render.Renderer
	tr       *render.Translator
	data     *store.Dataset
	city     string
	slot     time.Time
	posts    []store.Post
}

// newEnv starts a store of the given kind and the fake Bot API, and
// publishes five fresh posts. With stage, a bolt store is first created on
// tmpfs (/dev/shm), where fsync costs nothing, so saving 100,000
// subscribers one transaction each takes seconds rather than minutes;
// toDisk then moves the file to b.TempDir() before anything is timed.
func newEnv(b *testing.B, kind string, stage bool) *env {
	b.Helper()
	ctx := context.Background()
	e := &env{kind: kind}
	switch kind {
	case backendRedis:
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
		e.raw, e.rst, e.st = srv.Client(b), st, st
	case backendBolt:
		e.path = filepath.Join(b.TempDir(), boltstore.DefaultFileName)
		open := e.path
		if stage {
			if dir, err := os.MkdirTemp("/dev/shm", "partnerbot-bench-"); err == nil {
				b.Cleanup(func() { _ = os.RemoveAll(dir) })
				e.staged = filepath.Join(dir, boltstore.DefaultFileName)
				open = e.staged
			}
		}
		e.openBolt(b, open)
		b.Cleanup(func() { _ = e.bst.Close() })
	default:
		b.Fatalf("unknown backend %q", kind)
	}
	fake := telegramtest.New(b)
	u, err := url.Parse(fake.URL())
	if err != nil {
		b.Fatal(err)
	}
	client, err := telegram.NewClient(telegram.ClientConfig{Token: fake.Token(), Endpoint: fake.Endpoint()})
	if err != nil {
		b.Fatalf("telegram.NewClient: %v", err)
	}
	ds, err := data.Default()
	if err != nil {
		b.Fatalf("data.Default: %v", err)
	}
	tr, err := render.NewTranslator()
	if err != nil {
		b.Fatalf("render.NewTranslator: %v", err)
	}
	e.fake, e.fakePort, e.client, e.tr, e.data = fake, u.Port(), client, tr, ds
	e.city = ds.Partners[0].Slug
	e.slot = time.Now().UTC().Truncate(time.Minute)
	e.newRenderer()
	e.seedPosts(b)
	return e
}

func (e *env) newRenderer() {
	e.rd = render.New(e.tr, e.data, nil)
}

func (e *env) openBolt(b *testing.B, path string) {
	b.Helper()
	st, err := boltstore.Open(path)
	if err != nil {
		b.Fatalf("boltstore.Open: %v", err)
	}
	e.bst, e.st = st, st
	if e.rd != nil {
		e.newRenderer()
	}
}

// toDisk moves a staged bolt file to its place on disk, fsynced, and
// reopens the store there (not timed). Redis and unstaged files stay.
func (e *env) toDisk(b *testing.B) {
	b.Helper()
	if e.kind != backendBolt || e.staged == "" {
		return
	}
	if err := e.bst.Close(); err != nil {
		b.Fatalf("close staged store: %v", err)
	}
	if err := copyFile(e.staged, e.path); err != nil {
		b.Fatalf("move state file to disk: %v", err)
	}
	_ = os.Remove(e.staged)
	e.staged = ""
	e.openBolt(b, e.path)
}

// freshBolt replaces the bolt store with an empty file on disk (the rate
// runs start each with an empty outbox).
func (e *env) freshBolt(b *testing.B) {
	b.Helper()
	if err := e.bst.Close(); err != nil {
		b.Fatalf("close store: %v", err)
	}
	e.path = filepath.Join(b.TempDir(), boltstore.DefaultFileName)
	e.openBolt(b, e.path)
}

// copyFile copies src to dst and fsyncs dst and its directory, so the
// first timed commit does not write the whole file back.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// limiter is the backend's real limiter: the shared policy over buckets in
// Redis, or over the embedded store's in-process ones.
func (e *env) limiter(rate int) scheduler.Limiter {
	if e.kind == backendBolt {
		return pacing.New(e.bst.Buckets(), pacing.Config{Rate: rate})
	}
	return pacing.New(e.rst.Buckets(), pacing.Config{Rate: rate})
}

// resetOutbox empties the outbox and the limiter state before a rate run.
func (e *env) resetOutbox(b *testing.B) {
	b.Helper()
	if e.kind == backendBolt {
		e.freshBolt(b) // the limiter lives in memory: a new one is fresh
		return
	}
	// pacing:bulk was the bulk share's bucket before issue 14; deleting it
	// too lets this harness measure that limiter for comparison.
	p := redisstore.DefaultPrefix
	if err := e.raw.Del(context.Background(), p+"outbox", p+"pacing:pause:all", p+"pacing:bulk", p+"pacing:global").Err(); err != nil {
		b.Fatal(err)
	}
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
	s := store.NewSubscriber(id, "private", store.Langs()[id%int64(len(store.Langs()))], now)
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

// ---------------------------------------------------------------- store counters

// counters is what one phase cost the store.
type counters struct {
	// Redis: INFO commandstats since the mark, calls and microseconds.
	cmds, usec cmdStats
	// bolt: write transactions committed since the mark (each is two
	// fdatasyncs: pages, then the meta page), and the bytes this process
	// handed to the block layer (/proc/self/io write_bytes; -1 unknown).
	commits, written int64
}

type mark struct {
	txid    uint64
	written int64
}

// mark starts counting a phase.
func (e *env) mark(b *testing.B) mark {
	b.Helper()
	if e.kind == backendRedis {
		e.resetStats(b)
		return mark{}
	}
	return mark{txid: e.boltTxID(b), written: procWriteBytes()}
}

// since is what the store did since m.
func (e *env) since(b *testing.B, m mark) counters {
	b.Helper()
	var c counters
	if e.kind == backendRedis {
		c.cmds, c.usec = e.commandStatsUsec(b)
		return c
	}
	c.commits = int64(e.boltTxID(b) - m.txid)
	c.written = -1
	if w := procWriteBytes(); w >= 0 && m.written >= 0 {
		c.written = w - m.written
	}
	return c
}

// boltTxID reads the id of the last committed write transaction from the
// two meta pages of the state file (boltstore does not expose its
// *bbolt.DB, and bbolt writes with pwrite, so a second descriptor sees
// every commit). The layout is bbolt's: a 16-byte page header, then magic,
// version, page size, flags (4 bytes each), root bucket (16), freelist,
// high-water page id and txid (8 each).
func (e *env) boltTxID(b *testing.B) uint64 {
	b.Helper()
	f, err := os.Open(e.path)
	if err != nil {
		b.Fatalf("read bolt meta: %v", err)
	}
	defer f.Close()
	const magic = 0xED0CDAED
	var buf [72]byte
	if _, err := f.ReadAt(buf[:], 0); err != nil {
		b.Fatalf("read bolt meta: %v", err)
	}
	if binary.NativeEndian.Uint32(buf[16:]) != magic {
		b.Fatalf("read bolt meta: not a bbolt file")
	}
	pageSize := int64(binary.NativeEndian.Uint32(buf[24:]))
	tx := binary.NativeEndian.Uint64(buf[64:])
	if _, err := f.ReadAt(buf[:], pageSize); err == nil && binary.NativeEndian.Uint32(buf[16:]) == magic {
		tx = max(tx, binary.NativeEndian.Uint64(buf[64:]))
	}
	return tx
}

// procWriteBytes is this process's write_bytes from /proc/self/io, -1
// where there is none.
func procWriteBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// fdatasyncCost times n small write+fdatasync pairs in the directory the
// bolt files live in (the floor under every bolt commit).
func fdatasyncCost(n int) (time.Duration, string) {
	dir := os.TempDir()
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		return 0, dir
	}
	defer os.Remove(f.Name())
	defer f.Close()
	t0 := time.Now()
	for i := range n {
		if _, err := f.WriteAt([]byte("partnerbot"), int64(i)*4096); err != nil {
			return 0, dir
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return 0, dir
		}
	}
	return time.Since(t0) / time.Duration(n), dir
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

// commandStatsUsec returns the calls and the microseconds Redis spent per
// command (a script's time includes the commands it ran).
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

// outboxLen is how many messages are still in the outbox: XLEN in Redis
// (the stream keeps a message until it is settled), ready + pending +
// delayed in bolt.
func (e *env) outboxLen(b *testing.B) int64 {
	b.Helper()
	ctx := context.Background()
	if e.kind == backendBolt {
		st, err := e.bst.OutboxStats(ctx, time.Now())
		if err != nil {
			b.Fatalf("outbox stats: %v", err)
		}
		return st.Ready + st.Pending + st.Delayed
	}
	n, err := e.raw.XLen(ctx, redisstore.DefaultPrefix+"outbox").Result()
	if err != nil {
		b.Fatalf("XLEN outbox: %v", err)
	}
	return n
}

// ---------------------------------------------------------------- memory, sockets

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
