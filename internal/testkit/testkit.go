// Package testkit holds the small helpers the test suites share: a buffer
// that goroutines may write logs to, and waiting for a condition with a
// deadline where the state has no change notification of its own (logs,
// Redis, other processes). The fake Bot API has its own Wait helpers.
package testkit

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Buffer is a bytes.Buffer safe for concurrent use, for capturing logs.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// pollEvery is how often Eventually checks: short next to any deadline a
// test uses, long enough not to busy-loop.
const pollEvery = 5 * time.Millisecond

// Eventually waits until cond holds and fails the test after within, with
// what() describing what was waited for (evaluated only on failure).
func Eventually(tb testing.TB, within time.Duration, what func() string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %v: %s", within, what())
		}
		time.Sleep(pollEvery)
	}
}

// WaitOutboxSettled waits until nothing is ready, pending or delayed in the
// outbox: every message was sent, dropped for a gone chat or buried.
func WaitOutboxSettled(tb testing.TB, ob store.Outbox, within time.Duration) store.OutboxStats {
	tb.Helper()
	var s store.OutboxStats
	var err error
	Eventually(tb, within, func() string { return fmt.Sprintf("outbox not settled: %+v %v", s, err) }, func() bool {
		s, err = ob.OutboxStats(context.Background(), time.Now())
		return err == nil && s.Ready == 0 && s.Pending == 0 && s.Delayed == 0
	})
	return s
}
