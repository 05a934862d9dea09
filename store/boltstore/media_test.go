package boltstore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Photos are files under media/ next to the state file, readable as
// "<type>\n<bytes>", and survive reopening.
func TestMediaOnDiskNextToStateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, DefaultFileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte{0xFF, 0xD8, 0xFF, 'j', 'p', 'g', 0xFF, 0xD9}
	if err := s.PutMedia(t.Context(), "AQADdisk", data, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "media", "AQADdisk"))
	if err != nil || !bytes.Equal(raw, append([]byte("image/jpeg\n"), data...)) {
		t.Errorf("file = %q, %v", raw, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMedia(t.Context(), "AQADdisk", data, "image/jpeg"); !errors.Is(err, ErrClosed) {
		t.Errorf("PutMedia after Close = %v, want ErrClosed", err)
	}
	s = newTestStoreAt(t, path)
	if got, ct, err := s.Media(t.Context(), "AQADdisk"); err != nil || !bytes.Equal(got, data) || ct != "image/jpeg" {
		t.Errorf("Media after reopening = %q, %q, %v", got, ct, err)
	}
}

// What a crash can leave (a temporary file, a file not written by
// PutMedia) is never served; stale temporary files are swept by the next
// write, fresh ones (a write in progress) are left alone.
func TestMediaCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := newTestStoreAt(t, filepath.Join(dir, DefaultFileName))
	media := filepath.Join(dir, "media")
	if err := os.MkdirAll(media, 0o700); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(media, ".tmp-AQADhalf-123")
	fresh := filepath.Join(media, ".tmp-AQADother-456")
	for _, f := range []string{stale, fresh} {
		if err := os.WriteFile(f, []byte("image/jpeg\n\xFF\xD8 half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(media, "AQADnohead"), []byte("no line break"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"AQADhalf", "AQADnohead"} {
		if _, _, err := s.Media(t.Context(), key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Media(%q) = %v, want ErrNotFound", key, err)
		}
	}
	if err := s.PutMedia(t.Context(), "AQADhalf", []byte("whole"), "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temporary file removed: %v", err)
	}
	if got, _, err := s.Media(t.Context(), "AQADhalf"); err != nil || string(got) != "whole" {
		t.Errorf("Media = %q, %v", got, err)
	}
}

func newTestStoreAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// PruneMedia removes the files of the entries it prunes and nothing else
// in media/: not a write in progress, not a file PutMedia did not write.
func TestPruneMediaRemovesEntriesOnly(t *testing.T) {
	s := newTestStore(t)
	media := s.mediaDir()
	if err := s.PutMedia(t.Context(), "AQADgone", []byte{0xFF, 0xD8}, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	others := []string{".tmp-AQADwriting-1", "notes.txt"}
	for _, name := range others {
		if err := os.WriteFile(filepath.Join(media, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PruneMedia(t.Context(), func(string) bool { return false }); err != nil || n != 1 {
		t.Errorf("PruneMedia = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(filepath.Join(media, "AQADgone")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pruned entry's file: %v, want removed", err)
	}
	for _, name := range others {
		if _, err := os.Stat(filepath.Join(media, name)); err != nil {
			t.Errorf("%s: %v, want left alone", name, err)
		}
	}
}
