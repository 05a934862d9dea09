package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
)

// testPublishing pins down that officials' changes take effect once per
// cause, with exactly one audit entry, whatever is repeated.
func testPublishing(t *testing.T, newStore func(t *testing.T) store.Store) {
	created := func(by int64) store.Change {
		return store.Change{Cause: fmt.Sprint("u", by), Audit: store.AuditEntry{UserID: by, At: t0, Action: "created"}}
	}
	t.Run("PublishOnce", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		first, ok, err := s.PublishPost(ctx, post("Visit", store.KindVisit, "lyon", t0), created(7))
		if err != nil || !ok || first.ID <= 0 {
			t.Fatalf("PublishPost = %+v, %t, %v; want a new post", first, ok, err)
		}
		again, ok, err := s.PublishPost(ctx, post("Visit, typed again", store.KindVisit, "lyon", t0), created(7))
		if err != nil || ok || again.ID != first.ID || again.Title != "Visit" {
			t.Fatalf("PublishPost(same cause) = %+v, %t, %v; want post %d unchanged, created false", again, ok, err, first.ID)
		}
		wantTitles(t, "LatestPosts after a repeated cause", latest(t, s, "", 10), "Visit")
		log := auditLog(t, s, first.ID, 10)
		if len(log) != 1 || log[0].PostID != first.ID || log[0].Action != "created" || log[0].UserID != 7 {
			t.Errorf("audit of post %d = %+v, want one created entry by 7", first.ID, log)
		}
		other, ok, err := s.PublishPost(ctx, post("Agreement", store.KindAgreement, "lyon", t0), created(8))
		if err != nil || !ok || other.ID <= first.ID {
			t.Errorf("PublishPost(other cause) = %+v, %t, %v; want a higher id than %d", other, ok, err, first.ID)
		}
		if _, _, err := s.PublishPost(ctx, post("x", store.KindVisit, "lyon", t0), store.Change{}); err == nil {
			t.Error("PublishPost without a cause = nil error")
		}
	})

	t.Run("PublishConcurrently", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids := map[int64]int{}
		made := 0
		for range 8 {
			wg.Go(func() {
				p, ok, err := s.PublishPost(t.Context(), post("Race", store.KindEvent, "lyon", t0), created(9))
				if err != nil {
					t.Errorf("PublishPost = %v", err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				ids[p.ID]++
				if ok {
					made++
				}
			})
		}
		wg.Wait()
		if made != 1 || len(ids) != 1 {
			t.Errorf("8 concurrent publishes of one cause: %d created, ids %v; want 1 and one id", made, ids)
		}
		wantTitles(t, "LatestPosts", latest(t, s, "", 10), "Race")
		if log := auditLog(t, s, 0, 10); len(log) != 1 {
			t.Errorf("audit = %+v, want one entry", log)
		}
	})

	t.Run("EditAndRemoveOnce", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		p, _, err := s.PublishPost(ctx, post("Before", store.KindVisit, "lyon", t0), created(7))
		if err != nil {
			t.Fatal(err)
		}
		edit := store.Change{Cause: "edit-1", Audit: store.AuditEntry{UserID: 7, At: t0, Action: "edited", Changes: []string{"title"}}}
		p.Title = "After"
		if ok, err := s.EditPost(ctx, p, edit); err != nil || !ok {
			t.Fatalf("EditPost = %t, %v; want applied", ok, err)
		}
		p.Title = "After again"
		if ok, err := s.EditPost(ctx, p, edit); err != nil || ok {
			t.Fatalf("EditPost(same cause) = %t, %v; want not applied", ok, err)
		}
		if got := getPost(t, s, p.ID); got.Title != "After" {
			t.Errorf("title after a repeated edit = %q, want After", got.Title)
		}
		missing := p
		missing.ID = p.ID + 100
		if _, err := s.EditPost(ctx, missing, store.Change{Cause: "edit-missing", Audit: edit.Audit}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("EditPost(missing) = %v, want ErrNotFound", err)
		}

		remove := store.Change{Cause: "cb-1", Audit: store.AuditEntry{UserID: 8, At: t0, Action: "deleted"}}
		old, ok, err := s.RemovePost(ctx, p.ID, remove)
		if err != nil || !ok || old.Title != "After" {
			t.Fatalf("RemovePost = %+v, %t, %v; want the removed post", old, ok, err)
		}
		old, ok, err = s.RemovePost(ctx, p.ID, remove)
		if err != nil || ok || old.ID != p.ID {
			t.Errorf("RemovePost(same cause) = %+v, %t, %v; want id %d, not applied, no error", old, ok, err, p.ID)
		}
		if _, _, err := s.RemovePost(ctx, p.ID, store.Change{Cause: "cb-2", Audit: remove.Audit}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RemovePost(gone, new cause) = %v, want ErrNotFound", err)
		}
		var actions []string
		for _, e := range auditLog(t, s, p.ID, 10) {
			actions = append(actions, e.Action)
		}
		if fmt.Sprint(actions) != "[deleted edited created]" {
			t.Errorf("audit of post %d = %v, want [deleted edited created]", p.ID, actions)
		}
		again, ok, err := s.PublishPost(ctx, post("Before", store.KindVisit, "lyon", t0), created(7))
		if err != nil || ok || again.ID != p.ID {
			t.Errorf("PublishPost(cause of a deleted post) = %+v, %t, %v; want only id %d", again, ok, err, p.ID)
		}
	})
}

