package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func TestIsGroup(t *testing.T) {
	for typ, want := range map[string]bool{"private": false, "group": true, "supergroup": true, "channel": true} {
		if got := store.IsGroup(typ); got != want {
			t.Errorf("IsGroup(%q) = %t, want %t", typ, got, want)
		}
	}
}

func TestIsServiceAccount(t *testing.T) {
	for id, want := range map[int64]bool{1087968824: true, 136817688: true, 777000: true, 42: false, 900: false} {
		if got := store.IsServiceAccount(id); got != want {
			t.Errorf("IsServiceAccount(%d) = %t, want %t", id, got, want)
		}
	}
}

// memSubs is just enough of store.Subscribers for the chat rules.
type memSubs struct {
	store.Subscribers
	recs map[int64]store.Subscriber
	fail error
}

func (m *memSubs) Subscriber(_ context.Context, id int64) (store.Subscriber, error) {
	if m.fail != nil {
		return store.Subscriber{}, m.fail
	}
	s, ok := m.recs[id]
	if !ok {
		return s, store.ErrNotFound
	}
	return s, nil
}

func (m *memSubs) SaveSubscriber(_ context.Context, s store.Subscriber) error {
	m.recs[s.ChatID] = s
	return nil
}

func (m *memSubs) DeleteSubscriber(_ context.Context, id int64) (store.Subscriber, error) {
	s, ok := m.recs[id]
	if !ok {
		return s, store.ErrNotFound
	}
	delete(m.recs, id)
	return s, nil
}

func (m *memSubs) SetActive(_ context.Context, id int64, active bool, now time.Time) error {
	if m.fail != nil {
		return m.fail
	}
	s, ok := m.recs[id]
	if !ok {
		return store.ErrNotFound
	}
	s.Active, s.UpdatedAt = active, now
	m.recs[id] = s
	return nil
}

func TestChatGone(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		deactivated bool
		known       bool
		fail        error
		wantRecord  bool
		wantActive  bool
		wantErr     bool
	}{
		{"blocked: kept, inactive", false, true, nil, true, false, false},
		{"deactivated account: forgotten", true, true, nil, false, false, false},
		{"unknown chat: nothing to do", false, false, nil, false, false, false},
		{"storage down: reported", false, true, store.ErrUnavailable, true, true, true},
	}
	for _, tt := range tests {
		m := &memSubs{recs: map[int64]store.Subscriber{}, fail: tt.fail}
		if tt.known {
			m.recs[7] = store.NewSubscriber(7, "private", store.LangEN, now)
		}
		err := store.ChatGone(context.Background(), m, 7, tt.deactivated, now)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: ChatGone = %v, want error %t", tt.name, err, tt.wantErr)
		}
		rec, ok := m.recs[7]
		if ok != tt.wantRecord || ok && rec.Active != tt.wantActive {
			t.Errorf("%s: record %+v (kept %t), want kept %t active %t", tt.name, rec, ok, tt.wantRecord, tt.wantActive)
		}
	}
}

func TestMigrateChat(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	m := &memSubs{recs: map[int64]store.Subscriber{}}
	old := store.NewSubscriber(-5, "group", store.LangDE, now)
	old.Cities = []string{"venlo"}
	m.recs[-5] = old
	if err := store.MigrateChat(context.Background(), m, -5, -1005, now); err != nil {
		t.Fatal(err)
	}
	moved, ok := m.recs[-1005]
	if _, still := m.recs[-5]; still || !ok || moved.ChatType != "supergroup" || moved.Cities[0] != "venlo" {
		t.Errorf("after MigrateChat: %+v", m.recs)
	}
	// Again (a repeated update): nothing left to move, no error.
	if err := store.MigrateChat(context.Background(), m, -5, -1005, now); err != nil {
		t.Errorf("MigrateChat again = %v", err)
	}
	m.fail = errors.New("down")
	if err := store.MigrateChat(context.Background(), m, -5, -1005, now); err == nil {
		t.Error("MigrateChat with storage down = nil")
	}
}

// The lists of languages, kinds and frequencies are the same for everyone:
// a caller that changes what it got changes nothing for the others.
func TestListsCannotBeChanged(t *testing.T) {
	store.Langs()[0] = "xx"
	store.Kinds()[0] = "xx"
	store.Frequencies()[0] = "xx"
	if store.Langs()[0] != store.LangUK || store.Kinds()[0] != store.KindVisit || store.Frequencies()[0] != store.FreqDaily {
		t.Errorf("a changed copy changed the lists: %v %v %v", store.Langs(), store.Kinds(), store.Frequencies())
	}
	if !store.KindVisit.Valid() || store.Kind("xx").Valid() {
		t.Error("Valid no longer answers from the fixed list")
	}
}
