package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// memPersonal is an in-memory store.PersonalData.
type memPersonal struct {
	subs      map[int64]store.Subscriber
	users     map[int64]store.User
	drafts    map[int64]store.Draft
	officials map[int64]store.Official
	convs     map[int64]store.Conversation
	audit     []store.AuditEntry
	signUps   map[int64][]store.Attendee
	fail      error
}

func newMemPersonal() *memPersonal {
	return &memPersonal{subs: map[int64]store.Subscriber{}, users: map[int64]store.User{},
		drafts: map[int64]store.Draft{}, officials: map[int64]store.Official{}, signUps: map[int64][]store.Attendee{},
		convs: map[int64]store.Conversation{}}
}

func get[T any](m map[int64]T, id int64, fail error) (T, error) {
	if fail != nil {
		var zero T
		return zero, fail
	}
	v, ok := m[id]
	if !ok {
		return v, store.ErrNotFound
	}
	return v, nil
}

func (m *memPersonal) Subscriber(_ context.Context, id int64) (store.Subscriber, error) {
	return get(m.subs, id, m.fail)
}
func (m *memPersonal) DeleteSubscriber(_ context.Context, id int64) (store.Subscriber, error) {
	s, err := get(m.subs, id, m.fail)
	delete(m.subs, id)
	return s, err
}
func (m *memPersonal) User(_ context.Context, id int64) (store.User, error) {
	return get(m.users, id, m.fail)
}
func (m *memPersonal) DeleteUser(_ context.Context, id int64) error {
	delete(m.users, id)
	return m.fail
}
func (m *memPersonal) Draft(_ context.Context, id int64) (store.Draft, error) {
	return get(m.drafts, id, m.fail)
}
func (m *memPersonal) DeleteDraft(_ context.Context, id int64) error {
	delete(m.drafts, id)
	return m.fail
}
func (m *memPersonal) Conversation(_ context.Context, id int64) (store.Conversation, error) {
	return get(m.convs, id, m.fail)
}
func (m *memPersonal) DeleteConversation(_ context.Context, id int64) error {
	delete(m.convs, id)
	return m.fail
}
func (m *memPersonal) Official(_ context.Context, id int64) (store.Official, error) {
	return get(m.officials, id, m.fail)
}
func (m *memPersonal) UserAudit(_ context.Context, id int64, limit int) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	for _, e := range m.audit {
		if e.UserID == id && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, m.fail
}

func (m *memPersonal) UserRSVPs(_ context.Context, id int64) ([]store.Attendee, error) {
	return m.signUps[id], m.fail
}
func (m *memPersonal) ForgetRSVPs(_ context.Context, id int64, _ time.Time) (int, error) {
	if m.fail != nil {
		return 0, m.fail
	}
	n := len(m.signUps[id])
	delete(m.signUps, id)
	return n, nil
}

