package redisstore

import (
	"testing"

	"github.com/partnerbot/partnerbot/store/pacing"
	"github.com/partnerbot/partnerbot/store/pacing/pacingtest"
)

// The shared limiter paces exactly like the embedded store's.
func TestLimiterContract(t *testing.T) {
	pacingtest.Run(t, func(t *testing.T) pacing.Buckets { return newTestStore(t).Buckets() })
}
