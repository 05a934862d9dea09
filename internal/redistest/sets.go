package redistest

import (
	"fmt"
	"os"
	"testing"
)

// stopper is what every Start* returns: a server or a set of them.
type stopper interface{ Stop() }

// startForTest starts a server or set in the test's temporary directory,
// stops it when the test ends, and fails the test if it does not come up.
func startForTest[T stopper](tb testing.TB, start func(dir string, opts []Option) (T, error), opts []Option) T {
	tb.Helper()
	s, err := start(tb.TempDir(), opts)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// startForMain starts a server or set without a testing.TB, for TestMain,
// in a new directory named with prefix. stop stops it and removes the
// directory; call it after m.Run.
func startForMain[T stopper](prefix string, start func(dir string, opts []Option) (T, error), opts []Option) (s T, stop func(), err error) {
	var zero T
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return zero, nil, fmt.Errorf("redistest: %w", err)
	}
	s, err = start(dir, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		return zero, nil, fmt.Errorf("redistest: %w", err)
	}
	return s, func() {
		s.Stop()
		_ = os.RemoveAll(dir)
	}, nil
}