func TestCollectAndForgetAgree(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	fill := func() *memPersonal {
		m := newMemPersonal()
		m.subs[5] = store.NewSubscriber(5, "private", store.LangDE, t0)
		m.subs[6] = store.NewSubscriber(6, "private", store.LangEN, t0)
		m.subs[-7] = store.NewSubscriber(-7, "group", store.LangUK, t0)
		m.users[5] = store.User{ID: 5, Username: "anna"}
		m.users[6] = store.User{ID: 6, Username: "bob"}
		m.drafts[5] = store.Draft{UserID: 5, ChatID: 5, Step: "text"}
		m.convs[5] = store.Conversation{Resident: 5, Open: true, Topic: 12}
		m.convs[6] = store.Conversation{Resident: 6}
		m.officials[5] = store.Official{UserID: 5, Role: store.RoleEditor}
		m.signUps[5] = []store.Attendee{{EventID: 3, UserID: 5, Name: "Anna"}}
		m.signUps[6] = []store.Attendee{{EventID: 3, UserID: 6, Name: "Bob", Waiting: true}}
		m.audit = []store.AuditEntry{{PostID: 1, UserID: 5, Action: "created"}, {PostID: 2, UserID: 6, Action: "created"}}
		return m
	}
	tests := []struct {
		name       string
		who        store.Person
		role       store.Role
		wantPerson bool // user and draft are there
		wantRole   store.Role
		wantAudit  int
	}{
		{"official in private", store.Person{ChatID: 5, UserID: 5}, "", true, store.RoleEditor, 1},
		{"owner (not stored) in private", store.Person{ChatID: 6, UserID: 6}, store.RoleOwner, false, store.RoleOwner, 1},
		{"group: only the group's record", store.Person{ChatID: -7}, "", false, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := fill()
			ctx := context.Background()
			d, err := store.CollectChatData(ctx, m, tc.who, tc.role, t0)
			if err != nil {
				t.Fatal(err)
			}
			if d.Subscriber == nil || d.Subscriber.ChatID != tc.who.ChatID {
				t.Errorf("Subscriber = %+v, want chat %d's", d.Subscriber, tc.who.ChatID)
			}
			if (d.User != nil) != (tc.who.UserID != 0) || (d.Draft != nil) != tc.wantPerson {
				t.Errorf("User %+v Draft %+v; want user %t draft %t", d.User, d.Draft, tc.who.UserID != 0, tc.wantPerson)
			}
			if (len(d.SignUps) == 1) != (tc.who.UserID != 0) || len(d.SignUps) == 1 && d.SignUps[0].UserID != tc.who.UserID {
				t.Errorf("SignUps %+v; want the person's own only", d.SignUps)
			}
			if (d.Conversation != nil) != (tc.who.UserID != 0) {
				t.Errorf("Conversation %+v; want one %t", d.Conversation, tc.who.UserID != 0)
			}
			if d.Role != tc.wantRole || len(d.Audit) != tc.wantAudit {
				t.Errorf("Role %q Audit %d; want %q %d", d.Role, len(d.Audit), tc.wantRole, tc.wantAudit)
			}
			for _, e := range d.Audit {
				if e.UserID != tc.who.UserID {
					t.Errorf("audit entry of user %d in the export of %d", e.UserID, tc.who.UserID)
				}
			}
			gone, err := store.Forget(ctx, m, tc.who, t0)
			if err != nil {
				t.Fatal(err)
			}
			// What Forget deleted is exactly the personal part collected.
			personal := d
			personal.ExportedAt, personal.Role, personal.Grant, personal.Audit = time.Time{}, "", nil, nil
			if !reflect.DeepEqual(gone, personal) {
				t.Errorf("Forget deleted\n %+v\nCollect listed\n %+v", gone, personal)
			}
			after, err := store.CollectChatData(ctx, m, tc.who, tc.role, t0)
			if err != nil {
				t.Fatal(err)
			}
			if after.Personal() {
				t.Errorf("after Forget still stored: %+v", after)
			}
			if after.Role != d.Role || !reflect.DeepEqual(after.Grant, d.Grant) || len(after.Audit) != len(d.Audit) {
				t.Errorf("Forget touched the office's records: %+v, before %+v", after, d)
			}
			// Nobody else's records went.
			if _, ok := m.subs[6]; !ok && tc.who.ChatID != 6 {
				t.Error("chat 6 deleted")
			}
			if _, ok := m.users[6]; !ok && tc.who.UserID != 6 {
				t.Error("user 6 deleted")
			}
			if _, ok := m.signUps[6]; !ok && tc.who.UserID != 6 {
				t.Error("user 6's sign-ups deleted")
			}
		})
	}
}

func (m *memPersonal) DeleteExpiredSubscriber(_ context.Context, id int64, cutoff time.Time) (bool, error) {
	s, ok := m.subs[id]
	if m.fail != nil || !ok || !s.Expired(cutoff) {
		return false, m.fail
	}
	delete(m.subs, id)
	return true, nil
}

