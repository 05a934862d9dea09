package boltstore

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// newTestStore opens a store in a fresh file of the test's temporary
// directory and closes it when the test ends.
func newTestStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), DefaultFileName), opts...)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newTestStore(t) })
}

func TestSecondOpenFailsAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", DefaultFileName) // directory created by Open
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer s.Close()

	began := time.Now()
	s2, err := Open(path)
	took := time.Since(began)
	if err == nil {
		s2.Close()
		t.Fatal("second Open of an open file succeeded, want ErrLocked")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if ErrLocked.Error() != "state file is in use by another partnerbot process" {
		t.Errorf("ErrLocked text = %q", ErrLocked.Error())
	}
	want := "boltstore: open " + path + ": state file is in use by another partnerbot process"
	if err.Error() != want {
		t.Errorf("second Open error = %q, want %q", err.Error(), want)
	}
	if took > 2*time.Second {
		t.Errorf("second Open took %s to fail, want at once", took)
	}
	// The failed attempt must not have released the first one's lock.
	if s4, err := Open(path); !errors.Is(err, ErrLocked) {
		if err == nil {
			s4.Close()
		}
		t.Errorf("third Open = %v, want ErrLocked", err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping of the first store = %v", err)
	}

	// Once the first is closed the file can be opened again.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s3, err := Open(path)
	if err != nil {
		t.Fatalf("Open after Close = %v", err)
	}
	s3.Close()
}
