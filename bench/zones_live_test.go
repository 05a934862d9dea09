package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// BenchmarkZonesLiveHeap answers whether planning over time zones holds
// memory that grows with the number of subscribers. Scenario 7 of the
// delivery benchmark reads the live heap as of the collector's own
// cycles, which come when they come; here a collection is forced every
// liveEvery, so each sample is the heap reachable at that moment, and the
// heap profile at the highest one is written for pprof:
//
//	go test -run='^$' -bench=ZonesLiveHeap -benchtime=1x -timeout=30m ./bench/
//	go tool pprof -sample_index=inuse_space -top /tmp/partnerbot-zones-bolt-100000.pprof
//
// Flat means the peak does not follow N; it moves with the moment of a
// page (500 subscribers) at which a sample falls.
func BenchmarkZonesLiveHeap(b *testing.B) {
	for _, kind := range []string{"redis", "bolt"} {
		for _, n := range []int{10_000, 30_000, 100_000} {
			b.Run(fmt.Sprintf("%s/N=%d", kind, n), func(b *testing.B) {
				benchZonesLiveHeap(b, kind, n)
			})
		}
	}
}

const liveEvery = 100 * time.Millisecond

func benchZonesLiveHeap(b *testing.B, kind string, n int) {
	e := newEnv(b, kind, true)
	e.seedZoneSubscribers(b, n)
	e.toDisk(b)
	sched, err := scheduler.ParseSpec("0 * * * *")
	if err != nil {
		b.Fatal(err)
	}
	now := e.slot.Add(2 * time.Hour)
	planner := &scheduler.Planner{Store: e.st, Renderer: e.rd, Data: e.data, Now: func() time.Time { return now }}
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 4096
	profile := fmt.Sprintf("%s/partnerbot-zones-%s-%d.pprof", os.TempDir(), kind, n)
	base := liveNow()
	peak, samples := base, 0
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(liveEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			samples++
			if h := liveNow(); h > peak {
				peak = h
				writeHeapProfile(b, profile)
			}
		}
	}()
	t0 := time.Now()
	_, err = planner.RunZones(context.Background(), store.FreqDaily, sched)
	took := time.Since(t0)
	close(stop)
	<-done
	if err != nil {
		b.Fatalf("RunZones: %v", err)
	}
	fmt.Printf("[%s zones N=%d] live heap with a collection every %s: base %s, peak %s, growth %s (%d samples over %s; profile at the peak: %s)\n",
		kind, n, liveEvery, mib(base), mib(peak), mib(peak-base), samples, took.Round(time.Millisecond), profile)
}

// liveNow collects garbage and returns what is left on the heap.
func liveNow() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Errorf("heap profile: %v", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Errorf("heap profile: %v", err)
	}
}
