// Package redistest runs throwaway redis-server processes for tests.
//
// Every server listens on a free loopback port, keeps its files in a temporary
// directory and never touches a shared Redis (such as one on port 6379), so
// tests may flush and kill it freely.
//
// A test that needs its own server calls Start. A package whose tests share
// one server starts it in TestMain with StartMain, because a redis-server
// start costs tens of milliseconds and TestMain has no testing.TB:
//
//	var srv *redistest.Server
//
//	func TestMain(m *testing.M) {
//		s, stop, err := redistest.StartMain()
//		if err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		srv = s
//		code := m.Run()
//		stop()
//		os.Exit(code)
//	}
//
// and each test then calls srv.Flush(t) first.
//
// StartSentinel and StartCluster (and StartSentinelMain, StartClusterMain
// for TestMain) run the production topologies the same way: a primary with
// a replica watched by three sentinels, which a test may crash and see
// failed over (Sentinel.KillPrimary, Sentinel.WaitFailover), and a Redis
// Cluster of three primaries. They take a few seconds to start, so share
// one per package.
//
// A missing redis-server binary fails the test instead of skipping it: a
// skipped storage test looks like a passing one.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// How long a server may take to answer PING after start; generous because CI
// machines can be slow, while a healthy start takes a few milliseconds.
const (
	readyTimeout = 15 * time.Second
	pollInterval = 5 * time.Millisecond
	stopTimeout  = 5 * time.Second
	// startAttempts bounds the retries when the port picked as free was
	// taken by someone else before redis-server could bind it.
	startAttempts = 5
)

// Option changes how a server is started.
type Option func(*config)

type config struct {
	aof      bool
	password string
	args     []string

	tls              bool
	tlsFiles         *tlsFiles // shared by a server set; made per server when nil
	sentinelPassword string
}

// WithoutAOF starts the server without the append-only file, for tests that
// write a lot and never restart the server (benchmarks). Restart then loses
// all data.
func WithoutAOF() Option { return func(c *config) { c.aof = false } }

// WithPassword makes the server require password (requirepass). Client,
// Flush and URL use it.
func WithPassword(password string) Option { return func(c *config) { c.password = password } }

// WithArgs appends raw redis-server arguments, e.g. "--maxmemory", "10mb".
func WithArgs(args ...string) Option {
	return func(c *config) { c.args = append(c.args, args...) }
}

// Server is one running (or killed) redis-server.
type Server struct {
	bin      string
	dir      string
	port     int
	password string
	pre      []string  // first arguments, before --port (a sentinel's conf file)
	args     []string  // everything but --port, --dir and --cluster-port
	busPort  int       // cluster bus port (--cluster-port) of a cluster node, or 0
	tls      *tlsFiles // nil without WithTLS; then port is the TLS port

	mu   sync.Mutex
	proc *process // nil when stopped
}

// Start starts a server for the test and stops it when the test ends. It
// fails the test when redis-server is not installed or does not come up.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	return startForTest(tb, start, opts)
}

// StartMain starts a server without a testing.TB, for TestMain. stop stops
// the server and removes its directory; call it after m.Run.
func StartMain(opts ...Option) (s *Server, stop func(), err error) {
	return startForMain("redistest-", start, opts)
}

func start(dir string, opts []Option) (*Server, error) {
	s, err := newServer(dir, opts)
	if err != nil {
		return nil, err
	}
	if err := s.launchFree(nil); err != nil {
		return nil, err
	}
	return s, nil
}

