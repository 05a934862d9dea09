package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/mmcdole/gofeed"

	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/internal/metrics"
	"github.com/partnerbot/partnerbot/store"
)

type fakeStore struct {
	posts  []store.Post
	down   bool
	counts map[int64]store.Turnout
}

func (f *fakeStore) RSVPCounts(_ context.Context, ids []int64) (map[int64]store.Turnout, error) {
	if f.down {
		return nil, store.ErrUnavailable
	}
	out := map[int64]store.Turnout{}
	for _, id := range ids {
		if t, ok := f.counts[id]; ok {
			out[id] = t
		}
	}
	return out, nil
}

func (f *fakeStore) Ping(context.Context) error {
	if f.down {
		return store.ErrUnavailable
	}
	return nil
}

func (f *fakeStore) LatestPosts(_ context.Context, city string, limit int) ([]store.Post, error) {
	if f.down {
		return nil, store.ErrUnavailable
	}
	var out []store.Post
	for _, p := range f.posts {
		if city == "" || p.City == city || p.City == store.AllCities {
			out = append(out, p)
		}
	}
	return out[:min(limit, len(out))], nil
}

func (f *fakeStore) UpcomingEvents(_ context.Context, city string, from time.Time, limit int) ([]store.Post, error) {
	var out []store.Post
	for _, p := range f.posts {
		if p.StartsAt != nil && !p.StartsAt.Before(from) && (city == "" || p.City == city) {
			out = append(out, p)
		}
	}
	return out[:min(limit, len(out))], nil
}

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newServer(t *testing.T, st *fakeStore) *httptest.Server {
	t.Helper()
	d, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	berlin := d.Partners[0].Location
	start := time.Date(2026, 12, 5, 18, 0, 0, 0, berlin)
	st.posts = append(st.posts,
		store.Post{ID: 7, Kind: store.KindEvent, City: "krefeld", Lang: store.LangUK,
			Title: "Вечір; музика, танці", Text: "Рядок 1\nРядок 2, з комою; і крапкою з комою\\ бекслеш",
			Place: "Ратуша, зал 2", StartsAt: &start, Date: start, PublishedAt: now, UpdatedAt: now},
		store.Post{ID: 8, Kind: store.KindVisit, City: "venlo", Lang: store.LangEN, Title: "Visit <b>&</b>",
			Text: "<script>alert(1)</script>", Date: now, PublishedAt: now, UpdatedAt: now},
	)
	s := &Server{Data: d, Registry: metrics.New(nil).Registry, TelegramReached: func() bool { return true },
		PublicURL: "https://partners.example.org", Now: func() time.Time { return now }}
	s.SetStore(st)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestStatusCodes(t *testing.T) {
	srv := newServer(t, &fakeStore{})
	tests := []struct {
		path string
		want int
	}{
		{"/healthz", 200},
		{"/readyz", 200},
		{"/metrics", 200},
		{"/events.ics", 200},
		{"/events/krefeld.ics", 200},
		{"/events/atlantis.ics", 404},
		{"/events/krefeld.txt", 404},
		{"/feed.atom", 200},
		{"/feed/venlo.atom", 200},
		{"/feed/atlantis.atom", 404},
		{"/events.ics?lang=fr", 400},
		{"/feed.atom?lang=english", 400},
		{"/nothing", 404},
	}
	for _, tt := range tests {
		if code, body, _ := get(t, srv.URL+tt.path); code != tt.want {
			t.Errorf("GET %s = %d, want %d (%s)", tt.path, code, tt.want, body)
		}
	}
	resp, err := http.Post(srv.URL+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", resp.StatusCode)
	}
}

func TestReadyz(t *testing.T) {
	st := &fakeStore{down: true}
	srv := newServer(t, st)
	code, body, hdr := get(t, srv.URL+"/readyz")
	if code != 503 || !strings.Contains(body, "storage") || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("readyz with storage down = %d %q", code, body)
	}
	if code, _, _ := get(t, srv.URL+"/feed.atom"); code != 503 {
		t.Errorf("feed with storage down = %d, want 503", code)
	}
	st.down = false
	if code, _, _ := get(t, srv.URL+"/readyz"); code != 200 {
		t.Errorf("readyz = %d, want 200", code)
	}

	d, _ := data.Default()
	s := &Server{Data: d, TelegramReached: func() bool { return false }}
	s.SetStore(&fakeStore{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "telegram") {
		t.Errorf("readyz before Telegram = %d %q", rec.Code, rec.Body.String())
	}
	s2 := &Server{Data: d, TelegramReached: func() bool { return true }}
	rec = httptest.NewRecorder()
	s2.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 503 {
		t.Errorf("readyz before storage = %d", rec.Code)
	}
}

func TestCalendarParsesAndKeepsText(t *testing.T) {
	srv := newServer(t, &fakeStore{})
	code, body, hdr := get(t, srv.URL+"/events/krefeld.ics")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/calendar") {
		t.Fatalf("GET = %d %s", code, hdr.Get("Content-Type"))
	}
	if strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		t.Error("a line ends without CRLF")
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	ev := evs[0]
	checks := map[ics.ComponentProperty]string{
		ics.ComponentPropertySummary:     "Вечір; музика, танці",
		ics.ComponentPropertyDescription: "Рядок 1\nРядок 2, з комою; і крапкою з комою\\ бекслеш",
		ics.ComponentPropertyUniqueId:    "post-7@partners.example.org",
		ics.ComponentPropertyDtStart:     "20261205T170000Z", // 18:00 CET
	}
	for p, want := range checks {
		got := ev.GetProperty(p)
		if got == nil || unescape(got.Value) != want {
			t.Errorf("%s = %v, want %q", p, got, want)
		}
	}
	if ev.GetProperty(ics.ComponentPropertyDtstamp) == nil {
		t.Error("no DTSTAMP")
	}
}

