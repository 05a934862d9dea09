package pacing

import (
	"context"
	"sync"
	"time"
)

// idleAfter is how long unused state is kept; every bucket refills
// completely well within it, so dropped state and new state behave alike.
const idleAfter = time.Minute

// Memory keeps buckets and pauses in this process, for the embedded store:
// one process, one limiter.
type Memory struct {
	mu        sync.Mutex
	tats      map[string]time.Time
	pauses    map[string]time.Time
	swaps     map[string]swapped
	lastSweep time.Time
}

type swapped struct {
	value   string
	expires time.Time
}

// NewMemory returns empty in-memory buckets.
func NewMemory() *Memory {
	return &Memory{tats: map[string]time.Time{}, pauses: map[string]time.Time{}, swaps: map[string]swapped{}}
}

// Take implements Buckets.
func (m *Memory) Take(ctx context.Context, now time.Time, pauses []string, buckets []Bucket) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	var wait time.Duration
	for _, p := range pauses {
		if until, ok := m.pauses[p]; ok && until.After(now) {
			wait = max(wait, until.Sub(now))
		}
	}
	if wait > 0 {
		return wait, nil
	}
	next := make([]time.Time, len(buckets))
	for i, b := range buckets {
		var w time.Duration
		next[i], w = Allow(m.tats[b.Key], now, b)
		wait = max(wait, w)
	}
	if wait > 0 {
		return wait, nil
	}
	for i, b := range buckets {
		m.tats[b.Key] = next[i]
	}
	return 0, nil
}

// Pause implements Buckets.
func (m *Memory) Pause(ctx context.Context, now time.Time, key string, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if until := now.Add(d); until.After(m.pauses[key]) {
		m.pauses[key] = until
	}
	return nil
}

// Swap implements Buckets.
func (m *Memory) Swap(ctx context.Context, now time.Time, key, value string, ttl time.Duration) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.swaps[key]
	m.swaps[key] = swapped{value: value, expires: now.Add(ttl)}
	if !old.expires.After(now) {
		return "", nil
	}
	return old.value, nil
}

// sweep drops state idle for idleAfter, at most once per idleAfter, which
// bounds memory to the chats of the last minutes.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < idleAfter {
		return
	}
	m.lastSweep = now
	for k, tat := range m.tats {
		if now.Sub(tat) > idleAfter {
			delete(m.tats, k)
		}
	}
	for k, until := range m.pauses {
		if now.After(until) {
			delete(m.pauses, k)
		}
	}
	for k, s := range m.swaps {
		if now.After(s.expires) {
			delete(m.swaps, k)
		}
	}
}

// Len is how many buckets are tracked; tests check that idle ones go.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tats)
}
