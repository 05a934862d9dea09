package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/partnerbot/partnerbot/internal/feeds"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// httpGetBytes GETs url and returns the status, headers and body.
func httpGetBytes(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// A post's photo is downloaded from Telegram once, kept in the store (on
// disk under STATE_DIR for the embedded store, in Redis otherwise) and
// served from there; the Atom feed links it; once the post is deleted its
// photos are 404.
func TestMediaServedOnceCachedAndLinked(t *testing.T) {
	e := newEnv(t)
	e.cfg.PublicURL = "https://partners.example.org"
	e.start()
	base, st, ctx := e.httpURL(), e.store(), t.Context()

	e.tg.RegisterPhoto("AgACmediaOne", nil)
	e.tg.RegisterPhoto("AgACmediaTwo", nil)
	want := telegramtest.FakeJPEG("AgACmediaOne", 2048)
	now := time.Now().UTC().Truncate(time.Second)
	change := func(cause, action string) store.Change {
		return store.Change{Cause: cause, Audit: store.AuditEntry{UserID: 1, At: now, Action: action}}
	}
	p, _, err := st.PublishPost(ctx, store.Post{Kind: store.KindVisit, City: "krefeld", Lang: store.LangEN,
		Title: "Visit with photos", Text: "Two photos.", Date: now, PublishedAt: now, UpdatedAt: now,
		Photos: []store.Photo{{FileID: "AgACmediaOne", UniqueID: "AQADmediaOne"}, {FileID: "AgACmediaTwo", UniqueID: "AQADmediaTwo"}},
	}, change("test:media", "created"))
	if err != nil {
		t.Fatal(err)
	}
	one, two := feeds.MediaPath(p.ID, "AQADmediaOne"), feeds.MediaPath(p.ID, "AQADmediaTwo")

	for i := range 2 {
		code, h, body := httpGetBytes(t, base+one)
		if code != 200 || !bytes.Equal(body, want) {
			t.Fatalf("GET %s (%d) = %d, %d bytes; want the photo's %d", one, i, code, len(body), len(want))
		}
		if h.Get("Content-Type") != "image/jpeg" || h.Get("ETag") != `"AQADmediaOne"` || h.Get("Cache-Control") != "public, max-age=3600" {
			t.Errorf("headers = %v", h)
		}
	}
	if n := e.tg.Downloads("AgACmediaOne"); n != 1 {
		t.Errorf("Downloads = %d after two requests, want 1", n)
	}
	// The cache is the store's, so every replica serves it without
	// asking Telegram.
	if got, ct, err := st.Media(ctx, "AQADmediaOne"); err != nil || !bytes.Equal(got, want) || ct != "image/jpeg" {
		t.Errorf("store's cached photo = %d bytes, %q, %v", len(got), ct, err)
	}
	if e.cfg.RedisURL == "" {
		if _, err := os.Stat(filepath.Join(e.cfg.StateDir, "media", "AQADmediaOne")); err != nil {
			t.Errorf("photo not on disk under STATE_DIR: %v", err)
		}
	}

	// The feed links both photos, under PUBLIC_URL, as enclosures.
	code, _, body := httpGetBytes(t, base+"/feed.atom?lang=en")
	if code != 200 {
		t.Fatalf("/feed.atom = %d", code)
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, item := range feed.Items {
		if item.Title == "Visit with photos" {
			for _, enc := range item.Enclosures {
				links = append(links, enc.URL)
			}
		}
	}
	if wantLinks := []string{e.cfg.PublicURL + one, e.cfg.PublicURL + two}; !slices.Equal(links, wantLinks) {
		t.Errorf("feed enclosures = %q, want %q", links, wantLinks)
	}

	// Unknown and deleted posts have no photos, cached or not.
	if code, _, _ := httpGetBytes(t, base+feeds.MediaPath(p.ID+1000, "AQADmediaOne")); code != 404 {
		t.Errorf("unknown post's photo = %d, want 404", code)
	}
	if _, _, err := st.RemovePost(ctx, p.ID, change("test:media-delete", "deleted")); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{one, two} {
		if code, _, _ := httpGetBytes(t, base+path); code != 404 {
			t.Errorf("deleted post's photo %s = %d, want 404", path, code)
		}
	}
	if n := e.tg.Downloads("AgACmediaTwo"); n != 0 {
		t.Errorf("a deleted post's photo was downloaded %d times", n)
	}
}

// The daily retention run deletes the cached photos of a deleted post
// (from STATE_DIR/media/ on the embedded store) and keeps those of a live
// post, which are then served without asking Telegram again.
func TestMediaOfDeletedPostPrunedByRetention(t *testing.T) {
	const day = 24 * time.Hour
	e := newEnv(t)
	e.cfg.AdminIDs = []int64{ownerID}
	clock := newJumpClock()
	e.now = clock.Now
	e.start()
	base, st, ctx := e.httpURL(), e.store(), t.Context()
	ranToday := func(st store.Store) func() bool {
		today := clock.Now().In(e.cfg.TimeZone).Format(time.DateOnly)
		return func() bool {
			run, ok, err := store.LastRetention(ctx, st)
			return err == nil && ok && run.Day == today && !run.FinishedAt.IsZero()
		}
	}
	// The run at start is done before anything is cached.
	eventually(t, wait, func() string { return "no retention run at start" }, ranToday(st))

	now := time.Now().UTC().Truncate(time.Second)
	change := func(cause, action string) store.Change {
		return store.Change{Cause: cause, Audit: store.AuditEntry{UserID: 1, At: now, Action: action}}
	}
	publish := func(title string, ids ...string) (store.Post, []string) {
		t.Helper()
		p := store.Post{Kind: store.KindVisit, City: "krefeld", Lang: store.LangEN,
			Title: title, Text: title + ".", Date: now, PublishedAt: now, UpdatedAt: now}
		for _, id := range ids {
			e.tg.RegisterPhoto("AgAC"+id, nil)
			p.Photos = append(p.Photos, store.Photo{FileID: "AgAC" + id, UniqueID: "AQAD" + id})
		}
		p, _, err := st.PublishPost(ctx, p, change("test:"+title, "created"))
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, ph := range p.Photos {
			path := feeds.MediaPath(p.ID, ph.UniqueID)
			if code, _, _ := httpGetBytes(t, base+path); code != 200 {
				t.Fatalf("GET %s = %d, want 200", path, code)
			}
			paths = append(paths, path)
		}
		return p, paths
	}
	_, livePaths := publish("Kept", "pruneLive")
	doomed, _ := publish("Deleted", "pruneGone1", "pruneGone2")
	onDisk := func(key string) bool {
		_, err := os.Stat(filepath.Join(e.cfg.StateDir, "media", key))
		return err == nil
	}
	cached := func(st store.Store, key string) bool {
		if !e.cfg.usesRedis() {
			return onDisk(key)
		}
		_, _, err := st.Media(ctx, key)
		return err == nil
	}
	for _, key := range []string{"AQADpruneLive", "AQADpruneGone1", "AQADpruneGone2"} {
		if !cached(st, key) {
			t.Fatalf("%s not cached after its GET", key)
		}
	}
	if _, _, err := st.RemovePost(ctx, doomed.ID, change("test:prune-delete", "deleted")); err != nil {
		t.Fatal(err)
	}

	// The next day's run, at the next start, removes the deleted post's
	// photos and keeps the live one's.
	e.stop()
	clock.advance(day)
	e.start()
	base, st = e.httpURL(), e.store()
	eventually(t, wait, func() string { return "no retention run the next day" }, ranToday(st))
	for _, key := range []string{"AQADpruneGone1", "AQADpruneGone2"} {
		if cached(st, key) {
			t.Errorf("deleted post's photo %s still cached after retention", key)
		}
	}
	if !cached(st, "AQADpruneLive") {
		t.Error("live post's photo removed by retention")
	}
	if run, _, _ := store.LastRetention(ctx, st); run.Media != 2 {
		t.Errorf("retention run = %+v, want 2 media deleted", run)
	}
	mustContain(t, e.private(ownerID, "en").ask("/stats").Plain, "0 audit entries, 2 cached photos")
	if code, _, _ := httpGetBytes(t, base+livePaths[0]); code != 200 {
		t.Errorf("live photo after retention = %d, want 200", code)
	}
	if n := e.tg.Downloads("AgACpruneLive"); n != 1 {
		t.Errorf("live photo downloaded %d times, want once (kept in the cache)", n)
	}
}
