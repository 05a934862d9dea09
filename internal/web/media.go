package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// PostSource finds a post by id; store.Posts is one.
type PostSource interface {
	// Post returns the post, or store.ErrNotFound.
	Post(ctx context.Context, id int64) (store.Post, error)
}

// MediaCache keeps downloaded photos by unique id; store.MediaCache is one.
type MediaCache interface {
	PutMedia(ctx context.Context, key string, data []byte, contentType string) error
	Media(ctx context.Context, key string) (data []byte, contentType string, err error)
}

// Downloader fetches a Telegram file by file id; the bot's Telegram
// client is one. Its errors must not hold the token.
type Downloader interface {
	Download(ctx context.Context, fileID string) ([]byte, error)
}

// mediaCacheControl lets browsers, proxies and feed readers keep a photo
// for an hour. The URL names the photo by its unique id, so the bytes
// under it never change and a cached copy is never a wrong photo; the
// hour (rather than a year, immutable) bounds how long a photo of a
// deleted post stays in shared caches, and revalidating after it is a 304
// from the ETag (the unique id) without touching Telegram or the cache.
const mediaCacheControl = "public, max-age=3600"

// Defaults of Media.
const (
	defaultMaxDownloads = 4
	defaultFetchTimeout = time.Minute
)

// Media serves the photos of posts at /media/<post id>/<unique id>.jpg
// (feeds.MediaPath): the post must exist and hold that photo, else 404.
// A photo missing from the cache is downloaded once, whatever the number
// of concurrent requests for it, and stored, so every replica serves it
// from the cache afterwards. Until SetSources it answers 503.
type Media struct {
	Log *slog.Logger
	// MaxDownloads bounds concurrent downloads from Telegram (default 4):
	// a feed reader fetching every photo of a new feed at once must not
	// hold dozens of 20 MB downloads.
	MaxDownloads int
	// FetchTimeout bounds one download, waiting for a slot included
	// (default a minute).
	FetchTimeout time.Duration

	deps atomic.Pointer[mediaSources]

	once    sync.Once
	sem     chan struct{}
	waiting atomic.Int32 // downloads waiting for a slot

	mu      sync.Mutex
	flights map[string]*flight // by unique id
}

type mediaSources struct {
	posts PostSource
	cache MediaCache
	dl    Downloader
}

// flight is one download that concurrent requests for a photo share.
type flight struct {
	done    chan struct{} // closed once data, ct and err are set
	data    []byte
	ct      string
	err     error
	waiters int // requests waiting (guarded by Media.mu)
}

// downloadError marks a failure of Telegram rather than of storage.
type downloadError struct{ err error }

func (e *downloadError) Error() string { return "download: " + e.err.Error() }
func (e *downloadError) Unwrap() error { return e.err }

// SetSources makes the photos available: posts to check that a photo
// belongs to a live post, the cache and the Telegram downloader.
func (m *Media) SetSources(posts PostSource, cache MediaCache, dl Downloader) {
	m.deps.Store(&mediaSources{posts: posts, cache: cache, dl: dl})
}

func (m *Media) setup() {
	if m.Log == nil {
		m.Log = slog.New(slog.DiscardHandler)
	}
	if m.MaxDownloads <= 0 {
		m.MaxDownloads = defaultMaxDownloads
	}
	if m.FetchTimeout <= 0 {
		m.FetchTimeout = defaultFetchTimeout
	}
	m.sem = make(chan struct{}, m.MaxDownloads)
}

