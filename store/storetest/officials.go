package storetest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

func testOfficials(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if _, err := s.Official(ctx, 7); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Official(7) = %v, want ErrNotFound", err)
		}
		if err := s.DeleteOfficial(ctx, 7); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteOfficial(7) = %v, want ErrNotFound", err)
		}
		if got := officials(t, s); len(got) != 0 {
			t.Errorf("Officials() on an empty store = %v, want none", got)
		}
	})

	t.Run("SaveListDelete", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		kyiv := time.FixedZone("EEST", 3*3600)
		grants := []store.Official{
			{UserID: 300, Username: "Mayor", Role: store.RoleEditor, GrantedBy: 1, GrantedAt: t0.In(kyiv)},
			{UserID: 5, Role: store.RoleEditor, GrantedBy: 1, GrantedAt: time.Now()},
			{UserID: 1_000_000_000_000, Username: "clerk", Role: store.RoleEditor, GrantedBy: 300, GrantedAt: t0},
		}
		for _, o := range grants {
			saveOfficial(t, s, o)
		}
		for _, o := range grants {
			got, err := s.Official(ctx, o.UserID)
			if err != nil || !equalOfficial(got, o) {
				t.Errorf("Official(%d) = %+v, %v; want %+v", o.UserID, got, err, o)
			}
		}
		wantOfficials(t, s, 5, 300, 1_000_000_000_000)

		// Saving again replaces the grant without listing it twice.
		changed := grants[0]
		changed.Role, changed.GrantedBy, changed.Username = store.RoleOwner, 5, "mayor2"
		saveOfficial(t, s, changed)
		if got, err := s.Official(ctx, 300); err != nil || !equalOfficial(got, changed) {
			t.Errorf("Official(300) after replace = %+v, %v; want %+v", got, err, changed)
		}
		wantOfficials(t, s, 5, 300, 1_000_000_000_000)
		if got := officials(t, s); len(got) == 3 && !equalOfficial(got[1], changed) {
			t.Errorf("Officials()[1] = %+v, want %+v", got[1], changed)
		}

		if err := s.DeleteOfficial(ctx, 300); err != nil {
			t.Fatalf("DeleteOfficial(300) = %v", err)
		}
		if _, err := s.Official(ctx, 300); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Official(300) after delete = %v, want ErrNotFound", err)
		}
		if err := s.DeleteOfficial(ctx, 300); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DeleteOfficial(300) = %v, want ErrNotFound", err)
		}
		wantOfficials(t, s, 5, 1_000_000_000_000)

		// A revoked official can be granted again.
		saveOfficial(t, s, grants[0])
		wantOfficials(t, s, 5, 300, 1_000_000_000_000)
	})
}

