// Package metrics holds partnerbot's Prometheus metrics. Labels carry only
// small closed sets (kinds, commands, reasons), never chat or user ids, so
// the number of series stays bounded.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/partnerbot/partnerbot/store"
)

// Metrics is the set of collectors, registered on its own registry.
type Metrics struct {
	Registry *prometheus.Registry
	// Now is the clock of the figures read from storage and of their
	// caches; nil means time.Now. Tests set it right after New.
	Now store.NowFunc

	updates    *prometheus.CounterVec
	dropped    *prometheus.CounterVec
	givenUp    prometheus.Counter
	latency    *prometheus.HistogramVec
	sent       *prometheus.CounterVec
	failures   *prometheus.CounterVec
	pauses     prometheus.Counter
	runs       *prometheus.CounterVec
	runSeconds prometheus.Histogram
	runCounts  *prometheus.GaugeVec
}

// Source gives the gauges read at scrape time.
type Source interface {
	OutboxStats(ctx context.Context, now time.Time) (store.OutboxStats, error)
	SubscriberStats(ctx context.Context) (store.SubscriberStats, error)
}

// WatchStore adds the gauges read from storage at scrape time; called once
// storage is reachable.
func (m *Metrics) WatchStore(src Source) { m.Registry.MustRegister(newStoreCollector(src, m.now)) }

// now reads m.Now at every call, so a clock set after New still counts.
func (m *Metrics) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// New registers every metric. src may be nil (no storage gauges yet).
func New(src Source) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerbot_updates_total", Help: "Telegram updates handled, by type and command.",
		}, []string{"type", "command"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerbot_updates_dropped_total", Help: "Updates not handled because their sender or group wrote faster than the inbound limits (user_rate, chat_rate).",
		}, []string{"reason"}),
		givenUp: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "partnerbot_updates_given_up_total", Help: "Updates given up after failing every attempt.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "partnerbot_update_duration_seconds", Help: "Time to handle one update, by type.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
		}, []string{"type"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerbot_messages_sent_total", Help: "Messages Telegram accepted, by kind (reply, digest, announcement, reminder).",
		}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerbot_send_failures_total", Help: "Failed sends by kind and reason (rate_limited, gone, migrated, transient, dead_lettered, other).",
		}, []string{"kind", "reason"}),
		pauses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "partnerbot_flood_pauses_total", Help: "Times Telegram's flood control (429) paused a chat or every sender.",
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerbot_digest_runs_total", Help: "Digest planning runs finished, by frequency.",
		}, []string{"frequency"}),
		runSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "partnerbot_digest_run_duration_seconds", Help: "Time to plan one digest run.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}),
		runCounts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "partnerbot_digest_last_run_subscribers", Help: "Subscribers in the last digest run: planned (got one) or skipped (nothing new).",
		}, []string{"result"}),
	}
	m.Registry.MustRegister(m.updates, m.dropped, m.givenUp, m.latency, m.sent, m.failures, m.pauses, m.runs, m.runSeconds, m.runCounts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src != nil {
		m.Registry.MustRegister(newStoreCollector(src, m.now))
	}
	return m
}

// UpdateHandled counts one update and its handling time.
func (m *Metrics) UpdateHandled(kind, command string, d time.Duration) {
	m.updates.WithLabelValues(kind, command).Inc()
	m.latency.WithLabelValues(kind).Observe(d.Seconds())
}

// UpdateDropped counts an update refused by the inbound limits.
func (m *Metrics) UpdateDropped(reason string) { m.dropped.WithLabelValues(reason).Inc() }

// UpdateGivenUp counts an update the poller gave up on.
func (m *Metrics) UpdateGivenUp() { m.givenUp.Inc() }

// Sent counts a message Telegram accepted.
func (m *Metrics) Sent(kind string) { m.sent.WithLabelValues(kind).Inc() }

// Failed counts a failed send.
func (m *Metrics) Failed(kind, reason string) {
	m.failures.WithLabelValues(kind, reason).Inc()
	if reason == "rate_limited" {
		m.pauses.Inc()
	}
}

// DigestRun records a finished planning run.
func (m *Metrics) DigestRun(r store.DigestRun, took time.Duration) {
	m.runs.WithLabelValues(string(r.Frequency)).Inc()
	m.runSeconds.Observe(took.Seconds())
	m.runCounts.WithLabelValues("planned").Set(float64(r.Planned))
	m.runCounts.WithLabelValues("skipped").Set(float64(r.Skipped))
}

// storeCollector reads the outbox and subscriber figures when scraped,
// each through its own cache (see cache.go).
type storeCollector struct {
	outbox *cached[store.OutboxStats]
	subs   *cached[store.SubscriberStats]
}

func newStoreCollector(src Source, now func() time.Time) *storeCollector {
	return &storeCollector{
		outbox: &cached[store.OutboxStats]{read: src.OutboxStats, now: now,
			fresh: outboxCacheFor, failFresh: failureCacheFor},
		subs: &cached[store.SubscriberStats]{now: now, fresh: subsCacheFor, failFresh: failureCacheFor,
			read: func(ctx context.Context, _ time.Time) (store.SubscriberStats, error) { return src.SubscriberStats(ctx) }},
	}
}

var (
	outboxDepth = prometheus.NewDesc("partnerbot_outbox_messages", "Messages in the outbox by state (ready, pending, delayed, dead).", []string{"state"}, nil)
	outboxAge   = prometheus.NewDesc("partnerbot_outbox_oldest_age_seconds", "Age of the oldest message not yet sent.", nil, nil)
	subsDesc    = prometheus.NewDesc("partnerbot_subscribers", "Stored chats by state (active, inactive).", []string{"state"}, nil)
	upDesc      = prometheus.NewDesc("partnerbot_storage_up", "1 when the storage answered its last outbox read (at most a few seconds old).", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepth
	ch <- outboxAge
	ch <- subsDesc
	ch <- upDesc
}

// Collect never fails the scrape: a figure storage could not give is left
// out, and partnerbot_storage_up says why.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	up := 1.0
	if ob, err := c.outbox.get(); err != nil {
		up = 0
	} else {
		for state, v := range map[string]int64{"ready": ob.Ready, "pending": ob.Pending, "delayed": ob.Delayed, "dead": ob.Dead} {
			ch <- prometheus.MustNewConstMetric(outboxDepth, prometheus.GaugeValue, float64(v), state)
		}
		ch <- prometheus.MustNewConstMetric(outboxAge, prometheus.GaugeValue, ob.OldestAge.Seconds())
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up)

	if subs, err := c.subs.get(); err == nil {
		ch <- prometheus.MustNewConstMetric(subsDesc, prometheus.GaugeValue, float64(subs.Active), "active")
		ch <- prometheus.MustNewConstMetric(subsDesc, prometheus.GaugeValue, float64(subs.Inactive), "inactive")
	}
}
