package redisstore

import (
	"sync"
	"testing"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
	"github.com/partnerbot/partnerbot/store/pacing/pacingtest"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// The store runs on the production topologies too: behind Redis Sentinel
// (through a failover client) and on a Redis Cluster of three primaries.
// The stores use the default prefix: its hash tag puts every key in one
// slot, as the transactions and scripts need on a cluster.

// The Sentinel set and the cluster take seconds to start, so the package
// starts each once, when the first test needs it; TestMain stops them.
var (
	sentinelOnce sync.Once
	sentinelSet  *redistest.Sentinel
	sentinelStop func()
	sentinelErr  error

	clusterOnce sync.Once
	cluster     *redistest.Cluster
	clusterStop func()
	clusterErr  error
)

// stopTopologies stops the Sentinel set and the cluster if a test started
// them; TestMain calls it after m.Run.
func stopTopologies() {
	if sentinelStop != nil {
		sentinelStop()
	}
	if clusterStop != nil {
		clusterStop()
	}
}

// sharedSentinel returns the package's Sentinel set, flushed.
func sharedSentinel(t testing.TB) *redistest.Sentinel {
	t.Helper()
	sentinelOnce.Do(func() { sentinelSet, sentinelStop, sentinelErr = redistest.StartSentinelMain() })
	if sentinelErr != nil {
		t.Fatal(sentinelErr)
	}
	sentinelSet.Flush(t)
	return sentinelSet
}

// sharedCluster returns the package's cluster, flushed.
func sharedCluster(t testing.TB) *redistest.Cluster {
	t.Helper()
	clusterOnce.Do(func() { cluster, clusterStop, clusterErr = redistest.StartClusterMain() })
	if clusterErr != nil {
		t.Fatal(clusterErr)
	}
	cluster.Flush(t)
	return cluster
}

// newSentinelStore returns a store on the flushed Sentinel set, through a
// failover client.
func newSentinelStore(t testing.TB) *Store {
	t.Helper()
	s := NewFromClient(sharedSentinel(t).Client(t))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newClusterStore returns a store on the flushed cluster.
func newClusterStore(t testing.TB) *Store {
	t.Helper()
	s := NewFromClient(sharedCluster(t).Client(t))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSentinelContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newSentinelStore(t) })
}

func TestSentinelLimiterContract(t *testing.T) {
	pacingtest.Run(t, func(t *testing.T) pacing.Buckets { return newSentinelStore(t).Buckets() })
}

func TestClusterContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newClusterStore(t) })
}

func TestClusterLimiterContract(t *testing.T) {
	pacingtest.Run(t, func(t *testing.T) pacing.Buckets { return newClusterStore(t).Buckets() })
}
