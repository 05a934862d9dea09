package storetest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testRetention pins down what retention reads and deletes: when a chat
// became inactive, the inactive chats a page at a time, deleting a chat
// only while expired, and pruning the oldest audit entries.
func testRetention(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("InactiveSince", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		saveSub(t, s, store.NewSubscriber(9, "private", store.LangUK, t0))
		off := t0.Add(time.Hour)
		steps := []struct {
			active    bool
			at        time.Time
			wantSince time.Time
		}{
			{false, off, off},
			{false, off.Add(time.Hour), off}, // found gone again: the first moment stays
			{true, off.Add(2 * time.Hour), time.Time{}},
			{false, off.Add(3 * time.Hour), off.Add(3 * time.Hour)},
		}
		for i, st := range steps {
			if err := s.SetActive(ctx, 9, st.active, st.at); err != nil {
				t.Fatalf("step %d: SetActive(9, %t) = %v", i, st.active, err)
			}
			got := getSub(t, s, 9)
			if got.Active != st.active || !got.InactiveSince.Equal(st.wantSince) || !got.UpdatedAt.Equal(st.at) {
				t.Errorf("step %d: Active %t InactiveSince %v UpdatedAt %v; want %t %v %v",
					i, got.Active, got.InactiveSince, got.UpdatedAt, st.active, st.wantSince, st.at)
			}
		}
	})

	t.Run("InactiveSubscribersAfter", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		before := t0.Add(5 * time.Hour)
		subs := map[int64]store.Subscriber{}
		add := func(id int64, chatType string) {
			sub := store.NewSubscriber(id, chatType, store.LangNL, t0)
			sub.Cities = []string{"lyon"}
			saveSub(t, s, sub)
		}
		deactivate := func(id int64, at time.Time) {
			if err := s.SetActive(ctx, id, false, at); err != nil {
				t.Fatalf("SetActive(%d, false) = %v", id, err)
			}
		}
		for _, id := range []int64{-1001234567890, -5, 3, 4, 8, 10, 11, 12} {
			typ := "private"
			if id < 0 {
				typ = "supergroup"
			}
			add(id, typ)
		}
		deactivate(-1001234567890, t0)
		deactivate(-5, t0.Add(2*time.Hour))
		deactivate(4, t0.Add(time.Hour))
		deactivate(8, before.Add(time.Hour)) // not long enough
		deactivate(12, before)               // exactly at the cutoff: kept
		deactivate(10, t0)
		if _, err := s.DeleteSubscriber(ctx, 10); err != nil { // gone already
			t.Fatal(err)
		}
		deactivate(11, t0)
		if err := s.SetActive(ctx, 11, true, t0.Add(time.Hour)); err != nil { // came back
			t.Fatal(err)
		}
		// A record written before InactiveSince existed: its last change
		// counts.
		legacy := store.NewSubscriber(7, "private", store.LangNL, t0.Add(3*time.Hour))
		legacy.Active = false
		saveSub(t, s, legacy)
		for _, id := range []int64{-1001234567890, -5, 4, 7} {
			subs[id] = getSub(t, s, id)
		}

		page := func(after int64, limit int) []int64 {
			t.Helper()
			got, err := s.InactiveSubscribersAfter(ctx, before, after, limit)
			if err != nil {
				t.Fatalf("InactiveSubscribersAfter(%d, %d) = %v", after, limit, err)
			}
			out := make([]int64, len(got))
			for i, sub := range got {
				out[i] = sub.ChatID
				if !equalSub(sub, subs[sub.ChatID]) {
					t.Errorf("InactiveSubscribersAfter: record\n %+v\nwant\n %+v", sub, subs[sub.ChatID])
				}
			}
			return out
		}
		want := []int64{-1001234567890, -5, 4, 7}
		for _, limit := range []int{1, 2, 3, 100} {
			var all []int64
			after := int64(math.MinInt64)
			for range 100 {
				p := page(after, limit)
				if len(p) > limit {
					t.Fatalf("page of %d, limit %d", len(p), limit)
				}
				if len(p) == 0 {
					break
				}
				all = append(all, p...)
				after = p[len(p)-1]
			}
			if !slices.Equal(all, want) {
				t.Errorf("pages of %d = %v, want %v", limit, all, want)
			}
		}
		if got := page(0, 10); !slices.Equal(got, []int64{4, 7}) {
			t.Errorf("InactiveSubscribersAfter(after 0) = %v, want [4 7]", got)
		}
		if got := page(math.MinInt64, 0); len(got) != 0 {
			t.Errorf("InactiveSubscribersAfter(limit 0) = %v, want none", got)
		}
		if got := page(math.MaxInt64, 10); len(got) != 0 {
			t.Errorf("InactiveSubscribersAfter(after MaxInt64) = %v, want none", got)
		}
		// Deleting what a page returned (as retention does) leaves the rest.
		if _, err := s.DeleteSubscriber(ctx, -5); err != nil {
			t.Fatal(err)
		}
		// Back through SaveSubscriber (a migrated group, /start): no
		// longer listed.
		back := subs[4]
		back.Active, back.InactiveSince = true, time.Time{}
		saveSub(t, s, back)
		if got := page(math.MinInt64, 10); !slices.Equal(got, []int64{-1001234567890, 7}) {
			t.Errorf("after deleting -5 and reactivating 4: %v, want [-1001234567890 7]", got)
		}
		// Nothing inactive is listed while active, and active chats are
		// not what this lists.
		if got, err := s.InactiveSubscribersAfter(ctx, before.Add(24*time.Hour), math.MinInt64, 100); err != nil || len(got) != 4 {
			t.Errorf("with a later cutoff: %v, %v; want -1001234567890, 7, 8, 12", ids(got), err)
		}
	})

	t.Run("DeleteExpiredSubscriber", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		cutoff := t0.Add(24 * time.Hour)
		for _, id := range []int64{1, 2, 3} {
			sub := store.NewSubscriber(id, "private", store.LangEN, t0)
			sub.Cities = []string{"lyon"}
			saveSub(t, s, sub)
		}
		if err := s.SetActive(ctx, 1, false, t0); err != nil { // expired
			t.Fatal(err)
		}
		if err := s.SetActive(ctx, 2, false, cutoff.Add(time.Hour)); err != nil { // not yet
			t.Fatal(err)
		}
		once := store.Once{Key: "digest:x:1", TTL: time.Hour, CursorChat: 1, Cursor: t0}
		if _, err := s.EnqueueOnce(ctx, once, msg(1, "digest")); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			id   int64
			want bool
		}{{2, false}, {3, false}, {404, false}, {1, true}, {1, false}} {
			got, err := s.DeleteExpiredSubscriber(ctx, tc.id, cutoff)
			if err != nil || got != tc.want {
				t.Errorf("DeleteExpiredSubscriber(%d) = %t, %v; want %t", tc.id, got, err, tc.want)
			}
		}
		if _, err := s.Subscriber(ctx, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Subscriber(1) after deletion = %v, want ErrNotFound", err)
		}
		for _, id := range []int64{2, 3} {
			getSub(t, s, id)
		}
		wantCursors(t, s, []int64{1}, map[int64]time.Time{})
		wantSubs(t, s, "lyon", 3)
		if got, err := s.InactiveSubscribersAfter(ctx, cutoff.Add(48*time.Hour), math.MinInt64, 10); err != nil || !slices.Equal(ids(got), []int64{2}) {
			t.Errorf("inactive after deletion = %v, %v; want [2]", ids(got), err)
		}
	})

	t.Run("PruneAudit", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		// Ten entries a day apart, on three posts and none (PostID 0).
		for i := range 10 {
			e := store.AuditEntry{PostID: int64(i % 4), UserID: 10, At: t0.Add(time.Duration(i) * 24 * time.Hour), Action: fmt.Sprintf("a%d", i)}
			if err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		actions := func(log []store.AuditEntry) []string {
			var out []string
			for _, e := range log {
				out = append(out, e.Action)
			}
			return out
		}
		cutoff := t0.Add(6 * 24 * time.Hour) // entries 0..5 are older
		if n, err := s.PruneAudit(ctx, cutoff, 0); err != nil || n != 0 {
			t.Errorf("PruneAudit(limit 0) = %d, %v; want 0", n, err)
		}
		var pruned []int
		for range 10 {
			n, err := s.PruneAudit(ctx, cutoff, 4)
			if err != nil {
				t.Fatalf("PruneAudit = %v", err)
			}
			pruned = append(pruned, n)
			if n < 4 {
				break
			}
		}
		if !slices.Equal(pruned, []int{4, 2}) {
			t.Errorf("PruneAudit in pages of 4 pruned %v, want [4 2]", pruned)
		}
		if got := actions(auditLog(t, s, 0, 100)); !slices.Equal(got, []string{"a9", "a8", "a7", "a6"}) {
			t.Errorf("log of all posts after pruning = %v, want a9 a8 a7 a6", got)
		}
		for post, want := range map[int64][]string{1: {"a9"}, 2: {"a6"}, 3: {"a7"}, 0: nil} {
			if post == 0 {
				continue
			}
			if got := actions(auditLog(t, s, post, 100)); !slices.Equal(got, want) {
				t.Errorf("log of post %d after pruning = %v, want %v", post, got, want)
			}
		}
		if n, err := s.PruneAudit(ctx, cutoff, 100); err != nil || n != 0 {
			t.Errorf("PruneAudit again = %d, %v; want 0 (nothing older left)", n, err)
		}
		// New entries still go in, and post logs still read.
		e := store.AuditEntry{PostID: 2, UserID: 11, At: t0.Add(20 * 24 * time.Hour), Action: "new"}
		if err := s.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
		if got := actions(auditLog(t, s, 2, 10)); !slices.Equal(got, []string{"new", "a6"}) {
			t.Errorf("log of post 2 after a new entry = %v", got)
		}
		// Everything older than far in the future goes, posts' logs too.
		if n, err := s.PruneAudit(ctx, t0.Add(365*24*time.Hour), 100); err != nil || n != 5 {
			t.Errorf("PruneAudit(all) = %d, %v; want 5", n, err)
		}
		for _, post := range []int64{0, 1, 2, 3} {
			if got := auditLog(t, s, post, 100); len(got) != 0 {
				t.Errorf("log of post %d after pruning everything = %v", post, actions(got))
			}
		}
	})

}

func ids(subs []store.Subscriber) []int64 {
	out := make([]int64, len(subs))
	for i, s := range subs {
		out[i] = s.ChatID
	}
	return out
}
