package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultAckTimeout is how long a write waits for its replicas when
// WithMinReplicas is given no timeout.
const defaultAckTimeout = time.Second

// WithMinReplicas makes the writes that must not be lost wait until n
// replicas have them, for up to timeout (defaultAckTimeout, a second, when
// 0). Redis replicates asynchronously, so without it a primary that fails
// right after acknowledging a write takes the write with it when a replica
// is promoted (Sentinel, a managed failover).
//
// Those writes are the ones that queue messages (EnqueueOnce,
// EnqueueOnceMany, EnqueueEach, Enqueue, and RSVP's notices) and the ones
// that create, publish, change or withdraw posts (PublishPost, EditPost,
// RemovePost, TransitionPost, CreatePost, SeedPost, UpdatePost,
// SetChannelRef). Each is followed by WAIT n timeout on the connection
// that made it (WAIT counts that connection's writes only).
//
// When fewer than n replicas acknowledged in time the write is still on
// the primary, and may reach the replicas later. A write keyed by its
// cause (a once flag, a cause or seed key, or one that only puts the same
// record again) then fails with an error that is store.ErrUnavailable
// ("written on the primary, acknowledged by k of n replicas"): the caller
// retries, and the retry finds the write done instead of repeating it. A
// write a retry would repeat (Enqueue, CreatePost without an id, RSVP
// without a cause) returns success and logs a warning instead; so does
// PublishPost, whose retry is an official's new message, a new cause.
//
// A retry that finds its write done returns at once: its WAIT covers what
// its own connection wrote, not the earlier attempt, which the replicas
// have usually caught up with by then.
//
// n <= 0 turns the wait off (the default). The timeout should stay below
// the client's read timeout (3s by default), or the WAIT itself times out
// as an unavailable Redis. It needs a *redis.Client (also a Sentinel
// failover client) or a *redis.ClusterClient, whose writes wait on the
// master of the store's slot.
func WithMinReplicas(n int, timeout time.Duration) Option {
	return func(s *Store) {
		s.minReplicas = max(0, n)
		s.ackTimeout = timeout
		if timeout <= 0 {
			s.ackTimeout = defaultAckTimeout
		}
	}
}

// ackMode says what a write the replicas did not acknowledge in time
// returns.
type ackMode int

const (
	// ackOrFail: an error, store.ErrUnavailable; the write is keyed by
	// its cause, so the caller's retry finds it done.
	ackOrFail ackMode = iota
	// ackOrWarn: success and a warning; a retry would write it again.
	ackOrWarn
)

// keyedOr is ackOrFail when keyed, else ackOrWarn.
func keyedOr(keyed bool) ackMode {
	if keyed {
		return ackOrFail
	}
	return ackOrWarn
}

// ReplicaShortfallError says a write reached the primary but fewer
// replicas than WithMinReplicas asked for acknowledged it in time. The
// store returns it as store.ErrUnavailable.
type ReplicaShortfallError struct {
	Acked, Want int
}

func (e *ReplicaShortfallError) Error() string {
	return fmt.Sprintf("written on the primary, acknowledged by %d of %d replicas", e.Acked, e.Want)
}

// acked runs write and then waits for the replicas (see WithMinReplicas).
// key is one of the keys write touches: on a Redis Cluster it picks the
// master to write on. Without WithMinReplicas, write runs on the store's
// client as usual.
func (s *Store) acked(ctx context.Context, key string, mode ackMode, op string, write func(c redis.Cmdable) error) error {
	if s.minReplicas <= 0 {
		return write(s.rdb)
	}
	conn, err := s.pinnedConn(ctx, key)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := write(conn); err != nil {
		return err
	}
	return s.awaitReplicas(ctx, conn, mode, op)
}

// ackedTx wraps the function of an optimistic transaction (watch,
// watchBusy) so that, when it succeeded, it waits for the replicas on the
// transaction's own connection.
func (s *Store) ackedTx(ctx context.Context, mode ackMode, op string, fn func(tx *redis.Tx) error) func(tx *redis.Tx) error {
	if s.minReplicas <= 0 {
		return fn
	}
	return func(tx *redis.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.awaitReplicas(ctx, tx, mode, op)
	}
}

// pinnedConn returns one connection to the master that holds key, so the
// WAIT after a write counts that write. The caller closes it.
func (s *Store) pinnedConn(ctx context.Context, key string) (*redis.Conn, error) {
	switch c := s.rdb.(type) {
	case *redis.Client:
		return c.Conn(), nil
	case *redis.ClusterClient:
		m, err := c.MasterForKey(ctx, key)
		if err != nil {
			return nil, err
		}
		return m.Conn(), nil
	}
	return nil, fmt.Errorf("WithMinReplicas needs a *redis.Client or *redis.ClusterClient, not %T", s.rdb)
}

// waiter is a connection WAIT can be sent on: a *redis.Conn or a
// *redis.Tx (redis.Cmdable leaves WAIT out, as it means nothing on a pool).
type waiter interface {
	Wait(ctx context.Context, numReplicas int, timeout time.Duration) *redis.IntCmd
}

// awaitReplicas sends WAIT on c, the connection that just wrote, and
// judges its answer by mode.
func (s *Store) awaitReplicas(ctx context.Context, c waiter, mode ackMode, op string) error {
	n, err := c.Wait(ctx, s.minReplicas, s.ackTimeout).Result()
	if err == nil && int(n) >= s.minReplicas {
		return nil
	}
	if err == nil {
		err = unavailable(&ReplicaShortfallError{Acked: int(n), Want: s.minReplicas})
	}
	if mode == ackOrWarn {
		s.logger().Warn("redis: write not acknowledged by enough replicas; not failing it, as a retry would repeat it",
			"op", op, "err", err)
		return nil
	}
	return err
}
