package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/feeds"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

type fakePosts struct {
	mu    sync.Mutex
	posts map[int64]store.Post
	err   error
}

func (f *fakePosts) Post(_ context.Context, id int64) (store.Post, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return store.Post{}, f.err
	}
	p, ok := f.posts[id]
	if !ok {
		return store.Post{}, fmt.Errorf("post %d: %w", id, store.ErrNotFound)
	}
	return p, nil
}

func (f *fakePosts) delete(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.posts, id)
}

type cached struct {
	data []byte
	ct   string
}

// fakeCache is a MediaCache; forgetful drops every put, so only the
// handler's sharing can keep concurrent misses to one download.
type fakeCache struct {
	mu             sync.Mutex
	m              map[string]cached
	getErr, putErr error
	forgetful      bool
}

func (f *fakeCache) PutMedia(_ context.Context, key string, data []byte, ct string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.putErr != nil {
		return f.putErr
	}
	if !f.forgetful {
		f.m[key] = cached{append([]byte(nil), data...), ct}
	}
	return nil
}

func (f *fakeCache) Media(_ context.Context, key string) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil {
		return nil, "", f.getErr
	}
	c, ok := f.m[key]
	if !ok {
		return nil, "", store.ErrNotFound
	}
	return c.data, c.ct, nil
}

// fakeDownloader serves files by id; with a gate, each download waits
// for it to close.
type fakeDownloader struct {
	mu     sync.Mutex
	files  map[string][]byte
	calls  map[string]int
	err    error
	gate   chan struct{}
	active atomic.Int32
	peak   atomic.Int32
}

func (f *fakeDownloader) Download(ctx context.Context, fileID string) ([]byte, error) {
	n := f.active.Add(1)
	defer f.active.Add(-1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[fileID]++
	if f.err != nil {
		return nil, f.err
	}
	return f.files[fileID], nil
}

func (f *fakeDownloader) count(fileID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[fileID]
}

var jpegBytes = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{7}, 500)...)

type mediaRig struct {
	m     *Media
	posts *fakePosts
	cache *fakeCache
	dl    *fakeDownloader
}

// newMediaRig serves post 5 with photos AQADone (a JPEG) and AQADtwo
// (PNG), and post 6 with AQADtext (bytes that look like HTML).
func newMediaRig() *mediaRig {
	png := []byte("\x89PNG\r\n\x1a\n....")
	r := &mediaRig{
		m: &Media{},
		posts: &fakePosts{posts: map[int64]store.Post{
			5: {ID: 5, Photos: []store.Photo{{FileID: "AgAC1", UniqueID: "AQADone"}, {FileID: "AgAC2", UniqueID: "AQADtwo"}}},
			6: {ID: 6, Photos: []store.Photo{{FileID: "AgAC3", UniqueID: "AQADtext"}}},
		}},
		cache: &fakeCache{m: map[string]cached{}},
		dl: &fakeDownloader{calls: map[string]int{}, files: map[string][]byte{
			"AgAC1": jpegBytes, "AgAC2": png, "AgAC3": []byte("<html><script>alert(1)</script>"),
		}},
	}
	r.m.SetSources(r.posts, r.cache, r.dl)
	return r
}

func (r *mediaRig) do(method, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	r.m.ServeHTTP(w, req)
	return w
}

