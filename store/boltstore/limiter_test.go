package boltstore

import (
	"time"

	"testing"

	"github.com/partnerbot/partnerbot/store/pacing"
	"github.com/partnerbot/partnerbot/store/pacing/pacingtest"
)

// The embedded store paces exactly like Redis.
func TestLimiterContract(t *testing.T) {
	pacingtest.Run(t, func(t *testing.T) pacing.Buckets { return newTestStore(t).Buckets() })
}

// fakeClock is a settable clock for the store.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }
