package dump_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/boltstore"
	"github.com/partnerbot/partnerbot/store/dump"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// Both backends can be exported and imported.
var (
	_ dump.Source      = (*redisstore.Store)(nil)
	_ dump.Destination = (*redisstore.Store)(nil)
	_ dump.Source      = (*boltstore.Store)(nil)
	_ dump.Destination = (*boltstore.Store)(nil)
)

var t0 = time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func openRedis(t *testing.T, srv *redistest.Server, db int) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(t.Context(), srv.DBURL(db))
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openBolt(t *testing.T) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), boltstore.DefaultFileName))
	must(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// fill writes a bit of everything through the store interface, including
// the corners a migration must keep: group chats, inactive chats, explicit
// and seeded post ids, a deleted dataset post, a deleted newest post, a
// username that moved, and transient state that is not exported.
func fill(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	kyiv := time.FixedZone("EEST", 3*3600)

	group := store.NewSubscriber(-1001234567890, "supergroup", store.LangDE, t0.In(kyiv))
	group.Cities = []string{"lyon", "krakow"}
	group.LangChosen = true
	private := store.NewSubscriber(42, "private", store.LangUK, t0.Add(time.Minute))
	private.Cities = []string{"lyon"}
	private.Kinds = []store.Kind{store.KindEvent}
	private.Frequency = store.FreqWeekly
	inactive := store.NewSubscriber(7, "private", store.LangEN, t0)
	inactive.Cities = []string{"porto"}
	inactive.Active = false
	bare := store.NewSubscriber(8, "private", store.LangNL, time.Now()) // no cities, ns precision
	for _, sub := range []store.Subscriber{group, private, inactive, bare} {
		must(t, s.SaveSubscriber(ctx, sub))
	}

	starts := t0.Add(48 * time.Hour).In(kyiv)
	ends := starts.Add(2 * time.Hour)
	event := store.Post{Kind: store.KindEvent, City: "lyon", Title: "Концерт", Text: "<b>Текст</b> & more",
		Lang: store.LangUK, Translations: map[store.Lang]store.PostText{store.LangEN: {Title: "Concert", Text: "Text"}},
		Date: t0, StartsAt: &starts, EndsAt: &ends, Place: "Place Bellecour", Author: 9,
		PublishedAt: t0.Add(time.Hour), UpdatedAt: time.Now()}
	_, err := s.CreatePost(ctx, event)
	must(t, err)
	_, err = s.CreatePost(ctx, store.Post{ID: 20, Kind: store.KindAnnouncement, City: store.AllCities,
		Text: "explicit id, no title", PublishedAt: t0.Add(2 * time.Hour)})
	must(t, err)
	for _, key := range []string{"lyon-visit-1990", "krakow-agreement-2001", "doomed"} {
		_, err := s.SeedPost(ctx, store.Post{Kind: store.KindAgreement, City: "krakow", Title: key, Text: "Signed.",
			SeedKey: key, Date: time.Date(1990, 6, 1, 0, 0, 0, 0, time.UTC), PublishedAt: t0.Add(-24 * time.Hour)})
		must(t, err)
	}
	doomed := latestBySeed(t, s, "doomed")
	must(t, s.DeletePost(ctx, doomed.ID))
	newest, err := s.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "porto", Title: "newest", Text: "Gone.", PublishedAt: t0})
	must(t, err)
	must(t, s.DeletePost(ctx, newest.ID))

	must(t, s.SaveOfficial(ctx, store.Official{UserID: 300, Username: "mayor", Role: store.RoleEditor, GrantedBy: 1, GrantedAt: t0}))
	must(t, s.SaveOfficial(ctx, store.Official{UserID: 5, Role: store.RoleEditor, GrantedBy: 1, GrantedAt: t0.In(kyiv)}))
	must(t, s.SaveUser(ctx, store.User{ID: 3, Username: "carol", FirstName: "Carol", SeenAt: t0}))
	must(t, s.SaveUser(ctx, store.User{ID: 2, Username: "@Carol", FirstName: "Новий", SeenAt: t0.Add(time.Hour)}))
	must(t, s.SaveUser(ctx, store.User{ID: 300, Username: "Mayor", SeenAt: t0.Add(2 * time.Hour)}))

	must(t, s.AppendAudit(ctx, store.AuditEntry{PostID: 1, UserID: 9, At: t0, Action: "created"}))
	must(t, s.AppendAudit(ctx, store.AuditEntry{PostID: 1, UserID: 300, At: t0.Add(time.Minute), Action: "edited",
		Changes: []string{"title: Old → New"}}))
	must(t, s.AppendAudit(ctx, store.AuditEntry{PostID: doomed.ID, UserID: 300, At: t0.Add(2 * time.Minute), Action: "deleted"}))

	for _, chat := range []int64{42, -1001234567890} {
		ok, err := s.EnqueueOnce(ctx, store.Once{Key: fmt.Sprint("digest:", chat), TTL: time.Hour,
			CursorChat: chat, Cursor: t0.Add(1234 * time.Microsecond)}, store.OutboxMessage{ChatID: chat, Text: "digest"})
		must(t, err)
		if !ok {
			t.Fatal("EnqueueOnce = false")
		}
	}
	// Transient: not part of a dump.
	must(t, s.SaveDraft(ctx, store.Draft{UserID: 300, Step: "text"}, time.Hour))
	_, err = s.TryLock(ctx, "planner", "a", time.Hour)
	must(t, err)
}

func latestBySeed(t *testing.T, s store.Store, key string) store.Post {
	t.Helper()
	posts, err := s.LatestPosts(t.Context(), "", 100)
	must(t, err)
	for _, p := range posts {
		if p.SeedKey == key {
			return p
		}
	}
	t.Fatalf("no post with seed key %q", key)
	return store.Post{}
}

func exportJSON(t *testing.T, src dump.Source) []byte {
	t.Helper()
	d, err := dump.Export(t.Context(), src)
	must(t, err)
	var buf bytes.Buffer
	must(t, dump.WriteJSON(&buf, d))
	return buf.Bytes()
}

func importJSON(t *testing.T, dst dump.Destination, data []byte) {
	t.Helper()
	d, err := dump.ReadJSON(bytes.NewReader(data))
	must(t, err)
	must(t, dump.Import(t.Context(), dst, d))
}

// TestRoundTrip moves data Redis → JSON → bolt → JSON → Redis and
// requires every dump along the way to be identical, then checks that the
// imported stores behave like the original.
func TestRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	src := openRedis(t, srv, 0)
	fill(t, src)
	first := exportJSON(t, src)

	d, err := dump.ReadJSON(bytes.NewReader(first))
	must(t, err)
	if len(d.Subscribers) != 4 || len(d.Posts) != 4 || len(d.Seeds) != 3 || len(d.Officials) != 2 ||
		len(d.Users) != 3 || len(d.Audit) != 3 || len(d.DigestCursors) != 2 || d.LastPostID != 24 {
		t.Fatalf("dump of the fixture has %d subscribers, %d posts, %d seeds, %d officials, %d users, "+
			"%d audit entries, %d cursors, last post id %d; want 4 4 3 2 3 3 2 24\n%s",
			len(d.Subscribers), len(d.Posts), len(d.Seeds), len(d.Officials), len(d.Users),
			len(d.Audit), len(d.DigestCursors), d.LastPostID, first)
	}

	bolt := openBolt(t)
	importJSON(t, bolt, first)
	second := exportJSON(t, bolt)
	if !bytes.Equal(first, second) {
		t.Fatalf("dump after Redis → bolt differs:\n%s\nwant\n%s", second, first)
	}

	dst := openRedis(t, srv, 1)
	importJSON(t, dst, second)
	third := exportJSON(t, dst)
	if !bytes.Equal(first, third) {
		t.Fatalf("dump after bolt → Redis differs:\n%s\nwant\n%s", third, first)
	}

	for name, s := range map[string]store.Store{"bolt": bolt, "redis": dst} {
		t.Run(name, func(t *testing.T) { sameBehaviour(t, src, s) })
	}
}

