package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testMedia pins down the media cache: what PutMedia stores Media returns
// byte for byte with its content type, a later put replaces it whole, and
// what store.CheckMedia refuses is refused with nothing stored.
func testMedia(t *testing.T, newStore func(t *testing.T) store.Store) {
	jpeg := func(seed string, n int) []byte {
		b := bytes.Repeat([]byte(seed), n/len(seed)+1)[:n]
		b[0], b[1] = 0xFF, 0xD8 // binary, not text: no encoding may mangle it
		return b
	}
	wantMedia := func(t *testing.T, s store.Store, key string, data []byte, ct string) {
		t.Helper()
		got, gotCT, err := s.Media(t.Context(), key)
		if err != nil || !bytes.Equal(got, data) || gotCT != ct {
			t.Errorf("Media(%q) = %d bytes, %q, %v; want %d bytes, %q", key, len(got), gotCT, err, len(data), ct)
		}
	}
	wantNoMedia := func(t *testing.T, s store.Store, key string) {
		t.Helper()
		if got, _, err := s.Media(t.Context(), key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Media(%q) = %d bytes, %v; want ErrNotFound", key, len(got), err)
		}
	}

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		wantNoMedia(t, s, "AQADmissing")
		a, b := jpeg("a\x00\n\r", 300_000), jpeg("b", 10)
		if err := s.PutMedia(ctx, "AQADa-1_x", a, "image/jpeg"); err != nil {
			t.Fatalf("PutMedia = %v", err)
		}
		if err := s.PutMedia(ctx, "AQADb", b, "image/png"); err != nil {
			t.Fatalf("PutMedia = %v", err)
		}
		wantMedia(t, s, "AQADa-1_x", a, "image/jpeg")
		wantMedia(t, s, "AQADb", b, "image/png")
		wantNoMedia(t, s, "AQADa") // keys are whole names, not prefixes

		// The caller owns what it got: changing it changes nothing stored.
		got, _, _ := s.Media(ctx, "AQADb")
		got[0] = 'x'
		wantMedia(t, s, "AQADb", b, "image/png")

		// A later put replaces data and type together.
		if err := s.PutMedia(ctx, "AQADb", []byte("GIF89a"), "image/gif"); err != nil {
			t.Fatalf("PutMedia (replace) = %v", err)
		}
		wantMedia(t, s, "AQADb", []byte("GIF89a"), "image/gif")
	})

	t.Run("Refused", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		for _, tc := range []struct {
			name, key, ct string
			data          []byte
			want          error
		}{
			{"too large", "AQADbig", "image/jpeg", make([]byte, store.MaxMediaSize+1), store.ErrMediaTooLarge},
			{"empty data", "AQADempty", "image/jpeg", nil, store.ErrBadMedia},
			{"empty key", "", "image/jpeg", []byte("x"), store.ErrBadMedia},
			{"path in key", "../AQADx", "image/jpeg", []byte("x"), store.ErrBadMedia},
			{"slash in key", "a/b", "image/jpeg", []byte("x"), store.ErrBadMedia},
			{"dot key", ".tmp-x", "image/jpeg", []byte("x"), store.ErrBadMedia},
			{"long key", strings.Repeat("k", 129), "image/jpeg", []byte("x"), store.ErrBadMedia},
			{"no type", "AQADnotype", "", []byte("x"), store.ErrBadMedia},
			{"line break in type", "AQADbreak", "image/jpeg\nX: y", []byte("x"), store.ErrBadMedia},
		} {
			err := s.PutMedia(ctx, tc.key, tc.data, tc.ct)
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: PutMedia = %v, want %v", tc.name, err, tc.want)
			}
			if tc.key != "" {
				wantNoMedia(t, s, tc.key)
			}
		}
	})

	t.Run("ConcurrentPuts", func(t *testing.T) {
		// Writers of one key race (two replicas fetched the same photo):
		// a reader gets one writer's entry whole, never a mix.
		s := newStore(t)
		payloads := map[string][]byte{}
		for i := range 6 {
			payloads[fmt.Sprint("image/x-", i)] = jpeg(fmt.Sprint(i), 64<<10)
		}
		var wg sync.WaitGroup
		for ct, data := range payloads {
			wg.Go(func() {
				if err := s.PutMedia(t.Context(), "AQADrace", data, ct); err != nil {
					t.Errorf("PutMedia = %v", err)
				}
			})
			wg.Go(func() {
				got, gotCT, err := s.Media(t.Context(), "AQADrace")
				if err == nil && !bytes.Equal(got, payloads[gotCT]) {
					t.Errorf("Media during writes: %d bytes with type %q, not that writer's", len(got), gotCT)
				} else if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Media during writes = %v", err)
				}
			})
		}
		wg.Wait()
		got, ct, err := s.Media(t.Context(), "AQADrace")
		if err != nil || !bytes.Equal(got, payloads[ct]) {
			t.Errorf("Media after the race = %d bytes, %q, %v; want one writer's entry whole", len(got), ct, err)
		}
	})

	t.Run("Prune", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if n, err := s.PruneMedia(ctx, func(string) bool { return false }); err != nil || n != 0 {
			t.Errorf("PruneMedia(empty cache) = %d, %v; want 0, nil", n, err)
		}
		for _, key := range []string{"AQADkeep", "AQADdrop1", "AQADdrop2"} {
			if err := s.PutMedia(ctx, key, jpeg(key, 100), "image/jpeg"); err != nil {
				t.Fatalf("PutMedia(%q) = %v", key, err)
			}
		}
		keep := func(key string) bool { return key == "AQADkeep" }
		if n, err := s.PruneMedia(ctx, keep); err != nil || n != 2 {
			t.Errorf("PruneMedia = %d, %v; want 2 deleted", n, err)
		}
		wantMedia(t, s, "AQADkeep", jpeg("AQADkeep", 100), "image/jpeg")
		wantNoMedia(t, s, "AQADdrop1")
		wantNoMedia(t, s, "AQADdrop2")
		if n, err := s.PruneMedia(ctx, keep); err != nil || n != 0 {
			t.Errorf("PruneMedia again = %d, %v; want 0 (idempotent)", n, err)
		}
		// A pruned key can be cached again, and pruned again.
		if err := s.PutMedia(ctx, "AQADdrop1", []byte("again"), "image/png"); err != nil {
			t.Fatalf("PutMedia(pruned key) = %v", err)
		}
		wantMedia(t, s, "AQADdrop1", []byte("again"), "image/png")
		if n, err := s.PruneMedia(ctx, keep); err != nil || n != 1 {
			t.Errorf("PruneMedia after a new put = %d, %v; want 1", n, err)
		}
		wantNoMedia(t, s, "AQADdrop1")
		wantMedia(t, s, "AQADkeep", jpeg("AQADkeep", 100), "image/jpeg")
	})

	// PruneUnusedMedia keeps the photos of published posts only: those of
	// a deleted post (DeletePost or RemovePost), of a post not published,
	// an edit replaced, or of no post at all go; a photo two posts share
	// stays while one of them is published.
	t.Run("PruneUnused", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		h := time.Hour
		withPhotos := func(p store.Post, keys ...string) store.Post {
			for _, k := range keys {
				p.Photos = append(p.Photos, store.Photo{FileID: "file-" + k, UniqueID: k})
			}
			return p
		}
		live := createPost(t, s, withPhotos(post("live", store.KindVisit, "lyon", t0), "AQADlive", "AQADedited", "AQADshared"))
		deleted := createPost(t, s, withPhotos(post("deleted", store.KindVisit, "lyon", t0.Add(h)), "AQADdeleted1", "AQADdeleted2"))
		removed := createPost(t, s, withPhotos(post("removed", store.KindVisit, "krakow", t0.Add(2*h)), "AQADremoved", "AQADshared"))
		createPost(t, s, withPhotos(withStatus("pending", store.KindVisit, "lyon", store.StatusPending, t0.Add(3*h)), "AQADpending"))
		all := []string{"AQADlive", "AQADedited", "AQADshared", "AQADdeleted1", "AQADdeleted2",
			"AQADremoved", "AQADpending", "AQADorphan", "AQADnew"}
		for _, key := range all {
			if err := s.PutMedia(ctx, key, jpeg(key, 64), "image/jpeg"); err != nil {
				t.Fatalf("PutMedia(%q) = %v", key, err)
			}
		}
		live.Photos[1] = store.Photo{FileID: "file-AQADnew", UniqueID: "AQADnew"} // an edit replaced AQADedited
		if err := s.UpdatePost(ctx, live); err != nil {
			t.Fatalf("UpdatePost = %v", err)
		}
		if err := s.DeletePost(ctx, deleted.ID); err != nil {
			t.Fatalf("DeletePost = %v", err)
		}
		if _, _, err := s.RemovePost(ctx, removed.ID, store.Change{Cause: "rm-media",
			Audit: store.AuditEntry{UserID: 1, At: t0.Add(4 * h), Action: "deleted"}}); err != nil {
			t.Fatalf("RemovePost = %v", err)
		}

		n, err := store.PruneUnusedMedia(ctx, s)
		if err != nil || n != 6 {
			t.Errorf("PruneUnusedMedia = %d, %v; want 6 deleted", n, err)
		}
		for _, key := range []string{"AQADlive", "AQADnew", "AQADshared"} {
			wantMedia(t, s, key, jpeg(key, 64), "image/jpeg")
		}
		for _, key := range []string{"AQADedited", "AQADdeleted1", "AQADdeleted2", "AQADremoved", "AQADpending", "AQADorphan"} {
			wantNoMedia(t, s, key)
		}
		if n, err := store.PruneUnusedMedia(ctx, s); err != nil || n != 0 {
			t.Errorf("PruneUnusedMedia again = %d, %v; want 0 (idempotent)", n, err)
		}
		wantMedia(t, s, "AQADlive", jpeg("AQADlive", 64), "image/jpeg")
	})
}
