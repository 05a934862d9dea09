package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// sentinelCount sentinels watch the primary; sentinelQuorum of them must
// agree it is down before one of them fails over.
const (
	sentinelCount  = 3
	sentinelQuorum = 2
	masterName     = "pbmaster"
)

// Sentinel is a Redis Sentinel set: a primary, one replica of it and three
// sentinels monitoring them, each a redis-server process on a free loopback
// port. Clients find the primary through the sentinels (Client,
// FailoverOptions); KillPrimary and WaitFailover let a test crash the
// primary and go on once the replica has been promoted.
//
// Options (WithPassword, WithoutAOF, WithArgs) apply to the primary and the
// replica; the sentinels need a password only with WithSentinelPassword.
// WithTLS puts the servers and the sentinels on TLS with one CA.
type Sentinel struct {
	password         string
	sentinelPassword string
	tls              *tlsFiles
	servers          [2]*Server // the first primary, the first replica
	sentinels        []*Server

	mu      sync.Mutex
	primary int // index in servers of the current primary
}

// StartSentinel starts a Sentinel set for the test and stops it when the
// test ends. It takes a few seconds: the sentinels discover the replica and
// each other before it returns, so that a failover can happen.
func StartSentinel(tb testing.TB, opts ...Option) *Sentinel {
	tb.Helper()
	return startForTest(tb, startSentinel, opts)
}

// StartSentinelMain starts a Sentinel set without a testing.TB, for
// TestMain. stop stops every process and removes the files; call it after
// m.Run.
func StartSentinelMain(opts ...Option) (s *Sentinel, stop func(), err error) {
	return startForMain("redistest-sentinel-", startSentinel, opts)
}

func startSentinel(dir string, opts []Option) (_ *Sentinel, err error) {
	s := &Sentinel{}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	// Without the default 5 s delay before a diskless full sync, the
	// replica is in sync within milliseconds. The replica gets it too for
	// when it is promoted.
	opts = append(opts[:len(opts):len(opts)], WithArgs("--repl-diskless-sync-delay", "0"))
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	s.sentinelPassword = cfg.sentinelPassword
	if s.tls = cfg.tlsFiles; cfg.tls && s.tls == nil {
		if s.tls, err = newTLSFiles(filepath.Join(dir, "tls")); err != nil {
			return nil, fmt.Errorf("make TLS certificates: %w", err)
		}
		opts = append(opts, withTLSFiles(s.tls))
	}
	primary, err := startIn(filepath.Join(dir, "primary"), opts)
	if err != nil {
		return nil, fmt.Errorf("sentinel primary: %w", err)
	}
	s.servers[0] = primary
	s.password = primary.password
	replicaOpts := append(opts,
		WithArgs("--replicaof", "127.0.0.1", strconv.Itoa(primary.port)))
	if s.password != "" {
		replicaOpts = append(replicaOpts, WithArgs("--masterauth", s.password))
	}
	replica, err := startIn(filepath.Join(dir, "replica"), replicaOpts)
	if err != nil {
		return nil, fmt.Errorf("sentinel replica: %w", err)
	}
	s.servers[1] = replica
	// The sentinels learn of the replica from the primary's INFO, so it
	// must be attached before they start.
	var repl string
	err = waitFor(topologyTimeout, func() string { return "replica not in sync:\n" + repl + replica.Output() }, func() bool {
		repl, _ = info(replica.Options(), "replication")
		return strings.Contains(repl, "master_link_status:up")
	})
	if err != nil {
		return nil, err
	}

	for i := range sentinelCount {
		sd := filepath.Join(dir, "sentinel"+strconv.Itoa(i))
		sn, err := s.launchSentinel(sd, primary.port)
		if err != nil {
			return nil, fmt.Errorf("sentinel %d: %w", i, err)
		}
		s.sentinels = append(s.sentinels, sn)
	}
	if err := s.waitDiscovered(); err != nil {
		return nil, err
	}
	return s, nil
}

// startIn starts a server in dir, creating it.
func startIn(dir string, opts []Option) (*Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return start(dir, opts)
}