// sameBehaviour checks that imported answers the bot's questions as the
// original does.
func sameBehaviour(t *testing.T, original, imported store.Store) {
	ctx := t.Context()
	for _, city := range []string{"lyon", "krakow", "porto"} {
		want, err := original.CitySubscribers(ctx, city)
		must(t, err)
		got, err := imported.CitySubscribers(ctx, city)
		must(t, err)
		if !slices.Equal(got, want) {
			t.Errorf("CitySubscribers(%s) = %v, want %v", city, got, want)
		}
	}
	wantLatest, err := original.LatestPosts(ctx, "lyon", 10)
	must(t, err)
	gotLatest, err := imported.LatestPosts(ctx, "lyon", 10)
	must(t, err)
	if len(gotLatest) != len(wantLatest) {
		t.Errorf("LatestPosts(lyon) = %d posts, want %d", len(gotLatest), len(wantLatest))
	}
	for i := range min(len(gotLatest), len(wantLatest)) {
		if gotLatest[i].ID != wantLatest[i].ID {
			t.Errorf("LatestPosts(lyon)[%d] = post %d, want %d", i, gotLatest[i].ID, wantLatest[i].ID)
		}
	}
	events, err := imported.UpcomingEvents(ctx, "lyon", t0, 10)
	must(t, err)
	if len(events) != 1 || events[0].Title != "Концерт" {
		t.Errorf("UpcomingEvents(lyon) = %v, want the concert", events)
	}
	for _, key := range []string{"doomed", "lyon-visit-1990"} {
		if created, err := imported.SeedPost(ctx, store.Post{Kind: store.KindVisit, City: "lyon", SeedKey: key}); err != nil || created {
			t.Errorf("SeedPost(%q) after import = %t, %v; want false", key, created, err)
		}
	}
	if u, err := imported.UserByUsername(ctx, "carol"); err != nil || u.ID != 2 {
		t.Errorf("UserByUsername(carol) = %d, %v; want user 2, who took the name last", u.ID, err)
	}
	if u, err := imported.UserByUsername(ctx, "@MAYOR"); err != nil || u.ID != 300 {
		t.Errorf("UserByUsername(@MAYOR) = %d, %v; want 300", u.ID, err)
	}
	// Validate checks usernames in store.NormalizeUsername's form; the
	// backends must index that same form.
	for raw, want := range map[string]int64{"@Carol": 2, " Mayor ": 300} {
		name, ok := store.NormalizeUsername(raw)
		if u, err := imported.UserByUsername(ctx, name); !ok || err != nil || u.ID != want {
			t.Errorf("UserByUsername(%q, normalized from %q) = %d, %v; want %d", name, raw, u.ID, err, want)
		}
	}
	log, err := imported.AuditLog(ctx, 1, 10)
	must(t, err)
	if len(log) != 2 || log[0].Action != "edited" {
		t.Errorf("AuditLog(1) = %+v, want edited, created", log)
	}
	cursors, err := imported.DigestCursors(ctx, []int64{42, -1001234567890, 7})
	must(t, err)
	want := t0.Add(time.Millisecond)
	if len(cursors) != 2 || !cursors[42].Equal(want) || !cursors[-1001234567890].Equal(want) {
		t.Errorf("DigestCursors = %v, want 42 and the group at %v", cursors, want)
	}
	if o, err := imported.Officials(ctx); err != nil || len(o) != 2 || o[0].UserID != 5 {
		t.Errorf("Officials = %+v, %v", o, err)
	}
	p, err := imported.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "lyon", PublishedAt: t0})
	must(t, err)
	if p.ID <= 24 {
		t.Errorf("CreatePost after import got id %d, want > 24: ids of deleted posts are not reused", p.ID)
	}
	// Transient state stays behind.
	if _, err := imported.Draft(ctx, 300); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Draft(300) after import = %v, want ErrNotFound", err)
	}
	if st, err := imported.OutboxStats(ctx, t0); err != nil || st.Ready != 0 {
		t.Errorf("OutboxStats after import = %+v, %v; want an empty outbox", st, err)
	}
}

// wantEmpty fails when s holds anything a dump would carry.
func wantEmpty(t *testing.T, s *boltstore.Store) {
	t.Helper()
	d, err := dump.Export(t.Context(), s)
	must(t, err)
	if n := len(d.Subscribers) + len(d.Posts) + len(d.Seeds) + len(d.Officials) + len(d.Users) +
		len(d.Audit) + len(d.DigestCursors); n != 0 || d.LastPostID != 0 {
		t.Errorf("store holds %d records, last post id %d after a refused import; want nothing written", n, d.LastPostID)
	}
}