func testUsers(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if _, err := s.User(ctx, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("User(1) = %v, want ErrNotFound", err)
		}
		for _, name := range []string{"alice", "@alice", "", "@"} {
			if _, err := s.UserByUsername(ctx, name); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UserByUsername(%q) = %v, want ErrNotFound", name, err)
			}
		}
	})

	t.Run("ByUsername", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		alice := store.User{ID: 1, Username: "Alice_K", FirstName: "Аліса", SeenAt: time.Now()}
		saveUser(t, s, alice)
		saveUser(t, s, store.User{ID: 2, Username: "bob", SeenAt: t0})
		saveUser(t, s, store.User{ID: 3, FirstName: "No Username", SeenAt: t0})

		if got, err := s.User(ctx, 1); err != nil || !equalUser(got, alice) {
			t.Errorf("User(1) = %+v, %v; want %+v", got, err, alice)
		}
		if got, err := s.User(ctx, 3); err != nil || got.FirstName != "No Username" {
			t.Errorf("User(3) = %+v, %v; want the user without username", got, err)
		}
		for _, name := range []string{"Alice_K", "alice_k", "@ALICE_K", "@alice_k"} {
			if got, err := s.UserByUsername(ctx, name); err != nil || !equalUser(got, alice) {
				t.Errorf("UserByUsername(%q) = %+v, %v; want user 1", name, got, err)
			}
		}
		wantUserByName(t, s, "@Bob", 2)
		for _, name := range []string{"alice", "alice_k2", "", "@"} {
			if got, err := s.UserByUsername(ctx, name); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UserByUsername(%q) = %+v, %v; want ErrNotFound", name, got, err)
			}
		}

		// Seeing the user again updates the record and keeps the index.
		alice.SeenAt = alice.SeenAt.Add(time.Hour)
		alice.FirstName = "Alice"
		saveUser(t, s, alice)
		if got, err := s.UserByUsername(ctx, "alice_k"); err != nil || !equalUser(got, alice) {
			t.Errorf("UserByUsername(alice_k) after a second save = %+v, %v; want %+v", got, err, alice)
		}
	})

	t.Run("UsernameMoves", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		saveUser(t, s, store.User{ID: 1, Username: "alice", SeenAt: t0})
		wantUserByName(t, s, "alice", 1)

		// User 1 renames: the old name no longer finds them.
		saveUser(t, s, store.User{ID: 1, Username: "Alicia", SeenAt: t0.Add(time.Minute)})
		wantUserByName(t, s, "alicia", 1)
		if _, err := s.UserByUsername(ctx, "alice"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByUsername(alice) after user 1 renamed = %v, want ErrNotFound", err)
		}

		// User 2 takes the name user 3 still has on record: the newer
		// owner wins.
		saveUser(t, s, store.User{ID: 3, Username: "carol", SeenAt: t0})
		saveUser(t, s, store.User{ID: 2, Username: "@Carol", SeenAt: t0.Add(time.Hour)})
		wantUserByName(t, s, "carol", 2)
		// User 3 renaming must not drop the entry that is user 2's now.
		saveUser(t, s, store.User{ID: 3, Username: "dave", SeenAt: t0.Add(2 * time.Hour)})
		wantUserByName(t, s, "carol", 2)
		wantUserByName(t, s, "dave", 3)

		// Dropping the username removes the entry.
		saveUser(t, s, store.User{ID: 3, SeenAt: t0.Add(3 * time.Hour)})
		if _, err := s.UserByUsername(ctx, "dave"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByUsername(dave) after user 3 dropped it = %v, want ErrNotFound", err)
		}
		if got, err := s.User(ctx, 3); err != nil || got.Username != "" {
			t.Errorf("User(3) = %+v, %v; want the record without username", got, err)
		}
		wantUserByName(t, s, "carol", 2)
	})
}

func testDrafts(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if _, err := s.Draft(ctx, 7); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Draft(7) on an empty store = %v, want ErrNotFound", err)
		}
		starts := t0.Add(24 * time.Hour)
		want := store.Draft{
			UserID: 7, ChatID: 7, Step: "text",
			Post: store.Post{
				Kind: store.KindEvent, City: "lyon", Title: "Ярмарок", Lang: store.LangUK,
				StartsAt: &starts, PublishedAt: t0, Date: t0,
			},
			Editing: 12, Return: "preview", PastOK: true,
		}
		saveDraft(t, s, want, time.Hour)
		got := getDraft(t, s, 7)
		if !equalDraft(got, want) {
			t.Errorf("Draft(7) = %+v, want %+v", got, want)
		}
		if _, err := s.Draft(ctx, 8); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Draft(8) = %v, want ErrNotFound", err)
		}

		want.Step, want.Editing = "city", 0
		saveDraft(t, s, want, time.Hour)
		if got := getDraft(t, s, 7); !equalDraft(got, want) {
			t.Errorf("Draft(7) after replace = %+v, want %+v", got, want)
		}

		for range 2 { // deleting a missing draft is no error
			if err := s.DeleteDraft(ctx, 7); err != nil {
				t.Fatalf("DeleteDraft(7) = %v", err)
			}
		}
		if _, err := s.Draft(ctx, 7); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Draft(7) after delete = %v, want ErrNotFound", err)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		saveDraft(t, s, store.Draft{UserID: 1, Step: "kind"}, 50*time.Millisecond)
		saveDraft(t, s, store.Draft{UserID: 2, Step: "kind"}, time.Hour)
		testkit.Eventually(t, pollTimeout, func() string { return "Draft(1) with a 50ms TTL still there" }, func() bool {
			_, err := s.Draft(ctx, 1)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Draft(1) = %v", err)
			}
			return errors.Is(err, store.ErrNotFound)
		})
		if got := getDraft(t, s, 2); got.Step != "kind" {
			t.Errorf("Draft(2), saved for an hour, = %+v", got)
		}
		// Saving again after expiry starts afresh.
		saveDraft(t, s, store.Draft{UserID: 1, Step: "city"}, time.Hour)
		if got := getDraft(t, s, 1); got.Step != "city" {
			t.Errorf("Draft(1) saved after expiry = %+v, want step city", got)
		}
	})
}

