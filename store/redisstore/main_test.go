package redisstore

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/redistest"
)

// srv is the package's shared throwaway Redis; tests that use it flush it
// first and do not run in parallel. Tests that kill or reconfigure a server
// start their own.
var srv *redistest.Server

// quiet drops go-redis's own log lines: the kill tests make it report every
// refused dial, which buries real failures in the output.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	s, stop, err := redistest.StartMain()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	stopTopologies()
	stop()
	os.Exit(code)
}

// newTestStore flushes the shared server and returns a store on it.
func newTestStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	srv.Flush(t)
	s := NewFromClient(srv.Client(t), opts...)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