func testMemos(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	if _, err := s.Memo(ctx, "none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Memo(none) = %v, want ErrNotFound", err)
	}
	if err := s.SaveMemo(ctx, "replies:1", []byte(`{"a":1}`), time.Hour); err != nil {
		t.Fatalf("SaveMemo = %v", err)
	}
	if err := s.SaveMemo(ctx, "replies:1", []byte(`{"a":2}`), time.Hour); err != nil {
		t.Fatalf("SaveMemo(again) = %v", err)
	}
	if v, err := s.Memo(ctx, "replies:1"); err != nil || string(v) != `{"a":2}` {
		t.Errorf("Memo = %q, %v; want the second value", v, err)
	}
	if err := s.DeleteMemo(ctx, "replies:1"); err != nil {
		t.Fatalf("DeleteMemo = %v", err)
	}
	if err := s.DeleteMemo(ctx, "replies:1"); err != nil {
		t.Errorf("DeleteMemo(missing) = %v, want nil", err)
	}
	if _, err := s.Memo(ctx, "replies:1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Memo after delete = %v, want ErrNotFound", err)
	}
	if err := s.SaveMemo(ctx, "k", []byte("v"), 0); err == nil {
		t.Error("SaveMemo(ttl 0) = nil error")
	}
	if err := s.SaveMemo(ctx, "short", []byte("v"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, pollTimeout, func() string { return "memo with a 50ms TTL still there" }, func() bool {
		_, err := s.Memo(ctx, "short")
		return errors.Is(err, store.ErrNotFound)
	})
}

func testEnqueueEach(t *testing.T, newStore func(t *testing.T) store.Store) {
	keyed := func(chatID int64, key string) store.OutboxMessage {
		m := msg(chatID, "announcement")
		m.Dedupe = key
		return m
	}
	t.Run("EachOnce", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		n, err := s.EnqueueEach(ctx, time.Hour, keyed(1, "a:1"), keyed(2, "a:2"))
		if err != nil || n != 2 {
			t.Fatalf("EnqueueEach = %d, %v; want 2", n, err)
		}
		// A repeat with a recipient more: only the new one goes in.
		n, err = s.EnqueueEach(ctx, time.Hour, keyed(1, "a:1"), keyed(2, "a:2"), keyed(3, "a:3"))
		if err != nil || n != 1 {
			t.Fatalf("EnqueueEach(repeat) = %d, %v; want 1", n, err)
		}
		got := claim(t, s, "c1", 10, time.Hour)
		var chats []int64
		for _, m := range got {
			chats = append(chats, m.ChatID)
		}
		if fmt.Sprint(chats) != "[1 2 3]" {
			t.Errorf("claimed chats %v, want [1 2 3] once each", chats)
		}
		if _, err := s.EnqueueEach(ctx, time.Hour, msg(4, "no key")); err == nil {
			t.Error("EnqueueEach without a dedupe key = nil error")
		}
		if n, err := s.EnqueueEach(ctx, time.Hour); err != nil || n != 0 {
			t.Errorf("EnqueueEach() = %d, %v", n, err)
		}
	})
	t.Run("Concurrently", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				if _, err := s.EnqueueEach(t.Context(), time.Hour, keyed(1, "r:1"), keyed(2, "r:2")); err != nil {
					t.Errorf("EnqueueEach = %v", err)
				}
			})
		}
		wg.Wait()
		if got := claim(t, s, "c1", 20, time.Hour); len(got) != 2 {
			t.Errorf("6 concurrent fan-outs to 2 chats enqueued %d messages, want 2", len(got))
		}
	})
	t.Run("KeysExpire", func(t *testing.T) {
		s := newStore(t)
		if n, err := s.EnqueueEach(t.Context(), 50*time.Millisecond, keyed(1, "e:1")); err != nil || n != 1 {
			t.Fatalf("EnqueueEach = %d, %v", n, err)
		}
		testkit.Eventually(t, pollTimeout, func() string { return "dedupe key with a 50ms TTL still set" }, func() bool {
			n, err := s.EnqueueEach(t.Context(), time.Hour, keyed(1, "e:1"))
			return err == nil && n == 1
		})
	})
}