func TestMediaServesCachedPhoto(t *testing.T) {
	r := newMediaRig()
	path := feeds.MediaPath(5, "AQADone") // the links the feed writes
	for i := range 2 {
		w := r.do("GET", path)
		h := w.Header()
		if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), jpegBytes) {
			t.Fatalf("GET %d = %d, %d bytes", i, w.Code, w.Body.Len())
		}
		if h.Get("Content-Type") != "image/jpeg" || h.Get("ETag") != `"AQADone"` || h.Get("Cache-Control") != "public, max-age=3600" ||
			h.Get("Content-Length") != fmt.Sprint(len(jpegBytes)) || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("headers = %v", h)
		}
	}
	if n := r.dl.count("AgAC1"); n != 1 {
		t.Errorf("downloads = %d, want 1 (then the cache)", n)
	}
	if got, ct, err := r.cache.Media(t.Context(), "AQADone"); err != nil || !bytes.Equal(got, jpegBytes) || ct != "image/jpeg" {
		t.Errorf("cache = %d bytes %q %v", len(got), ct, err)
	}
	if w := r.do("HEAD", path); w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != fmt.Sprint(len(jpegBytes)) {
		t.Errorf("HEAD = %d, %d bytes, %v", w.Code, w.Body.Len(), w.Header())
	}
	// The type comes from the bytes when they are an image, and is never
	// one a browser would run.
	if w := r.do("GET", "/media/5/AQADtwo.jpg"); w.Code != 200 || w.Header().Get("Content-Type") != "image/png" {
		t.Errorf("PNG = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if w := r.do("GET", "/media/6/AQADtext.jpg"); w.Code != 200 || w.Header().Get("Content-Type") != "image/jpeg" {
		t.Errorf("HTML-looking bytes = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
}

func TestMediaNotModified(t *testing.T) {
	r := newMediaRig()
	for _, inm := range []string{`"AQADone"`, `W/"AQADone"`, `"other", "AQADone"`, `*`} {
		w := r.do("GET", "/media/5/AQADone.jpg", "If-None-Match", inm)
		if w.Code != 304 || w.Body.Len() != 0 || w.Header().Get("ETag") != `"AQADone"` || w.Header().Get("Cache-Control") == "" {
			t.Errorf("If-None-Match %s = %d %v", inm, w.Code, w.Header())
		}
	}
	if n := r.dl.count("AgAC1"); n != 0 {
		t.Errorf("a revalidation downloaded the photo %d times", n)
	}
	if w := r.do("GET", "/media/5/AQADone.jpg", "If-None-Match", `"AQADtwo"`); w.Code != 200 {
		t.Errorf("other ETag = %d, want 200", w.Code)
	}
	r.posts.delete(5)
	if w := r.do("GET", "/media/5/AQADone.jpg", "If-None-Match", `"AQADone"`); w.Code != 404 {
		t.Errorf("revalidating a deleted post's photo = %d, want 404", w.Code)
	}
}

func TestMediaNotFound(t *testing.T) {
	r := newMediaRig()
	if w := r.do("GET", "/media/5/AQADone.jpg"); w.Code != 200 {
		t.Fatalf("GET = %d", w.Code)
	}
	r.posts.delete(5) // its photo stays cached, but is not served
	for _, path := range []string{
		"/media/5/AQADone.jpg",  // deleted post
		"/media/99/AQADone.jpg", // unknown post
		"/media/6/AQADone.jpg",  // another post's photo
		"/media/6/AQADnone.jpg", // no such photo
		"/media/06/AQADtext.jpg", "/media/+6/AQADtext.jpg", "/media/0/AQADtext.jpg", "/media/-6/AQADtext.jpg",
		"/media/6/AQADtext.png", "/media/6/AQADtext", "/media/6/.jpg", "/media/6/a/AQADtext.jpg", "/media/6",
		"/media/6/..%2Fx.jpg", "/media/9999999999999999999999/AQADtext.jpg",
	} {
		w := r.do("GET", path)
		if w.Code != 404 || strings.TrimSpace(w.Body.String()) != "not found" {
			t.Errorf("GET %s = %d %q, want 404 not found", path, w.Code, w.Body.String())
		}
	}
	if n := r.dl.count("AgAC3"); n != 0 {
		t.Errorf("bad paths downloaded %d times", n)
	}
	if w := r.do("POST", "/media/6/AQADtext.jpg"); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d %v", w.Code, w.Header())
	}
}

// Telegram failing is 502, storage failing 503; neither is cached, and the
// body says nothing of the cause.
func TestMediaFailures(t *testing.T) {
	const token = "7351946820:AAHk3vQ9-secretTOKEN"
	check := func(name string, w *httptest.ResponseRecorder, code int) {
		t.Helper()
		if w.Code != code || w.Header().Get("Cache-Control") != "no-store" ||
			strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "AgAC") || w.Body.Len() > 60 {
			t.Errorf("%s = %d %v %q, want %d, short and uncached", name, w.Code, w.Header(), w.Body.String(), code)
		}
	}

	r := newMediaRig()
	r.dl.err = errors.New(`Get "https://api.telegram.org/file/bot` + token + `/photos/file_1.jpg": refused`)
	check("download failed", r.do("GET", "/media/5/AQADone.jpg"), 502)
	r.dl.err = nil
	if w := r.do("GET", "/media/5/AQADone.jpg"); w.Code != 200 {
		t.Errorf("after Telegram recovered = %d, want 200", w.Code)
	}

	check("not set up", (&mediaRig{m: &Media{}}).do("GET", "/media/5/AQADone.jpg"), 503)

	r = newMediaRig()
	r.posts.err = fmt.Errorf("read: %w", store.ErrUnavailable)
	check("posts unavailable", r.do("GET", "/media/5/AQADone.jpg"), 503)

	r = newMediaRig()
	r.cache.getErr = fmt.Errorf("read: %w", store.ErrUnavailable)
	check("cache unavailable", r.do("GET", "/media/5/AQADone.jpg"), 503)
	if n := r.dl.count("AgAC1"); n != 0 {
		t.Errorf("downloaded %d times while the cache could not be read", n)
	}

	// A photo that cannot be cached is still served.
	r = newMediaRig()
	r.cache.putErr = store.ErrUnavailable
	if w := r.do("GET", "/media/5/AQADone.jpg"); w.Code != 200 || !bytes.Equal(w.Body.Bytes(), jpegBytes) {
		t.Errorf("uncacheable photo = %d", w.Code)
	}
}

