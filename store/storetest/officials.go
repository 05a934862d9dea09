package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

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

func equalOfficial(a, b store.Official) bool {
	a.GrantedAt, b.GrantedAt = a.GrantedAt.UTC(), b.GrantedAt.UTC()
	return a == b
}

func equalUser(a, b store.User) bool {
	a.SeenAt, b.SeenAt = a.SeenAt.UTC(), b.SeenAt.UTC()
	return a == b
}
