package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testPrivacy pins down what /mydata exports and /stop deletes over a real
// backend: an official's own audit entries, and store.CollectChatData and
// store.Forget walking the same records.
func testPrivacy(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("UserAudit", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		var mine []store.AuditEntry
		for i := range 7 {
			e := store.AuditEntry{PostID: int64(i%3 + 1), UserID: 10 + int64(i%2), At: t0.Add(time.Duration(i) * time.Minute), Action: "created"}
			if err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
			if e.UserID == 10 {
				mine = append([]store.AuditEntry{e}, mine...) // newest first
			}
		}
		for _, tc := range []struct {
			user  int64
			limit int
			want  []store.AuditEntry
		}{
			{10, 10, mine},
			{10, 2, mine[:2]},
			{10, 0, nil},
			{99, 10, nil},
		} {
			got, err := s.UserAudit(ctx, tc.user, tc.limit)
			if err != nil {
				t.Fatalf("UserAudit(%d, %d) = %v", tc.user, tc.limit, err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("UserAudit(%d, %d) = %d entries %+v, want %d", tc.user, tc.limit, len(got), got, len(tc.want))
			}
			for i := range got {
				if !equalAudit(got[i], tc.want[i]) {
					t.Errorf("UserAudit(%d, %d)[%d] = %+v, want %+v", tc.user, tc.limit, i, got[i], tc.want[i])
				}
			}
		}
	})

	t.Run("ForgetAndCollect", func(t *testing.T) {
		// The rule of store.Forget over a real backend: the export lists
		// what /stop deletes, and after it nothing personal is left.
		s := newStore(t)
		ctx := t.Context()
		sub := store.NewSubscriber(21, "private", store.LangDE, t0)
		sub.Cities = []string{"lyon"}
		saveSub(t, s, sub)
		saveSub(t, s, store.NewSubscriber(22, "private", store.LangEN, t0))
		saveUser(t, s, store.User{ID: 21, Username: "anna", SeenAt: t0})
		saveDraft(t, s, store.Draft{ID: "w1", UserID: 21, ChatID: 21, Step: "title"}, time.Hour)
		saveOfficial(t, s, store.Official{UserID: 21, Role: store.RoleEditor, GrantedBy: 1, GrantedAt: t0})
		ev := createEvent(t, s, 1)
		rsvp(t, s, ev, store.RSVPGoing, 21, "g21")
		rsvp(t, s, ev, store.RSVPGoing, 22, "g22")
		if err := s.AppendAudit(ctx, store.AuditEntry{PostID: 5, UserID: 21, At: t0, Action: "created"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateConversation(ctx, 21, func(c *store.Conversation) error { c.OpenAt(t0); c.SetTopic(-100123, 4); return nil }); err != nil {
			t.Fatal(err)
		}
		who := store.Person{ChatID: 21, UserID: 21}
		d, err := store.CollectChatData(ctx, s, who, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		if d.Subscriber == nil || d.User == nil || d.Draft == nil || d.Conversation == nil || d.Grant == nil || d.Role != store.RoleEditor || len(d.Audit) != 1 ||
			len(d.SignUps) != 1 || d.SignUps[0].UserID != 21 {
			t.Fatalf("CollectChatData = %+v, want every record", d)
		}
		gone, err := store.Forget(ctx, s, who, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !equalSub(*gone.Subscriber, *d.Subscriber) || gone.User == nil || gone.Draft == nil || len(gone.SignUps) != 1 || gone.Conversation == nil {
			t.Errorf("Forget returned %+v, want what was collected", gone)
		}
		after, err := store.CollectChatData(ctx, s, who, "", t0)
		if err != nil {
			t.Fatal(err)
		}
		if after.Personal() || after.Grant == nil || len(after.Audit) != 1 {
			t.Errorf("after Forget: %+v; want only the office's records", after)
		}
		if _, err := s.Subscriber(ctx, 22); err != nil {
			t.Errorf("another chat's record after Forget: %v", err)
		}
		// The place given up went to the one waiting, who is told.
		if l := attendees(t, s, ev); !slices.Equal(people(l.Going), []int64{22}) {
			t.Errorf("after Forget going %v, want [22]", people(l.Going))
		}
		if got := attendeeNotices(t, s); len(got) != 1 || got[0].ChatID != 22 {
			t.Errorf("notices %+v, want 22 told of the place", got)
		}
		if _, err := store.Forget(ctx, s, who, t0); err != nil {
			t.Errorf("Forget again = %v, want nil", err)
		}
		if _, err := s.User(ctx, 21); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("User(21) after Forget = %v, want ErrNotFound", err)
		}
		if _, err := s.TopicResident(ctx, -100123, 4); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the office's topic still leads to the forgotten resident: %v", err)
		}
	})
}