// Ten concurrent requests for a photo nobody cached share one download,
// even when the cache keeps nothing.
func TestMediaConcurrentRequestsShareOneDownload(t *testing.T) {
	r := newMediaRig()
	r.cache.forgetful = true
	r.dl.gate = make(chan struct{})
	var wg sync.WaitGroup
	codes := make(chan int, 10)
	for range 10 {
		wg.Go(func() { codes <- r.do("GET", "/media/5/AQADone.jpg").Code })
	}
	testkit.Eventually(t, 5*time.Second, func() string { return "10 requests waiting on one download" }, func() bool {
		r.m.mu.Lock()
		defer r.m.mu.Unlock()
		f := r.m.flights["AQADone"]
		return f != nil && f.waiters == 10
	})
	close(r.dl.gate)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("status %d, want 200", c)
		}
	}
	if n := r.dl.count("AgAC1"); n != 1 {
		t.Errorf("downloads = %d, want 1", n)
	}
}

// Downloads of different photos run at most MaxDownloads at a time.
func TestMediaBoundsConcurrentDownloads(t *testing.T) {
	r := newMediaRig()
	r.m.MaxDownloads = 2
	r.dl.gate = make(chan struct{})
	var photos []store.Photo
	for i := range 6 {
		id := fmt.Sprint("AgACmany", i)
		r.dl.files[id] = jpegBytes
		photos = append(photos, store.Photo{FileID: id, UniqueID: fmt.Sprint("AQADmany", i)})
	}
	r.posts.posts[7] = store.Post{ID: 7, Photos: photos}
	var wg sync.WaitGroup
	for _, ph := range photos {
		wg.Go(func() {
			if w := r.do("GET", feeds.MediaPath(7, ph.UniqueID)); w.Code != 200 {
				t.Errorf("%s = %d", ph.UniqueID, w.Code)
			}
		})
	}
	testkit.Eventually(t, 5*time.Second, func() string {
		return fmt.Sprintf("2 downloads running (%d), 4 waiting (%d)", r.dl.active.Load(), r.m.waiting.Load())
	}, func() bool { return r.dl.active.Load() == 2 && r.m.waiting.Load() == 4 })
	close(r.dl.gate)
	wg.Wait()
	if p := r.dl.peak.Load(); p != 2 {
		t.Errorf("peak concurrent downloads = %d, want 2", p)
	}
}
