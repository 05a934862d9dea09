package redisstore

import (
	"context"
	"crypto/tls"
	"errors"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
)

// Conn says how to reach Redis: one server by URL, a primary found through
// Sentinels, or a cluster. Exactly one of URL, SentinelAddrs and
// ClusterAddrs is set; the caller checks that (it knows the variables'
// names).
type Conn struct {
	// URL is redis://[user:password@]host[:port][/db] or rediss:// for TLS;
	// see redis.ParseURL for query options.
	URL string

	// SentinelAddrs (host:port) and SentinelMaster name the primary the
	// Sentinels monitor; SentinelPassword is the Sentinels' own password.
	// The client follows a failover by itself.
	SentinelAddrs    []string
	SentinelMaster   string
	SentinelPassword string

	// ClusterAddrs are some nodes of a Redis Cluster (host:port); the rest
	// are discovered.
	ClusterAddrs []string

	// Username and Password authenticate with the data servers (Sentinel
	// and cluster; a URL carries its own).
	Username, Password string
	// TLS, when not nil, encrypts every connection (Sentinel and cluster;
	// a URL uses rediss://).
	TLS *tls.Config
}

// Open connects to the Redis at rawURL; see OpenConn.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	return OpenConn(ctx, Conn{URL: rawURL}, opts...)
}

// OpenConn connects to Redis as c says and checks it answers. A Redis that
// cannot be reached yields an error that is store.ErrUnavailable. The
// returned Store owns the connection: Close closes it.
func OpenConn(ctx context.Context, c Conn, opts ...Option) (*Store, error) {
	client, err := newClient(c)
	if err != nil {
		return nil, err
	}
	s := NewFromClient(client, opts...)
	s.ownClient = true
	if err := s.Ping(ctx); err != nil {
		_ = client.Close()
		return nil, err
	}
	return s, nil
}

func newClient(c Conn) (redis.UniversalClient, error) {
	switch {
	case len(c.SentinelAddrs) > 0:
		o := &redis.FailoverOptions{
			MasterName:       c.SentinelMaster,
			SentinelAddrs:    c.SentinelAddrs,
			SentinelPassword: c.SentinelPassword,
			Username:         c.Username,
			Password:         c.Password,
			TLSConfig:        c.TLS,
		}
		failFast(&o.MaxRetries, &o.DialerRetries, &o.DialTimeout)
		return redis.NewFailoverClient(o), nil
	case len(c.ClusterAddrs) > 0:
		o := &redis.ClusterOptions{
			Addrs:     c.ClusterAddrs,
			Username:  c.Username,
			Password:  c.Password,
			TLSConfig: c.TLS,
		}
		failFast(&o.MaxRetries, &o.DialerRetries, &o.DialTimeout)
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(c.URL)
	if err != nil {
		// The URL may hold a password: keep net/url's reason, not the
		// URL it quotes.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, wrapErr(err, "parse REDIS_URL")
	}
	failFast(&o.MaxRetries, &o.DialerRetries, &o.DialTimeout)
	return redis.NewClient(o), nil
}

// failFast shortens go-redis's retry defaults (3 command retries, each
// with 5 dial attempts) where they are not set: while Redis is down a
// resident should hear "try again" within about a second, not wait through
// a dozen refused dials. Query parameters in REDIS_URL still win.
//
// A failover or a cluster's MOVED is not such a retry: the Sentinel client
// asks the Sentinels again and the cluster client follows redirections on
// their own budgets.
func failFast(maxRetries, dialerRetries *int, dialTimeout *time.Duration) {
	if *maxRetries == 0 {
		*maxRetries = 1
	}
	if *dialerRetries == 0 {
		*dialerRetries = 2
	}
	if *dialTimeout == 0 {
		*dialTimeout = 2 * time.Second
	}
}
