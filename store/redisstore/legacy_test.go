package redisstore

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// keyState is what a snapshot keeps of a key: its DUMP (type, value and,
// for a stream, its consumer groups) and whether it expires.
type keyState struct {
	dump    string
	expires bool
}

// snapshot returns every key under prefix by its name after the prefix.
func snapshot(t *testing.T, c *redis.Client, prefix string) map[string]keyState {
	t.Helper()
	ctx := t.Context()
	out := map[string]keyState{}
	iter := c.Scan(ctx, 0, globEscape(prefix)+"*", 100).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		dump, err := c.Dump(ctx, key).Result()
		if err != nil {
			t.Fatalf("DUMP %s: %v", key, err)
		}
		ttl, err := c.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatalf("PTTL %s: %v", key, err)
		}
		out[strings.TrimPrefix(key, prefix)] = keyState{dump: dump, expires: ttl > 0}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fillLegacy writes a database as layout version 5 did, under the legacy
// prefix "partnerbot:": subscribers, posts with their indexes and audit,
// queued, delayed and claimed messages, once flags and digest cursors, a
// lock, limiter pauses, a draft and a memo (these four expiring). It
// returns a snapshot of it.
func fillLegacy(t *testing.T) map[string]keyState {
	t.Helper()
	ctx := t.Context()
	c := srv.Client(t)
	old := NewFromClient(c, WithPrefix(legacyPrefix))
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, city := range []string{"kyiv", "lviv", "kyiv"} {
		sub := store.NewSubscriber(int64(100+i), "private", store.LangUK, now)
		sub.Cities = []string{city}
		if err := old.SaveSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	for i, city := range []string{"kyiv", "lviv"} {
		p := store.Post{Kind: store.KindVisit, City: city, Title: "visit " + city, Text: "text",
			Lang: store.LangUK, PublishedAt: now.Add(-time.Duration(i) * time.Hour)}
		_, _, err := old.PublishPost(ctx, p, store.Change{Cause: "legacy-" + city,
			Audit: store.AuditEntry{UserID: 7, At: now, Action: "created"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.EnqueueOnce(ctx, store.Once{Key: "digest:100", TTL: time.Hour, CursorChat: 100, Cursor: now, Day: "2030-01-01"},
		outMsg(100, "one"), outMsg(100, "two")); err != nil {
		t.Fatal(err)
	}
	later := outMsg(101, "later")
	later.NotBefore = now.Add(time.Hour)
	if _, err := old.EnqueueOnce(ctx, store.Once{Key: "later:101"}, later); err != nil {
		t.Fatal(err)
	}
	if got := mustClaim(t, old, "legacy-worker", 1, 0, time.Minute); len(got) != 1 {
		t.Fatalf("Claim = %v, want one message pending", got)
	}
	if ok, err := old.TryLock(ctx, "planner", "legacy-replica", time.Hour); err != nil || !ok {
		t.Fatalf("TryLock = %t, %v", ok, err)
	}
	if err := old.Buckets().Pause(ctx, now, "pause:all", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := old.SaveDraft(ctx, store.Draft{ID: "d1", UserID: 7, ChatID: 7}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := old.SaveMemo(ctx, "m1", []byte("memo"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// The layout version of the legacy release.
	if err := c.Set(ctx, legacyPrefix+"layout", 5, 0).Err(); err != nil {
		t.Fatal(err)
	}
	snap := snapshot(t, c, legacyPrefix)
	if len(snap) < 20 {
		t.Fatalf("legacy database has %d keys: %v", len(snap), slices.Sorted(maps.Keys(snap)))
	}
	return snap
}

// checkMigrated checks that the database holds want under the default
// prefix and nothing under the legacy one, and reads it back through a
// store.
func checkMigrated(t *testing.T, c *redis.Client, want map[string]keyState) {
	t.Helper()
	ctx := t.Context()
	if left := snapshot(t, c, legacyPrefix); len(left) != 0 {
		t.Errorf("keys left under %q: %v", legacyPrefix, slices.Sorted(maps.Keys(left)))
	}
	got := snapshot(t, c, DefaultPrefix)
	if v := got["layout"]; v.dump == "" {
		t.Errorf("no layout key under %q", DefaultPrefix)
	}
	if n, err := c.Get(ctx, DefaultPrefix+"layout").Int(); err != nil || n != layoutVersion {
		t.Errorf("layout = %d, %v; want %d", n, err, layoutVersion)
	}
	for k, w := range want {
		if k == "layout" {
			continue
		}
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("key %s was not moved", k)
		case g != w:
			t.Errorf("key %s changed: expires %t, want %t; same value %t", k, g.expires, w.expires, g.dump == w.dump)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("key %s appeared", k)
		}
	}

	s := NewFromClient(c)
	if sub, err := s.Subscriber(ctx, 101); err != nil || sub.Cities[0] != "lviv" {
		t.Errorf("Subscriber(101) = %+v, %v", sub, err)
	}
	if ids, err := s.CitySubscribers(ctx, "kyiv"); err != nil || !slices.Equal(ids, []int64{100, 102}) {
		t.Errorf("CitySubscribers(kyiv) = %v, %v", ids, err)
	}
	if posts, err := s.LatestPosts(ctx, "", 10); err != nil || len(posts) != 2 {
		t.Errorf("LatestPosts = %v, %v", posts, err)
	}
	if ok, err := s.TryLock(ctx, "planner", "new-replica", time.Hour); err != nil || ok {
		t.Errorf("TryLock of the legacy replica's lock = %t, %v; want held", ok, err)
	}
	st, err := s.OutboxStats(ctx, time.Now())
	if err != nil || st.Ready != 1 || st.Pending != 1 || st.Delayed != 1 {
		t.Errorf("OutboxStats = %+v, %v; want 1 ready, 1 pending, 1 delayed", st, err)
	}
	if _, err := s.Memo(ctx, "m1"); err != nil {
		t.Errorf("Memo = %v", err)
	}
	// A repeat of a legacy enqueue finds its flag.
	if added, err := s.EnqueueOnce(ctx, store.Once{Key: "digest:100"}, outMsg(100, "again")); err != nil || added {
		t.Errorf("EnqueueOnce again = %t, %v; want the legacy flag to hold", added, err)
	}
}

func TestMigrateMovesLegacyKeys(t *testing.T) {
	s := newTestStore(t)
	c := srv.Client(t)
	want := fillLegacy(t)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	checkMigrated(t, c, want)

	// A second run changes nothing.
	before := snapshot(t, c, DefaultPrefix)
	if err := NewFromClient(c).Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate = %v", err)
	}
	if after := snapshot(t, c, DefaultPrefix); !maps.Equal(before, after) {
		t.Errorf("second Migrate changed the database")
	}
}

func TestMigrateLegacyConcurrently(t *testing.T) {
	newTestStore(t)
	c := srv.Client(t)
	want := fillLegacy(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = NewFromClient(srv.Client(t)).Migrate(context.WithoutCancel(t.Context())) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d = %v", i, err)
		}
	}
	checkMigrated(t, c, want)
}

// A crash half way leaves some keys moved, the layout key among them; the
// next start moves the rest.
func TestMigrateLegacyResumes(t *testing.T) {
	s := newTestStore(t)
	c := srv.Client(t)
	want := fillLegacy(t)
	names := slices.Sorted(maps.Keys(want))
	for i, k := range names {
		if i%2 == 0 || k == "layout" {
			if err := c.Rename(t.Context(), legacyPrefix+k, DefaultPrefix+k).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	checkMigrated(t, c, want)
}

// Data older than version 5 moves and then gets the indexes it lacked.
func TestMigrateLegacyVersion1(t *testing.T) {
	s := newTestStore(t)
	c := srv.Client(t)
	fillLegacy(t)
	ctx := t.Context()
	kinds := c.Keys(ctx, legacyPrefix+"posts:kind:*").Val()
	if len(kinds) == 0 {
		t.Fatal("no kind index to drop")
	}
	drop := append(kinds, legacyPrefix+"layout", legacyPrefix+"subs:active", legacyPrefix+"subs:inactive")
	if err := c.Del(ctx, drop...).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	counts, err := s.CountPosts(ctx, time.Time{})
	if err != nil || counts[store.KindVisit] != 2 {
		t.Errorf("CountPosts = %v, %v; want 2 visits", counts, err)
	}
	subs, err := s.ActiveSubscribersAfter(ctx, 0, 10)
	if err != nil || len(subs) != 3 {
		t.Errorf("ActiveSubscribersAfter = %v, %v; want 3", subs, err)
	}
	if n, err := c.Get(ctx, DefaultPrefix+"layout").Int(); err != nil || n != layoutVersion {
		t.Errorf("layout = %d, %v", n, err)
	}
}

// A key under both prefixes keeps both; the store uses the new one.
func TestMigrateLegacyConflict(t *testing.T) {
	s := newTestStore(t)
	c := srv.Client(t)
	ctx := t.Context()
	c.Set(ctx, legacyPrefix+"memo:m", "old", 0)
	c.Set(ctx, DefaultPrefix+"memo:m", "new", 0)
	c.Set(ctx, legacyPrefix+"memo:other", "moved", 0)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	if v, err := s.Memo(ctx, "m"); err != nil || string(v) != "new" {
		t.Errorf("Memo(m) = %q, %v; want the current key's", v, err)
	}
	if v, err := s.Memo(ctx, "other"); err != nil || string(v) != "moved" {
		t.Errorf("Memo(other) = %q, %v", v, err)
	}
	if v := c.Get(ctx, legacyPrefix+"memo:m").Val(); v != "old" {
		t.Errorf("legacy key = %q, want it left in place", v)
	}
}

// A store with a prefix of its own leaves "partnerbot:" keys alone.
func TestMigrateOtherPrefixKeepsLegacyKeys(t *testing.T) {
	s := newTestStore(t, WithPrefix("{pb}:"))
	c := srv.Client(t)
	c.Set(t.Context(), legacyPrefix+"memo:m", "old", 0)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if v := c.Get(t.Context(), legacyPrefix+"memo:m").Val(); v != "old" {
		t.Errorf("legacy key = %q, want it untouched", v)
	}
	if n := c.Exists(t.Context(), DefaultPrefix+"memo:m").Val(); n != 0 {
		t.Error("legacy key moved under the default prefix")
	}
}

func TestHasHashTag(t *testing.T) {
	for prefix, want := range map[string]bool{
		"{partnerbot}:": true,
		"app:{pb}:":     true,
		"partnerbot:":   false,
		"{}:":           false,
		"{partnerbot:":  false,
		"}{pb}:":        true,
		"{a}{b}":        true,
		"":              false,
	} {
		if got := hasHashTag(prefix); got != want {
			t.Errorf("hasHashTag(%q) = %t, want %t", prefix, got, want)
		}
	}
}