// The calendar tells how many are going: in X- properties and, as numbers,
// at the end of the description.
func TestCalendarCountsGoing(t *testing.T) {
	srv := newServer(t, &fakeStore{counts: map[int64]store.Turnout{7: {Going: 12, Waiting: 3}}})
	_, body, _ := get(t, srv.URL+"/events/krefeld.ics")
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	ev := cal.Events()[0]
	got := map[string]string{}
	for _, p := range ev.Properties {
		got[p.IANAToken] = p.Value
	}
	if got["X-PARTNERBOT-GOING"] != "12" || got["X-PARTNERBOT-CAPACITY"] != "" {
		t.Errorf("X- properties %v, want GOING 12 and no capacity", got)
	}
	if d := unescape(got["DESCRIPTION"]); !strings.HasSuffix(d, "\n\n👥 12") {
		t.Errorf("DESCRIPTION = %q, want the count last", d)
	}
}

// unescape undoes RFC 5545 text escaping, for comparing parsed values.
func unescape(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`)
	return r.Replace(s)
}

func TestAtomParses(t *testing.T) {
	srv := newServer(t, &fakeStore{})
	code, body, hdr := get(t, srv.URL+"/feed.atom?lang=en")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("GET = %d %s", code, hdr.Get("Content-Type"))
	}
	feed, err := gofeed.NewParser().ParseString(body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if feed.FeedType != "atom" || len(feed.Items) != 2 {
		t.Fatalf("type %s, %d items", feed.FeedType, len(feed.Items))
	}
	var found bool
	for _, it := range feed.Items {
		if it.Title == "Visit <b>&</b>" {
			found = true
			if it.Content != "<script>alert(1)</script>" {
				t.Errorf("content = %q", it.Content)
			}
		}
	}
	if !found {
		t.Errorf("entry with HTML-like title missing: %+v", feed.Items)
	}
	if strings.Contains(body, "<script>") {
		t.Error("content not escaped in the document")
	}
	if !strings.Contains(body, `href="https://partners.example.org/feed.atom"`) {
		t.Error("no self link")
	}
}

func TestServeLimitsHeadersAndShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, _ := data.Default()
	s := &Server{Data: d}
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, s.Handler(), nil) }()
	url := "http://" + ln.Addr().String()
	req, _ := http.NewRequest("GET", url+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("huge header = %d, want 431", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeListener: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not shut down")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

type fakeRights struct {
	missing []string
	err     error
	calls   int
}

func (f *fakeRights) MissingChannelRights(context.Context, int64) ([]string, error) {
	f.calls++
	return f.missing, f.err
}

// /readyz names what the bot lacks in the city's channel without turning
// unready, never shows Telegram's error text, and asks Telegram at most
// once per 30 seconds.
func TestReadyzChannel(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	rights := &fakeRights{missing: []string{"post", "delete"}}
	d, _ := data.Default()
	s := &Server{Data: d, TelegramReached: func() bool { return true }, Now: func() time.Time { return now }}
	s.SetStore(&fakeStore{})
	s.SetChannel(&ChannelCheck{Name: "@city_partners", ID: -100123, Rights: rights})
	body := func() (int, map[string]any) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("readyz body %q: %v", rec.Body.String(), err)
		}
		return rec.Code, out
	}
	code, out := body()
	ch, _ := out["channel"].(map[string]any)
	if code != 200 || ch["ok"] != false || fmt.Sprint(ch["missing"]) != "[post delete]" || ch["channel"] != "@city_partners" {
		t.Errorf("readyz with rights missing = %d %v", code, out)
	}
	rights.missing = nil
	if body(); rights.calls != 1 {
		t.Errorf("readyz asked Telegram %d times within 30 s, want once", rights.calls)
	}
	now = now.Add(31 * time.Second)
	if _, out = body(); out["channel"].(map[string]any)["ok"] != true {
		t.Errorf("readyz after the rights were granted = %v", out)
	}
	rights.err = errors.New("Post https://api.telegram.org/bot123:SECRET/getChatMember: timeout")
	now = now.Add(31 * time.Second)
	code, out = body()
	if code != 200 || strings.Contains(fmt.Sprint(out), "SECRET") || out["channel"].(map[string]any)["error"] == nil {
		t.Errorf("readyz when Telegram fails = %d %v", code, out)
	}
}