func testAudit(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	if got := auditLog(t, s, 0, 10); len(got) != 0 {
		t.Errorf("AuditLog(0, 10) on an empty store = %v, want none", got)
	}
	entries := []store.AuditEntry{
		{PostID: 1, UserID: 10, At: t0, Action: "created"},
		{PostID: 2, UserID: 11, At: t0.Add(time.Minute), Action: "created"},
		{PostID: 1, UserID: 11, At: t0.Add(2 * time.Minute), Action: "edited",
			Changes: []string{"title: Old → New", "city: lyon → krakow"}},
		{PostID: 3, UserID: 10, At: t0.Add(3 * time.Minute), Action: "created"},
		{PostID: 1, UserID: 10, At: t0.Add(4 * time.Minute).In(time.FixedZone("X", 3600)), Action: "deleted"},
	}
	for _, e := range entries {
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatalf("AppendAudit(%+v) = %v", e, err)
		}
	}
	rev := func(idx ...int) []store.AuditEntry {
		out := make([]store.AuditEntry, len(idx))
		for i, j := range idx {
			out[i] = entries[j]
		}
		return out
	}
	tests := []struct {
		postID int64
		limit  int
		want   []store.AuditEntry
	}{
		{0, 10, rev(4, 3, 2, 1, 0)},
		{0, 3, rev(4, 3, 2)},
		{0, math.MaxInt, rev(4, 3, 2, 1, 0)},
		{1, 10, rev(4, 2, 0)},
		{1, 2, rev(4, 2)},
		{2, 10, rev(1)},
		{9, 10, nil},
		{0, 0, nil},
		{1, -1, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("post=%d/limit=%d", tc.postID, tc.limit), func(t *testing.T) {
			got := auditLog(t, s, tc.postID, tc.limit)
			if len(got) != len(tc.want) {
				t.Fatalf("AuditLog(%d, %d) = %d entries %+v, want %d %+v",
					tc.postID, tc.limit, len(got), got, len(tc.want), tc.want)
			}
			for i := range got {
				if !equalAudit(got[i], tc.want[i]) {
					t.Errorf("AuditLog(%d, %d)[%d] = %+v, want %+v", tc.postID, tc.limit, i, got[i], tc.want[i])
				}
			}
		})
	}
}

func testSubscriberStats(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		got := subscriberStats(t, s)
		if got.Total != 0 || got.Active != 0 || got.Inactive != 0 ||
			!equalCounts(got.PerCity, nil) || !equalCounts(got.PerLang, nil) || !equalCounts(got.PerFreq, nil) {
			t.Errorf("SubscriberStats() on an empty store = %+v, want all zero", got)
		}
	})

	t.Run("Mix", func(t *testing.T) {
		s := newStore(t)
		type sub struct {
			id     int64
			lang   store.Lang
			freq   store.Frequency
			active bool
			cities []string
		}
		for _, c := range []sub{
			{1, store.LangUK, store.FreqDaily, true, []string{"lyon", "krakow"}},
			{2, store.LangEN, store.FreqWeekly, true, []string{"lyon"}}, // deactivated below
			{3, store.LangEN, store.FreqDaily, false, []string{"lyon", "porto"}},
			{-1001, store.LangDE, store.FreqOff, true, nil},
			{5, store.LangUK, store.FreqWeekly, false, []string{"porto"}},
			{6, store.LangUK, store.FreqDaily, true, []string{"lyon", "lyon"}}, // counted once
			{7, store.LangNL, store.FreqDaily, true, []string{"porto"}},        // deleted below
		} {
			r := store.NewSubscriber(c.id, "private", c.lang, t0)
			r.Frequency, r.Active, r.Cities = c.freq, c.active, c.cities
			saveSub(t, s, r)
		}
		if err := s.SetActive(t.Context(), 2, false, t0.Add(time.Hour)); err != nil {
			t.Fatalf("SetActive(2, false) = %v", err)
		}
		if _, err := s.DeleteSubscriber(t.Context(), 7); err != nil {
			t.Fatalf("DeleteSubscriber(7) = %v", err)
		}

		got := subscriberStats(t, s)
		if got.Total != 6 || got.Active != 3 || got.Inactive != 3 {
			t.Errorf("SubscriberStats() Total/Active/Inactive = %d/%d/%d, want 6/3/3",
				got.Total, got.Active, got.Inactive)
		}
		// Only active chats count per city.
		if want := map[string]int{"lyon": 2, "krakow": 1}; !equalCounts(got.PerCity, want) {
			t.Errorf("PerCity = %v, want %v", got.PerCity, want)
		}
		// Languages and frequencies count every record.
		if want := map[store.Lang]int{store.LangUK: 3, store.LangEN: 2, store.LangDE: 1}; !equalCounts(got.PerLang, want) {
			t.Errorf("PerLang = %v, want %v", got.PerLang, want)
		}
		if want := map[store.Frequency]int{store.FreqDaily: 3, store.FreqWeekly: 2, store.FreqOff: 1}; !equalCounts(got.PerFreq, want) {
			t.Errorf("PerFreq = %v, want %v", got.PerFreq, want)
		}
	})
}

