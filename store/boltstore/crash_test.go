package boltstore

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestKillDuringWrites kills a writing process with SIGKILL at a random
// point of its writes and checks that every write it had acknowledged is
// in the file, and that the file is consistent. While the writer runs, it
// also checks that a second process cannot open the file.
func TestKillDuringWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashWriterEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	type ack struct{ chat, post int64 }
	var acks []ack
	lines := bufio.NewScanner(stdout)
	const killAfter = 40
	for lines.Scan() {
		var a ack
		if _, err := fmt.Sscan(lines.Text(), &a.chat, &a.post); err != nil {
			t.Fatalf("writer printed %q: %v", lines.Text(), err)
		}
		acks = append(acks, a)
		if len(acks) == 1 {
			// The writer holds the file: this process must not get it.
			if s, err := Open(path); !errors.Is(err, ErrLocked) {
				if err == nil {
					s.Close()
				}
				t.Errorf("Open while another process writes = %v, want ErrLocked", err)
			}
		}
		if len(acks) == killAfter {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	// Lines written before the kill landed are acknowledged writes too:
	// they were read above until EOF.
	err = cmd.Wait()
	if !killed {
		t.Fatalf("writer ended before it was killed: %v", err)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("writer ended with %v, want killed by SIGKILL", err)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open after the writer was killed = %v", err)
	}
	defer s.Close()
	if err := s.db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}); err != nil {
		t.Fatalf("file inconsistent after kill: %v", err)
	}
	ctx := t.Context()
	for _, a := range acks {
		if _, err := s.Subscriber(ctx, a.chat); err != nil {
			t.Errorf("acknowledged subscriber %d: %v", a.chat, err)
		}
		if p, err := s.Post(ctx, a.post); err != nil || p.Title != fmt.Sprint("post ", a.chat) {
			t.Errorf("acknowledged post %d = %q, %v", a.post, p.Title, err)
		}
	}
	ids, err := s.CitySubscribers(ctx, "lyon")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acks {
		if !slices.Contains(ids, a.chat) {
			t.Errorf("CitySubscribers(lyon) lacks acknowledged chat %d", a.chat)
		}
	}
	t.Logf("writer killed after %d acknowledged writes; %d subscribers in the file", len(acks), len(ids))
}
