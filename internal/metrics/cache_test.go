package metrics

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

// fakeSource counts the storage reads; gate, when set, holds every
// outbox read until closed.
type fakeSource struct {
	outboxReads, subsReads atomic.Int64
	entered                chan struct{} // one send per outbox read that started
	gate                   chan struct{}
	mu                     sync.Mutex
	err                    error
}

func (f *fakeSource) OutboxStats(context.Context, time.Time) (store.OutboxStats, error) {
	f.outboxReads.Add(1)
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return store.OutboxStats{Ready: 3, OldestAge: time.Minute}, f.err
}

func (f *fakeSource) SubscriberStats(context.Context) (store.SubscriberStats, error) {
	f.subsReads.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return store.SubscriberStats{Active: 5, Inactive: 1}, f.err
}

func (f *fakeSource) fail(err error) { f.mu.Lock(); f.err = err; f.mu.Unlock() }

// clock is a fake time that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration)     { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock                   { return &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)} }
func reads(f *fakeSource) (int64, int64) { return f.outboxReads.Load(), f.subsReads.Load() }

// scrape gathers like a Prometheus scrape and returns the storage figures
// it got, by name and label; a gather error fails the test.
func scrape(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatalf("scrape failed: %v", err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, s := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range s.GetLabel() {
				name += "/" + l.GetValue()
			}
			got[name] = value(s)
		}
	}
	return got
}

func value(s *dto.Metric) float64 {
	if g := s.GetGauge(); g != nil {
		return g.GetValue()
	}
	return s.GetCounter().GetValue()
}

func TestStoreFiguresCachedPerWindow(t *testing.T) {
	src, clk := &fakeSource{}, newClock()
	m := New(src)
	m.Now = clk.Now
	for range 10 {
		got := scrape(t, m)
		if got["partnerbot_outbox_messages/ready"] != 3 || got["partnerbot_subscribers/active"] != 5 || got["partnerbot_storage_up"] != 1 {
			t.Fatalf("figures: %v", got)
		}
		clk.Add(outboxCacheFor / 10)
	}
	if o, s := reads(src); o != 1 || s != 1 {
		t.Fatalf("10 scrapes within %v: %d outbox and %d subscriber reads, want 1 and 1", outboxCacheFor, o, s)
	}
	clk.Add(outboxCacheFor)
	scrape(t, m)
	if o, s := reads(src); o != 2 || s != 1 {
		t.Errorf("after the outbox window: %d outbox and %d subscriber reads, want 2 and 1", o, s)
	}
	clk.Add(subsCacheFor)
	scrape(t, m)
	if o, s := reads(src); o != 3 || s != 2 {
		t.Errorf("after the subscriber window: %d outbox and %d subscriber reads, want 3 and 2", o, s)
	}
}

func TestStorageErrorIsStorageDownNotAFailedScrape(t *testing.T) {
	src, clk := &fakeSource{}, newClock()
	src.fail(store.ErrUnavailable)
	m := New(nil)
	m.Now = clk.Now
	m.WatchStore(src)
	for range 5 {
		got := scrape(t, m)
		if got["partnerbot_storage_up"] != 0 {
			t.Fatalf("storage_up = %v with storage failing", got["partnerbot_storage_up"])
		}
		for _, name := range []string{"partnerbot_outbox_messages/ready", "partnerbot_outbox_oldest_age_seconds", "partnerbot_subscribers/active"} {
			if _, ok := got[name]; ok {
				t.Errorf("%s reported while storage fails", name)
			}
		}
	}
	if o, s := reads(src); o != 1 || s != 1 {
		t.Errorf("an outage was read %d and %d times by 5 quick scrapes, want once each", o, s)
	}
	// Recovery shows after the short failure window, not the subscriber
	// count's minute.
	src.fail(nil)
	clk.Add(failureCacheFor)
	got := scrape(t, m)
	if got["partnerbot_storage_up"] != 1 || got["partnerbot_subscribers/active"] != 5 {
		t.Errorf("after recovery: %v", got)
	}
}

// A slow store: scrapes arriving while one read is under way wait for it
// instead of each reading.
func TestConcurrentScrapesShareOneRead(t *testing.T) {
	const n = 8
	src := &fakeSource{entered: make(chan struct{}, n), gate: make(chan struct{})}
	c := newStoreCollector(src, newClock().Now)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	errs := make(chan error, n)
	for range n {
		go func() { _, err := reg.Gather(); errs <- err }()
	}
	<-src.entered
	testkit.Eventually(t, 10*time.Second, func() string { return fmt.Sprintf("%d of %d scrapes joined the read under way", joined(c), n-1) },
		func() bool { return joined(c) == n-1 })
	close(src.gate)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("scrape: %v", err)
		}
	}
	if o, _ := reads(src); o != 1 {
		t.Errorf("%d concurrent scrapes of a slow store read it %d times, want 1", n, o)
	}
}

func joined(c *storeCollector) int {
	c.outbox.mu.Lock()
	defer c.outbox.mu.Unlock()
	return c.outbox.joined
}

// A read that panics must not leave later scrapes waiting forever.
func TestPanickingReadReleasesWaiters(t *testing.T) {
	c := &cached[int]{now: newClock().Now, fresh: time.Minute, failFresh: time.Minute,
		read: func(context.Context, time.Time) (int, error) { panic("boom") }}
	func() {
		defer func() { _ = recover() }()
		_, _ = c.get()
	}()
	done := make(chan error, 1)
	go func() { _, err := c.get(); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, errReadPanicked) {
			t.Errorf("after a panicking read: %v, want errReadPanicked", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a scrape after a panicking read never returned")
	}
}