func validDump(t *testing.T) []byte {
	t.Helper()
	src := openBolt(t)
	fill(t, src)
	return exportJSON(t, src)
}

func TestImportRefusesNonEmptyDestination(t *testing.T) {
	d, err := dump.ReadJSON(bytes.NewReader(validDump(t)))
	must(t, err)
	ctx := t.Context()
	for name, prepare := range map[string]func(s store.Store) error{
		"subscriber": func(s store.Store) error {
			return s.SaveSubscriber(ctx, store.NewSubscriber(1, "private", store.LangUK, t0))
		},
		"inactive subscriber": func(s store.Store) error {
			sub := store.NewSubscriber(1, "private", store.LangUK, t0)
			sub.Active = false
			return s.SaveSubscriber(ctx, sub)
		},
		"post": func(s store.Store) error {
			_, err := s.SeedPost(ctx, store.Post{Kind: store.KindVisit, City: "lyon", SeedKey: "k", PublishedAt: t0})
			return err
		},
		"post waiting for approval": func(s store.Store) error {
			_, err := s.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "lyon", Title: "t", Text: "x", Status: store.StatusPending, UpdatedAt: t0})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			dst := openBolt(t)
			must(t, prepare(dst))
			err := dump.Import(ctx, dst, d)
			if err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Fatalf("Import into a store with a %s = %v, want a refusal", name, err)
			}
			if o, err := dst.Officials(ctx); err != nil || len(o) != 0 {
				t.Errorf("Officials after a refused import = %v, %v; want none written", o, err)
			}
		})
	}
}

// Posts on their way (scheduled, rejected with a reason) move with their
// status and stay where they stood: not listed, due at their time.
func TestWorkflowPostsRoundTrip(t *testing.T) {
	ctx := t.Context()
	src := openBolt(t)
	due := t0.Add(72 * time.Hour)
	scheduled, err := src.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "lyon", Title: "later", Text: "Scheduled.",
		Author: 9, Status: store.StatusScheduled, PublishAt: &due, ScheduledBy: 9, UpdatedAt: t0})
	must(t, err)
	rejected, err := src.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "lyon", Title: "no", Text: "Rejected.",
		Author: 9, Status: store.StatusRejected, Reviewer: 5, Reason: "Wrong date.\nPlease check.", UpdatedAt: t0})
	must(t, err)
	dst := openBolt(t)
	importJSON(t, dst, exportJSON(t, src))
	for _, want := range []store.Post{scheduled, rejected} {
		got, err := dst.Post(ctx, want.ID)
		if err != nil || got.State() != want.State() || got.Reason != want.Reason || got.Reviewer != want.Reviewer ||
			(want.PublishAt != nil) != (got.PublishAt != nil) {
			t.Errorf("post #%d after the move: %+v, %v; want %+v", want.ID, got, err, want)
		}
	}
	if latest, _ := dst.LatestPosts(ctx, "", 10); len(latest) != 0 {
		t.Errorf("LatestPosts after the move lists %d posts on their way", len(latest))
	}
	if got, _ := dst.DuePosts(ctx, due, 10); len(got) != 1 || got[0].ID != scheduled.ID {
		t.Errorf("DuePosts at its time = %+v, want the scheduled post", got)
	}
	if got, _ := dst.PostsByStatus(ctx, store.StatusRejected, 10); len(got) != 1 || got[0].ID != rejected.ID {
		t.Errorf("PostsByStatus(rejected) = %+v, want the rejected post", got)
	}
}

func TestEmptyStoreRoundTrip(t *testing.T) {
	src := openBolt(t)
	data := exportJSON(t, src)
	for _, field := range []string{`"subscribers": []`, `"posts": []`, `"audit": []`} {
		if !bytes.Contains(data, []byte(field)) {
			t.Errorf("dump of an empty store lacks %s:\n%s", field, data)
		}
	}
	dst := openBolt(t)
	importJSON(t, dst, data)
	if again := exportJSON(t, dst); !bytes.Equal(again, data) {
		t.Errorf("empty dump changed on the way:\n%s\nwant\n%s", again, data)
	}
}