// Retention deletes what /stop deletes, and nothing of a chat that is not
// (or no longer) expired.
func TestForgetExpired(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cutoff := t0.Add(24 * time.Hour)
	m := newMemPersonal()
	gone := store.NewSubscriber(5, "private", store.LangDE, t0)
	store.SetActivity(&gone, false, t0)
	m.subs[5] = gone
	group := store.NewSubscriber(-7, "group", store.LangUK, t0)
	store.SetActivity(&group, false, t0)
	m.subs[-7] = group
	recent := store.NewSubscriber(6, "private", store.LangEN, t0)
	store.SetActivity(&recent, false, cutoff.Add(time.Hour))
	m.subs[6] = recent
	m.subs[8] = store.NewSubscriber(8, "private", store.LangEN, t0) // active
	for _, id := range []int64{5, 6, 8} {
		m.users[id] = store.User{ID: id}
		m.drafts[id] = store.Draft{UserID: id}
		m.signUps[id] = []store.Attendee{{EventID: 1, UserID: id}}
	}
	m.officials[5] = store.Official{UserID: 5, Role: store.RoleEditor}
	for _, tc := range []struct {
		id   int64
		want bool
	}{{5, true}, {-7, true}, {6, false}, {8, false}, {404, false}} {
		got, err := store.ForgetExpired(context.Background(), m, tc.id, cutoff, t0)
		if err != nil || got != tc.want {
			t.Errorf("ForgetExpired(%d) = %t, %v; want %t", tc.id, got, err, tc.want)
		}
	}
	d, _ := store.CollectChatData(context.Background(), m, store.Person{ChatID: 5, UserID: 5}, "", t0)
	if d.Personal() || d.Grant == nil {
		t.Errorf("after retention, chat 5: %+v; want nothing personal, the grant kept", d)
	}
	for _, id := range []int64{6, 8} {
		if _, ok := m.users[id]; !ok {
			t.Errorf("user %d deleted although the chat is kept", id)
		}
		if _, ok := m.signUps[id]; !ok {
			t.Errorf("sign-ups of %d deleted although the chat is kept", id)
		}
		if _, ok := m.subs[id]; !ok {
			t.Errorf("chat %d deleted", id)
		}
	}
}

func TestChatDataJSON(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	sub := store.NewSubscriber(5, "private", store.LangDE, t0)
	sub.Cities = []string{"venlo"}
	b, err := store.ChatData{ChatID: 5, UserID: 5, ExportedAt: t0, Subscriber: &sub}.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	for _, k := range []string{"chat_id", "exported_at", "subscriber", "user", "draft"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("document lacks %q (an absent record is null, not left out):\n%s", k, b)
		}
	}
	if _, ok := doc["subscriber"].(map[string]any)["inactive_since"]; ok {
		t.Errorf("an active chat's document has inactive_since:\n%s", b)
	}
}

func TestForgetStopsAtStorageErrors(t *testing.T) {
	m := newMemPersonal()
	m.fail = store.ErrUnavailable
	if _, err := store.Forget(context.Background(), m, store.Person{ChatID: 1, UserID: 1}, time.Now()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Forget with storage down = %v, want ErrUnavailable", err)
	}
	if _, err := store.CollectChatData(context.Background(), m, store.Person{ChatID: 1, UserID: 1}, "", time.Now()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("CollectChatData with storage down = %v, want ErrUnavailable", err)
	}
}

func TestPersonOf(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := store.PersonOf(store.NewSubscriber(5, "private", store.LangEN, t0)); got != (store.Person{ChatID: 5, UserID: 5}) {
		t.Errorf("PersonOf(private 5) = %+v", got)
	}
	if got := store.PersonOf(store.NewSubscriber(-5, "supergroup", store.LangEN, t0)); got != (store.Person{ChatID: -5}) {
		t.Errorf("PersonOf(group -5) = %+v", got)
	}
}
