package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// The media cache lives on disk next to the state file, not in it: bbolt
// keeps every page it ever used, so megabytes of photos would swell the
// file (and each fsynced commit) for good, and files are what operators
// can inspect, back up or delete (the cache refills itself).
//
// Layout: <dir of the state file>/media/<key>, one file per entry holding
// the content type, a line break, then the bytes. One file, not a sidecar,
// because a rename replaces one file atomically and two would not be
// replaced together. Every entry is written to a temporary file, fsynced
// and renamed over the old one, and the directory fsynced: a crash leaves
// the old entry or the new one, never half a photo. Temporary files of a
// crashed write are swept by a later PutMedia or PruneMedia. PruneMedia
// removes entries' files; files whose names are not media keys (nothing
// PutMedia wrote) are left alone.
const (
	mediaDirName    = "media"
	mediaTempPrefix = ".tmp-"
	staleTempAfter  = time.Hour // no write takes that long; an older temp file is a crash's
)

// mediaDir is where the entries live.
func (s *Store) mediaDir() string { return filepath.Join(filepath.Dir(s.path), mediaDirName) }

// PutMedia implements store.MediaCache.
func (s *Store) PutMedia(ctx context.Context, key string, data []byte, contentType string) error {
	op := fmt.Sprintf("put media %q", key)
	if err := store.CheckMedia(key, data, contentType); err != nil {
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	if err := s.usable(ctx); err != nil {
		return wrapErr(err, op)
	}
	dir := s.mediaDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return wrapErr(err, op)
	}
	if err := writeAtomically(dir, key, []byte(contentType+"\n"), data); err != nil {
		return wrapErr(err, op)
	}
	sweepStaleTemps(dir)
	return nil
}

// Media implements store.MediaCache.
func (s *Store) Media(ctx context.Context, key string) ([]byte, string, error) {
	op := fmt.Sprintf("get media %q", key)
	if !store.ValidMediaKey(key) {
		return nil, "", notFound(op) // nothing can be stored under it
	}
	if err := s.usable(ctx); err != nil {
		return nil, "", wrapErr(err, op)
	}
	raw, err := os.ReadFile(filepath.Join(s.mediaDir(), key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", notFound(op)
	}
	if err != nil {
		return nil, "", wrapErr(err, op)
	}
	ct, data, ok := bytes.Cut(raw, []byte("\n"))
	if !ok || len(ct) == 0 || len(data) == 0 {
		// Not written by PutMedia (renames are atomic): treat it as
		// absent, so the caller downloads the file again and replaces it.
		return nil, "", notFound(op)
	}
	return data, string(ct), nil
}

// PruneMedia implements store.MediaCache: it removes the file of every
// entry keep refuses.
func (s *Store) PruneMedia(ctx context.Context, keep func(key string) bool) (int, error) {
	const op = "prune media"
	if err := s.usable(ctx); err != nil {
		return 0, wrapErr(err, op)
	}
	dir := s.mediaDir()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil // nothing cached yet
	}
	if err != nil {
		return 0, wrapErr(err, op)
	}
	n := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return n, wrapErr(err, op)
		}
		name := e.Name()
		if !e.Type().IsRegular() || !store.ValidMediaKey(name) || keep(name) {
			continue // temporary files start with '.', not a key's letter
		}
		err := os.Remove(filepath.Join(dir, name))
		switch {
		case err == nil:
			n++
		case errors.Is(err, fs.ErrNotExist):
			// removed meanwhile (another prune): nothing to do
		default:
			return n, wrapErr(err, op)
		}
	}
	if n > 0 {
		if err := syncDir(dir); err != nil {
			return n, wrapErr(err, op)
		}
	}
	sweepStaleTemps(dir)
	return n, nil
}

// writeAtomically replaces dir/name with head followed by body: written
// to a temporary file in dir, fsynced, renamed over name, and the
// directory fsynced so the rename survives a power loss.
func writeAtomically(dir, name string, head, body []byte) (err error) {
	f, err := os.CreateTemp(dir, mediaTempPrefix+name+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(head); err != nil {
		return err
	}
	if _, err = f.Write(body); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// sweepStaleTemps removes temporary files that a crashed write left
// behind. Writes are rare (one per photo), so scanning then is cheap; a
// failure only leaves garbage for the next sweep. File times are the wall
// clock's, so it is compared with time.Now, not the store's clock.
func sweepStaleTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), mediaTempPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTempAfter {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