func testForget(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("DeleteUser", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		saveUser(t, s, store.User{ID: 1, Username: "Anna", SeenAt: t0})
		saveUser(t, s, store.User{ID: 2, Username: "bob", SeenAt: t0})
		if err := s.DeleteUser(ctx, 1); err != nil {
			t.Fatalf("DeleteUser = %v", err)
		}
		if _, err := s.User(ctx, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("User(1) after delete = %v, want ErrNotFound", err)
		}
		if _, err := s.UserByUsername(ctx, "anna"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByUsername(anna) after delete = %v, want ErrNotFound", err)
		}
		if err := s.DeleteUser(ctx, 1); err != nil {
			t.Errorf("DeleteUser(unknown) = %v, want nil", err)
		}
		// A name another user took over stays theirs.
		saveUser(t, s, store.User{ID: 3, Username: "carl", SeenAt: t0})
		saveUser(t, s, store.User{ID: 2, Username: "carl", SeenAt: t0})
		if err := s.DeleteUser(ctx, 3); err != nil {
			t.Fatal(err)
		}
		wantUserByName(t, s, "carl", 2)
	})
	t.Run("DeleteSubscriberDropsCursor", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		saveSub(t, s, store.NewSubscriber(42, "private", store.LangEN, t0))
		once := store.Once{Key: "digest:x:42", TTL: time.Hour, CursorChat: 42, Cursor: t0}
		if _, err := s.EnqueueOnce(ctx, once, msg(42, "digest")); err != nil {
			t.Fatal(err)
		}
		wantCursors(t, s, []int64{42}, map[int64]time.Time{42: t0})
		if _, err := s.DeleteSubscriber(ctx, 42); err != nil {
			t.Fatal(err)
		}
		wantCursors(t, s, []int64{42}, map[int64]time.Time{})
	})
}

func getPost(t *testing.T, s store.Store, id int64) store.Post {
	t.Helper()
	p, err := s.Post(t.Context(), id)
	if err != nil {
		t.Fatalf("Post(%d) = %v", id, err)
	}
	return p
}

// The channel reference is written by SetChannelRef alone: an official's
// edit keeps it.
func testChannelRef(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := newStore(t)
	ctx := t.Context()
	p, _, err := s.PublishPost(ctx, post("Channel", store.KindVisit, "lyon", t0), store.Change{Cause: "c1", Audit: store.AuditEntry{Action: "created"}})
	if err != nil {
		t.Fatal(err)
	}
	ref := &store.ChannelRef{Chat: "@city", Messages: []int{7, 8}, TextID: 8}
	if err := s.SetChannelRef(ctx, p.ID, ref); err != nil {
		t.Fatalf("SetChannelRef = %v", err)
	}
	p.Title, p.Channel = "Edited", nil
	if _, err := s.EditPost(ctx, p, store.Change{Cause: "e1", Audit: store.AuditEntry{Action: "edited"}}); err != nil {
		t.Fatal(err)
	}
	got := getPost(t, s, p.ID)
	if got.Title != "Edited" || got.Channel == nil || got.Channel.TextID != 8 || len(got.Channel.Messages) != 2 {
		t.Errorf("after an edit: %+v, channel %+v; want the edit and the channel reference kept", got.Title, got.Channel)
	}
	if err := s.SetChannelRef(ctx, p.ID+100, ref); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetChannelRef(missing) = %v, want ErrNotFound", err)
	}
	if err := s.SetChannelRef(ctx, p.ID, nil); err != nil || getPost(t, s, p.ID).Channel != nil {
		t.Errorf("SetChannelRef(nil) = %v; channel %+v", err, getPost(t, s, p.ID).Channel)
	}
}
