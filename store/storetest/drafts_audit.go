package storetest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

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
