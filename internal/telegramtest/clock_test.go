package telegramtest_test

import (
	"sync"
	"time"
)

// calm is longer than both anti-hammering windows (3 s and 0.5 s): after it,
// repeating an offset is not hammering.
const calm = 5 * time.Second

// clock is a clock for telegramtest.WithClock that moves only when a test
// says so, which makes windows and flood buckets exact without sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