// launchSentinel starts one sentinel monitoring the primary on
// primaryPort, from a config file in dir (sentinels rewrite theirs, so
// each needs its own).
func (s *Sentinel) launchSentinel(dir string, primaryPort int) (*Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	bin, err := findBinary()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "sentinel.conf")
	sn := &Server{
		bin:      bin,
		dir:      dir,
		password: s.sentinelPassword,
		tls:      s.tls,
		pre:      []string{conf, "--sentinel"},
		args:     []string{"--bind", "127.0.0.1", "--daemonize", "no", "--logfile", ""},
	}
	err = sn.launchFree(func() error {
		var b strings.Builder
		if s.tls != nil {
			b.WriteString(s.tls.confLines(sn.port))
		} else {
			fmt.Fprintf(&b, "port %d\n", sn.port)
		}
		fmt.Fprintf(&b, "bind 127.0.0.1\ndir %s\n", dir)
		if s.sentinelPassword != "" {
			fmt.Fprintf(&b, "requirepass %s\n", s.sentinelPassword)
		}
		fmt.Fprintf(&b, "sentinel monitor %s 127.0.0.1 %d %d\n", masterName, primaryPort, sentinelQuorum)
		fmt.Fprintf(&b, "sentinel down-after-milliseconds %s 1000\n", masterName)
		fmt.Fprintf(&b, "sentinel failover-timeout %s 5000\n", masterName)
		fmt.Fprintf(&b, "sentinel parallel-syncs %s 1\n", masterName)
		if s.password != "" {
			fmt.Fprintf(&b, "sentinel auth-pass %s %s\n", masterName, s.password)
		}
		return os.WriteFile(conf, []byte(b.String()), 0o600)
	})
	if err != nil {
		return nil, err
	}
	return sn, nil
}

// waitDiscovered waits until every sentinel monitors the primary, sees the
// replica connected and knows the other sentinels: only then can they agree
// that the primary is down and promote the replica.
func (s *Sentinel) waitDiscovered() error {
	var state string
	for _, sn := range s.sentinels {
		c := redis.NewSentinelClient(sn.Options())
		err := waitFor(topologyTimeout, func() string { return "sentinel " + sn.Addr() + " not ready: " + state }, func() bool {
			state = sentinelReady(c)
			return state == ""
		})
		_ = c.Close()
		if err != nil {
			return fmt.Errorf("%w\nsentinel output:\n%s", err, sn.Output())
		}
	}
	return nil
}

// sentinelReady returns "" when the sentinel c is ready for a failover, or
// what it is still missing.
func sentinelReady(c *redis.SentinelClient) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	m, err := c.Master(ctx, masterName).Result()
	if err != nil {
		return err.Error()
	}
	if m["flags"] != "master" || m["num-slaves"] != "1" || m["num-other-sentinels"] != strconv.Itoa(sentinelCount-1) {
		return fmt.Sprintf("master %v", m)
	}
	replicas, err := c.Replicas(ctx, masterName).Result()
	if err != nil {
		return err.Error()
	}
	if len(replicas) != 1 || replicas[0]["flags"] != "slave" || replicas[0]["master-link-status"] != "ok" {
		return fmt.Sprintf("replicas %v", replicas)
	}
	return ""
}

// MasterName returns the name the sentinels monitor the primary under.
func (s *Sentinel) MasterName() string { return masterName }

// SentinelAddrs returns host:port of every sentinel.
func (s *Sentinel) SentinelAddrs() []string {
	addrs := make([]string, len(s.sentinels))
	for i, sn := range s.sentinels {
		addrs[i] = sn.Addr()
	}
	return addrs
}

// Primary returns the current primary: the first one until WaitFailover
// saw the replica promoted.
func (s *Sentinel) Primary() *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.servers[s.primary]
}

// Replica returns the server that is not the current primary (after a
// failover, the old primary, killed or not).
func (s *Sentinel) Replica() *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.servers[1-s.primary]
}

// FailoverOptions returns go-redis options for a client that finds the
// primary through the sentinels, with the passwords and TLS config of the
// set and short dial retries like Server.Options.
func (s *Sentinel) FailoverOptions() *redis.FailoverOptions {
	return &redis.FailoverOptions{
		MasterName:       masterName,
		SentinelAddrs:    s.SentinelAddrs(),
		SentinelPassword: s.sentinelPassword,
		Password:         s.password,
		TLSConfig:        s.tls.clientConfig(),
		DialTimeout:      time.Second,
		DialerRetries:    1,
		MaxRetryBackoff:  50 * time.Millisecond,
		ReadTimeout:      5 * time.Second,
		WriteTimeout:     5 * time.Second,
		DisableIdentity:  true,
	}
}

// Client returns a failover client (redis.NewFailoverClient), closed when
// the test ends.
func (s *Sentinel) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewFailoverClient(s.FailoverOptions())
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Flush deletes every key on the current primary and waits until the
// running replica has applied that too.
func (s *Sentinel) Flush(tb testing.TB) {
	tb.Helper()
	p, r := s.Primary(), s.Replica()
	p.Flush(tb)
	if !r.running() {
		return
	}
	c := redis.NewClient(p.Options())
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := c.Wait(ctx, 1, 5*time.Second).Result()
	if err != nil || n < 1 {
		tb.Fatalf("redistest: WAIT 1 on %s after FLUSHALL = %d, %v; want 1 replica in sync", p.Addr(), n, err)
	}
}

// Stop stops the sentinels, then the servers. Stopping twice does nothing.
func (s *Sentinel) Stop() {
	for _, sn := range s.sentinels {
		sn.Stop()
	}
	for _, srv := range s.servers {
		if srv != nil {
			srv.Stop()
		}
	}
}
