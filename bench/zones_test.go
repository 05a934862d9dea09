package bench

// Scenario 7 (issue #12): planning the digests of subscribers spread over
// three time zones, zone by zone, as the planner does when a schedule is
// read in each reader's zone. Run it alone with
//
//	go test -run='^$' -bench='Delivery/redis/zones' -benchtime=1x ./bench/
//
// (or Delivery/bolt/zones, or both with -bench='Delivery/.*/zones').

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// benchZones are the zones the subscribers are spread over, round robin:
// the home zone (a record without a zone: Europe/Kyiv) and two partners'.
var benchZones = []string{"", "Europe/Berlin", "Europe/Amsterdam"}

// zoneScales are the scales of scenario 7 (both backends; quick mode
// replaces them with quickScales).
var zoneScales = []int{10_000, 100_000}

// zoneResult is one planning of every zone's slot.
type zoneResult struct {
	n                int
	seed             time.Duration
	plan             time.Duration
	runs             int
	planned, skipped int
	queued           int64
	ctr              counters
	base, peak       uint64
	// liveBase, livePeak are the live heap (marked by the last GC) at the
	// start and its most during planning: unlike HeapInuse, which also
	// holds garbage not yet collected (so its peak depends on when the GC
	// ran), it only counts what planning keeps reachable.
	liveBase, livePeak uint64
}

// benchZonesScale saves n subscribers over the three zones and times
// Planner.RunZones: the zone index read, then one run per zone, each
// paging through its zone's subscribers (PageSize 500). The schedule is
// hourly ("0 * * * *") with the clock two hours after the posts' slot, so
// that the three zones' slots (whole-hour offsets) fall into one timed
// call; each zone run is the same work as its 09:00 run of "0 9 * * *".
func benchZonesScale(b *testing.B, kind string, n int) zoneResult {
	ctx := context.Background()
	e := newEnv(b, kind, true)
	r := zoneResult{n: n}
	r.seed = e.seedZoneSubscribers(b, n)
	e.toDisk(b)
	fmt.Printf("[%s zones N=%d] setup: %d subscribers over %d zones saved in %s (not timed)\n",
		kind, n, n, len(benchZones), r.seed.Round(time.Millisecond))
	sched, err := scheduler.ParseSpec("0 * * * *")
	if err != nil {
		b.Fatal(err)
	}
	now := e.slot.Add(2 * time.Hour)
	planner := &scheduler.Planner{Store: e.st, Renderer: e.rd, Data: e.data, Now: func() time.Time { return now }}
	m := e.mark(b)
	mem := sampleMem()
	live := sampleLive()
	t0 := time.Now()
	runs, err := planner.RunZones(ctx, store.FreqDaily, sched)
	r.plan = time.Since(t0)
	r.liveBase, r.livePeak = live.Stop()
	r.base, r.peak = mem.Stop()
	if err != nil {
		b.Fatalf("RunZones: %v", err)
	}
	r.ctr = e.since(b, m)
	r.runs = len(runs)
	for _, run := range runs {
		r.planned += run.Planned
		r.skipped += run.Skipped
	}
	r.queued = e.outboxLen(b)
	fmt.Printf("[%s zones N=%d] planning %d zone runs: %d planned, %d skipped, %d queued in %s (%.0f subscribers/s), heap growth %s (live heap growth %s)\n",
		kind, n, r.runs, r.planned, r.skipped, r.queued, r.plan.Round(time.Millisecond), float64(n)/r.plan.Seconds(),
		mib(growth(r.base, r.peak)), mib(growth(r.liveBase, r.livePeak)))
	return r
}

// liveSampler follows the live heap (runtime/metrics /gc/heap/live:bytes,
// as of the last GC) every sampleEvery.
type liveSampler struct {
	stop, done chan struct{}
	base, peak uint64
}

func sampleLive() *liveSampler {
	runtime.GC()
	read := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return s[0].Value.Uint64()
	}
	l := &liveSampler{stop: make(chan struct{}), done: make(chan struct{}), base: read()}
	l.peak = l.base
	go func() {
		defer close(l.done)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			l.peak = max(l.peak, read())
			select {
			case <-l.stop:
				return
			case <-t.C:
			}
		}
	}()
	return l
}