// newServer returns a server configured by opts, not yet launched.
func newServer(dir string, opts []Option) (*Server, error) {
	cfg := config{aof: true}
	for _, o := range opts {
		o(&cfg)
	}
	bin, err := findBinary()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, password: cfg.password}
	s.args = []string{
		"--bind", "127.0.0.1",
		"--save", "",
		"--daemonize", "no",
		"--logfile", "",
		"--databases", "16",
	}
	if cfg.tls {
		s.tls = cfg.tlsFiles
		if s.tls == nil {
			if s.tls, err = newTLSFiles(filepath.Join(dir, "tls")); err != nil {
				return nil, fmt.Errorf("make TLS certificates: %w", err)
			}
		}
		s.args = append(s.args, s.tls.serverArgs()...)
	}
	if cfg.aof {
		s.args = append(s.args, "--appendonly", "yes")
	} else {
		s.args = append(s.args, "--appendonly", "no")
	}
	if cfg.password != "" {
		s.args = append(s.args, "--requirepass", cfg.password)
	}
	s.args = append(s.args, cfg.args...)
	return s, nil
}

// launchFree launches s on a free port. A free port can be taken by another
// process between our probe and redis-server's bind, so it tries a few
// ports before giving up. prepare, when not nil, runs once s.port is
// picked and before each launch (to write a config file naming the port or
// pick more ports).
func (s *Server) launchFree(prepare func() error) error {
	var lastErr error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return err
		}
		s.port = port
		if prepare != nil {
			if err := prepare(); err != nil {
				return err
			}
		}
		p, err := s.launch()
		if err == nil {
			s.proc = p
			return nil
		}
		lastErr = err
		if !errors.Is(err, errExited) {
			break
		}
	}
	return lastErr
}

func findBinary() (string, error) { return findTool("redis-server") }

// findTool finds a Redis executable (redis-server, redis-cli).
func findTool(name string) (string, error) {
	// Package managers install redis-server in sbin on some systems, and
	// PATH in CI is often thin, so look in the usual places too.
	searchDirs := []string{"/usr/bin", "/usr/local/bin", "/usr/sbin", "/usr/local/sbin"}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range searchDirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New(name + " not found on PATH nor in " + strings.Join(searchDirs, ", ") +
		"; install it (e.g. apt-get install redis-server, brew install redis) to run these tests")
}

// freePort asks the kernel for a free loopback port. The port is released
// before redis-server binds it, hence the retries in start.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr returns host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Password returns the password the server requires, or "".
func (s *Server) Password() string { return s.password }

// Dir returns the server's working directory (where the AOF lives).
func (s *Server) Dir() string { return s.dir }

// URL returns a redis:// URL for database 0, with the password if any
// (rediss:// with WithTLS; its client must trust CAFile).
func (s *Server) URL() string { return s.DBURL(0) }

// DBURL returns a redis:// URL for database db, with the password if any.
func (s *Server) DBURL(db int) string {
	u := url.URL{Scheme: "redis", Host: s.Addr(), Path: "/" + strconv.Itoa(db)}
	if s.tls != nil {
		u.Scheme = "rediss"
	}
	if s.password != "" {
		u.User = url.UserPassword("", s.password)
	}
	return u.String()
}

// Options returns go-redis options for database 0 of the server. Dial
// retries and backoffs are short so that tests against a killed server fail
// in well under a second instead of the defaults' several seconds.
func (s *Server) Options() *redis.Options {
	return &redis.Options{
		Addr:            s.Addr(),
		Password:        s.password,
		DialTimeout:     time.Second,
		DialerRetries:   1,
		MaxRetryBackoff: 50 * time.Millisecond,
		ReadTimeout:     5 * time.Second,
		WriteTimeout:    5 * time.Second,
		DisableIdentity: true,
		TLSConfig:       s.TLSConfig(),
	}
}

// Client returns a go-redis client for database 0, closed when the test
// ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(s.Options())
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Flush deletes every key in every database, for a clean test on a shared
// server.
func (s *Server) Flush(tb testing.TB) {
	tb.Helper()
	c := redis.NewClient(s.Options())
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.FlushAll(ctx).Err(); err != nil {
		tb.Fatalf("redistest: FLUSHALL on %s: %v", s.Addr(), err)
	}
}
