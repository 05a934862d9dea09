// Package web is partnerbot's HTTP side: health and readiness for the
// operator, Prometheus metrics, and the public calendar and news feeds.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/partnerbot/partnerbot/internal/feeds"
	"github.com/partnerbot/partnerbot/store"
)

// Store is what the HTTP side reads.
type Store interface {
	Ping(ctx context.Context) error
	LatestPosts(ctx context.Context, city string, limit int) ([]store.Post, error)
	UpcomingEvents(ctx context.Context, city string, from time.Time, limit int) ([]store.Post, error)
	// RSVPCounts gives the calendar the number going to each event.
	RSVPCounts(ctx context.Context, eventIDs []int64) (map[int64]store.Turnout, error)
}

// Server serves the endpoints.
type Server struct {
	Data *store.Dataset
	// Registry holds the metrics; nil serves no /metrics.
	Registry *prometheus.Registry
	// TelegramReached reports whether the bot reached Telegram since start.
	TelegramReached func() bool
	// PublicURL is where residents reach this server (PUBLIC_URL); it
	// names the feeds' own links. May be empty.
	PublicURL string
	Log       *slog.Logger
	Now       store.NowFunc

	// channel is the city's channel (CHANNEL_ID), reported by /readyz;
	// nil without one.
	channel atomic.Pointer[ChannelCheck]

	// st is set once storage is reachable; until then /readyz says so
	// and the feeds answer 503.
	st atomic.Pointer[Store]
}

// SetChannel makes /readyz report the bot's rights in the city's channel.
func (s *Server) SetChannel(c *ChannelCheck) { s.channel.Store(c) }

// SetStore makes the storage available to the handlers.
func (s *Server) SetStore(st Store) { s.st.Store(&st) }

func (s *Server) store() Store {
	if p := s.st.Load(); p != nil {
		return *p
	}
	return nil
}

const (
	feedEvents = 200 // events in one calendar
	feedPosts  = 50  // entries in one Atom feed
)

// Handler routes every endpoint. Method and path mismatches get 405 and
// 404 from the mux.
func (s *Server) Handler() http.Handler {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.Registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /events.ics", func(w http.ResponseWriter, r *http.Request) { s.calendar(w, r, "") })
	mux.HandleFunc("GET /events/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.perCity(w, r, ".ics", s.calendar)
	})
	mux.HandleFunc("GET /feed.atom", func(w http.ResponseWriter, r *http.Request) { s.atom(w, r, "") })
	mux.HandleFunc("GET /feed/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.perCity(w, r, ".atom", s.atom)
	})
	return mux
}

// MetricsHandler serves /metrics, and /healthz so the listener itself can
// be checked, on an address of its own (METRICS_ADDR): operators who
// expose the feeds keep metrics off the public listener. Give the public
// Server a nil Registry then.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	reason := ""
	switch {
	case s.store() == nil || s.store().Ping(ctx) != nil:
		reason = "storage does not answer"
	case s.TelegramReached == nil || !s.TelegramReached():
		reason = "telegram not reached yet"
	}
	w.Header().Set("Content-Type", "application/json")
	if reason != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "not ready", "reason": reason})
		return
	}
	body := map[string]any{"status": "ready"}
	if c := s.channel.Load(); c != nil {
		body["channel"] = c.Status(ctx, s.Now())
	}
	_ = json.NewEncoder(w).Encode(body)
}

// perCity serves /events/<city>.ics and /feed/<city>.atom; an unknown city
// is 404.
func (s *Server) perCity(w http.ResponseWriter, r *http.Request, ext string, serve func(http.ResponseWriter, *http.Request, string)) {
	slug, ok := strings.CutSuffix(r.PathValue("file"), ext)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if _, ok := s.Data.Partner(slug); !ok {
		http.Error(w, "unknown city", http.StatusNotFound)
		return
	}
	serve(w, r, slug)
}

// lang reads ?lang=, defaulting to Ukrainian; a bad value is 400.
func lang(r *http.Request) (store.Lang, bool) {
	v := r.URL.Query().Get("lang")
	if v == "" {
		return store.LangUK, true
	}
	l, ok := store.ParseLang(v)
	return l, ok && len(v) == 2
}

// feedRequest checks what every feed needs: a known language and a
// storage that is up; ok is false when the answer has been written.
func (s *Server) feedRequest(w http.ResponseWriter, r *http.Request) (store.Lang, Store, bool) {
	l, ok := lang(r)
	if !ok {
		http.Error(w, "lang must be uk, en, de or nl", http.StatusBadRequest)
		return l, nil, false
	}
	st := s.store()
	if st == nil {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return l, nil, false
	}
	return l, st, true
}

func (s *Server) atom(w http.ResponseWriter, r *http.Request, city string) {
	l, st, ok := s.feedRequest(w, r)
	if !ok {
		return
	}
	posts, err := st.LatestPosts(r.Context(), city, feedPosts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := s.Data.Home.Name.In(l)
	id := "tag:" + s.host() + ",2025:feed"
	if c, ok := s.Data.Partner(city); ok {
		title += " — " + c.Name.In(l)
		id += "-" + city
	}
	self := ""
	if s.PublicURL != "" {
		self = strings.TrimRight(s.PublicURL, "/") + r.URL.Path
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	err = feeds.WriteAtom(w, feeds.Feed{Title: title, ID: id, SelfURL: self, Posts: posts, Cities: s.Data, Lang: l,
		Author: title, Updated: s.startOfDay(), Host: s.host(),
		MediaBase: strings.TrimRight(s.PublicURL, "/")})
	if err != nil {
		s.Log.Error("atom feed", "err", err)
	}
}

// startOfDay is the feed's updated time when it has no posts: stable
// within a day, so readers do not see a change on every fetch.
func (s *Server) startOfDay() time.Time { return s.Now().UTC().Truncate(24 * time.Hour) }

// host names this installation in calendar UIDs and Atom ids: the public
// host when known, else one derived from the home city.
func (s *Server) host() string {
	if u, err := url.Parse(s.PublicURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "partnerbot." + s.Data.Home.Slug
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrUnavailable) {
		status = http.StatusServiceUnavailable
	}
	s.Log.Warn("http request failed", "path", r.URL.Path, "err", err)
	http.Error(w, http.StatusText(status), status)
}

// Serve runs the server on addr until ctx ends, then shuts it down
// gracefully. Timeouts and a header limit keep slow or hostile clients
// from tying it up.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln, h, log)
}

// ServeListener is Serve on an open listener (tests pick a free port).
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