func saveOfficial(t *testing.T, s store.Store, o store.Official) {
	t.Helper()
	if err := s.SaveOfficial(t.Context(), o); err != nil {
		t.Fatalf("SaveOfficial(%d) = %v", o.UserID, err)
	}
}

func officials(t *testing.T, s store.Store) []store.Official {
	t.Helper()
	got, err := s.Officials(t.Context())
	if err != nil {
		t.Fatalf("Officials() = %v", err)
	}
	return got
}

// wantOfficials checks that Officials() lists exactly ids, in that order.
func wantOfficials(t *testing.T, s store.Store, ids ...int64) {
	t.Helper()
	var got []int64
	for _, o := range officials(t, s) {
		got = append(got, o.UserID)
	}
	if !slices.Equal(got, ids) {
		t.Errorf("Officials() = %v, want %v", got, ids)
	}
}

func saveUser(t *testing.T, s store.Store, u store.User) {
	t.Helper()
	if err := s.SaveUser(t.Context(), u); err != nil {
		t.Fatalf("SaveUser(%d, %q) = %v", u.ID, u.Username, err)
	}
}

func wantUserByName(t *testing.T, s store.Store, name string, id int64) {
	t.Helper()
	got, err := s.UserByUsername(t.Context(), name)
	if err != nil || got.ID != id {
		t.Errorf("UserByUsername(%q) = %+v, %v; want user %d", name, got, err, id)
	}
}

func saveDraft(t *testing.T, s store.Store, d store.Draft, ttl time.Duration) {
	t.Helper()
	if err := s.SaveDraft(t.Context(), d, ttl); err != nil {
		t.Fatalf("SaveDraft(%d) = %v", d.UserID, err)
	}
}

func getDraft(t *testing.T, s store.Store, userID int64) store.Draft {
	t.Helper()
	d, err := s.Draft(t.Context(), userID)
	if err != nil {
		t.Fatalf("Draft(%d) = %v", userID, err)
	}
	return d
}

func auditLog(t *testing.T, s store.Store, postID int64, limit int) []store.AuditEntry {
	t.Helper()
	got, err := s.AuditLog(t.Context(), postID, limit)
	if err != nil {
		t.Fatalf("AuditLog(%d, %d) = %v", postID, limit, err)
	}
	return got
}

func subscriberStats(t *testing.T, s store.Store) store.SubscriberStats {
	t.Helper()
	got, err := s.SubscriberStats(t.Context())
	if err != nil {
		t.Fatalf("SubscriberStats() = %v", err)
	}
	return got
}

func equalOfficial(a, b store.Official) bool {
	a.GrantedAt, b.GrantedAt = a.GrantedAt.UTC(), b.GrantedAt.UTC()
	return a == b
}

func equalUser(a, b store.User) bool {
	a.SeenAt, b.SeenAt = a.SeenAt.UTC(), b.SeenAt.UTC()
	return a == b
}

func equalDraft(a, b store.Draft) bool {
	a.Post, b.Post = normPost(a.Post), normPost(b.Post)
	return reflect.DeepEqual(a, b)
}

func equalAudit(a, b store.AuditEntry) bool {
	a.At, b.At = a.At.UTC(), b.At.UTC()
	if len(a.Changes) == 0 && len(b.Changes) == 0 {
		a.Changes, b.Changes = nil, nil
	}
	return reflect.DeepEqual(a, b)
}