func (l *liveSampler) Stop() (base, peak uint64) {
	close(l.stop)
	<-l.done
	return l.base, l.peak
}

// seedZoneSubscribers saves n subscribers with ids 1..n, subscriber i in
// benchZones[i%3], seedWorkers at a time.
func (e *env) seedZoneSubscribers(b *testing.B, n int) time.Duration {
	b.Helper()
	ctx := context.Background()
	t0 := time.Now()
	ids := make(chan int64, 1024)
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	for range seedWorkers {
		wg.Go(func() {
			for id := range ids {
				s := subscriber(id, e.city, t0)
				s.TimeZone = benchZones[id%int64(len(benchZones))]
				if err := e.st.SaveSubscriber(ctx, s); err != nil {
					firstErr.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	for i := range n {
		ids <- int64(i + 1)
	}
	close(ids)
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		b.Fatalf("seed subscribers: %v", *p)
	}
	return time.Since(t0)
}

// zonesReport prints scenario 7.
func zonesReport(ran []*backendResult) {
	found := false
	for _, br := range ran {
		found = found || len(br.zones) > 0
	}
	if !found {
		return
	}
	fmt.Printf("7. planning over %d time zones (Planner.RunZones: the zone index, then one run per zone, PageSize 500)\n", len(benchZones))
	fmt.Printf("   %-17s %-8s %5s %10s %10s %10s %14s %11s %11s %11s %12s   %s\n", "backend", "N", "runs", "planned", "queued", "seconds",
		"subscribers/s", "heap base", "heap peak", "growth", "live growth", "store work per subscriber")
	for _, br := range ran {
		for _, r := range br.zones {
			fmt.Printf("   %-17s %-8d %5d %10d %10d %10.2f %14.0f %11s %11s %11s %12s   %s\n", backendName(br.kind), r.n, r.runs, r.planned,
				r.queued, r.plan.Seconds(), float64(r.n)/r.plan.Seconds(), mib(r.base), mib(r.peak), mib(growth(r.base, r.peak)),
				mib(growth(r.liveBase, r.livePeak)), storeWork(br.kind, r.ctr, r.n))
		}
	}
	fmt.Println("   (heap = HeapInuse, garbage included, so its peak depends on when the GC ran; live = what the last GC")
	fmt.Println("    found reachable. Flat memory: neither grows with N; planning reads a page of one zone at a time)")
	fmt.Println()
}

// zoneRows adds scenario 7 to the side-by-side table.
func zoneRows(byKind map[string]*backendResult, add func(string, func(*backendResult) string), sep func(string)) {
	var ns []int
	for _, r := range byKind {
		for _, z := range r.zones {
			if !slices.Contains(ns, z.n) {
				ns = append(ns, z.n)
			}
		}
	}
	if len(ns) == 0 {
		return
	}
	slices.Sort(ns)
	zone := func(r *backendResult, n int) *zoneResult {
		for i := range r.zones {
			if r.zones[i].n == n {
				return &r.zones[i]
			}
		}
		return nil
	}
	sep(fmt.Sprintf("planning over %d time zones (Planner.RunZones)", len(benchZones)))
	for _, n := range ns {
		add(fmt.Sprintf("  subscribers/s, N=%d", n), func(r *backendResult) string {
			if z := zone(r, n); z != nil {
				return fmt.Sprintf("%.0f (%.1f s)", float64(n)/z.plan.Seconds(), z.plan.Seconds())
			}
			return ""
		})
	}
	for _, n := range ns {
		add(fmt.Sprintf("  peak heap growth (live), N=%d", n), func(r *backendResult) string {
			if z := zone(r, n); z != nil {
				return fmt.Sprintf("%s (%s)", mib(growth(z.base, z.peak)), mib(growth(z.liveBase, z.livePeak)))
			}
			return ""
		})
	}
}
