package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

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
}