// ServeHTTP answers GET and HEAD; errors are short plain texts, never a
// cause (which could name a file path or worse).
func (m *Media) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.once.Do(m.setup)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	postID, key, ok := parseMediaPath(r.URL.Path)
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	src := m.deps.Load()
	if src == nil {
		unavailable(w, http.StatusServiceUnavailable, "starting")
		return
	}
	p, err := src.posts.Post(r.Context(), postID)
	if err == nil && !p.Visible() {
		err = store.ErrNotFound // nothing of a post shows before it is published
	}
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err != nil {
		m.Log.Warn("media: read post", "path", r.URL.Path, "err", err)
		unavailable(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	ph, ok := photoByKey(p, key)
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	etag := `"` + key + `"`
	if noneMatch(r.Header.Get("If-None-Match"), etag) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", mediaCacheControl)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	data, ct, err := m.load(r.Context(), src, ph)
	var dlErr *downloadError
	switch {
	case err == nil:
	case r.Context().Err() != nil:
		return // the client left; the download goes on for the cache
	case errors.As(err, &dlErr):
		m.Log.Warn("media: download photo", "path", r.URL.Path, "err", err)
		unavailable(w, http.StatusBadGateway, "photo not available from Telegram")
		return
	default:
		m.Log.Warn("media: load photo", "path", r.URL.Path, "err", err)
		unavailable(w, http.StatusServiceUnavailable, "storage unavailable")
		return
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("ETag", etag)
	h.Set("Cache-Control", mediaCacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent adds Content-Length and answers HEAD and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// load returns the photo from the cache, downloading it on a miss.
func (m *Media) load(ctx context.Context, src *mediaSources, ph store.Photo) ([]byte, string, error) {
	data, ct, err := src.cache.Media(ctx, ph.UniqueID)
	if err == nil {
		return data, ct, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, "", err
	}
	return m.shared(ctx, src, ph)
}

// shared joins the download of ph in flight, or starts one. The download
// runs apart from the request that started it, so that request giving up
// fails nobody else and the photo still reaches the cache.
func (m *Media) shared(ctx context.Context, src *mediaSources, ph store.Photo) ([]byte, string, error) {
	m.mu.Lock()
	f := m.flights[ph.UniqueID]
	if f == nil {
		if m.flights == nil {
			m.flights = map[string]*flight{}
		}
		f = &flight{done: make(chan struct{})}
		m.flights[ph.UniqueID] = f
		go m.fetch(context.WithoutCancel(ctx), src, ph, f)
	}
	f.waiters++
	m.mu.Unlock()
	select {
	case <-f.done:
		return f.data, f.ct, f.err
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
}

// fetch downloads ph into f and the cache, within a download slot.
func (m *Media) fetch(ctx context.Context, src *mediaSources, ph store.Photo, f *flight) {
	defer func() {
		m.mu.Lock()
		delete(m.flights, ph.UniqueID)
		m.mu.Unlock()
		close(f.done)
	}()
	ctx, cancel := context.WithTimeout(ctx, m.FetchTimeout)
	defer cancel()
	// A flight that ended just before this one started may have filled
	// the cache: look again rather than download twice.
	if data, ct, err := src.cache.Media(ctx, ph.UniqueID); err == nil {
		f.data, f.ct = data, ct
		return
	}
	m.waiting.Add(1)
	select {
	case m.sem <- struct{}{}:
		m.waiting.Add(-1)
	case <-ctx.Done():
		m.waiting.Add(-1)
		f.err = fmt.Errorf("waiting for a download slot: %w", ctx.Err())
		return
	}
	data, err := src.dl.Download(ctx, ph.FileID)
	<-m.sem
	if err != nil {
		f.err = &downloadError{err: err}
		return
	}
	f.data, f.ct = data, photoContentType(data)
	if err := src.cache.PutMedia(ctx, ph.UniqueID, f.data, f.ct); err != nil {
		// The bytes are good: serve them; the next miss tries again.
		m.Log.Warn("media: photo not cached", "unique_id", ph.UniqueID, "err", err)
	}
}

// photoContentType is what the bytes are when they say they are an image,
// else image/jpeg (Telegram's photos are JPEGs). Never a type a browser
// would run, such as text/html, whatever the bytes hold.
func photoContentType(data []byte) string {
	if ct := http.DetectContentType(data); strings.HasPrefix(ct, "image/") {
		return ct
	}
	return "image/jpeg"
}

// parseMediaPath reads /media/<post id>/<unique id>.jpg, accepting only
// the form feeds.MediaPath writes, so each photo has one URL.
func parseMediaPath(path string) (postID int64, key string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/media/")
	if !ok {
		return 0, "", false
	}
	idText, file, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, "", false
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != idText {
		return 0, "", false
	}
	key, ok = strings.CutSuffix(file, ".jpg")
	if !ok || !store.ValidMediaKey(key) {
		return 0, "", false
	}
	return id, key, true
}

// photoByKey finds the photo of p with unique id key.
func photoByKey(p store.Post, key string) (store.Photo, bool) {
	for _, ph := range p.Photos {
		if ph.UniqueID == key {
			return ph, true
		}
	}
	return store.Photo{}, false
}

// noneMatch reports whether an If-None-Match header matches etag: "*" or
// a list holding it, weak or strong (RFC 9110 §13.1.2 compares weakly).
func noneMatch(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// unavailable writes a short plain error that no cache may keep: the same
// request may succeed in a moment.
func unavailable(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}
