package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/internal/testkit"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newTestStore(t) })
}

// TestKeyLayout pins the key names of keys.go, so a change of layout (which
// strands existing data) is a deliberate one.
func TestKeyLayout(t *testing.T) {
	s := newTestStore(t, WithPrefix("{pb}:"))
	ctx := t.Context()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	sub := store.NewSubscriber(-5, "group", store.LangUK, t0)
	sub.Cities = []string{"lyon"}
	if err := s.SaveSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSubscriber(ctx, store.NewSubscriber(8, "private", store.LangUK, t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActive(ctx, 8, false, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePost(ctx, store.Post{Kind: store.KindEvent, City: "lyon", StartsAt: &t0, PublishedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedPost(ctx, store.Post{Kind: store.KindVisit, City: store.AllCities, SeedKey: "v1", PublishedAt: t0}); err != nil {
		t.Fatal(err)
	}

	if err := s.SaveOfficial(ctx, store.Official{UserID: 9, Role: store.RoleEditor}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveUser(ctx, store.User{ID: 9, Username: "@Alice"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDraft(ctx, store.Draft{UserID: 9}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx, store.AuditEntry{PostID: 2, Action: "created"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CountPosts(ctx, t0); err != nil { // migrates: writes layout
		t.Fatal(err)
	}

	got, err := srv.Client(t).Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{
		"{pb}:city:lyon:subs",
		"{pb}:events:bystart",
		"{pb}:events:city:lyon",
		"{pb}:post:1",
		"{pb}:post:2",
		"{pb}:posts:bytime",
		"{pb}:posts:city:all",
		"{pb}:posts:city:lyon",
		"{pb}:posts:kind:event",
		"{pb}:posts:kind:visit",
		"{pb}:posts:seq",
		"{pb}:seed:v1",
		"{pb}:sub:-5",
		"{pb}:sub:8",
		"{pb}:subs:active",
		"{pb}:subs:inactive",
		"{pb}:zone::subs",
		"{pb}:zones",
		"{pb}:audit:all",
		"{pb}:audit:post:2",
		"{pb}:draft:9",
		"{pb}:layout",
		"{pb}:official:9",
		"{pb}:officials",
		"{pb}:user:9",
		"{pb}:username:alice",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("keys =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	members, err := srv.Client(t).ZRangeWithScores(ctx, "{pb}:city:lyon:subs", 0, -1).Result()
	if err != nil || len(members) != 1 || members[0].Member != "-5" || members[0].Score != -5 {
		t.Errorf("city:lyon:subs = %v, %v; want [{-5 -5}]", members, err)
	}
}

func TestOpenPasswordAndDB(t *testing.T) {
	secure := redistest.Start(t, redistest.WithPassword("s3cr3t"), redistest.WithoutAOF())
	ctx := t.Context()

	s, err := Open(ctx, secure.DBURL(3))
	if err != nil {
		t.Fatalf("Open(%s) = %v", secure.DBURL(3), err)
	}
	if err := s.SaveSubscriber(ctx, store.NewSubscriber(7, "private", store.LangEN, time.Now())); err != nil {
		t.Fatalf("SaveSubscriber = %v", err)
	}

	for db, want := range map[int]int64{0: 0, 3: 4} { // sub:7, subs:active, zone::subs, zones
		c := redis.NewClient(&redis.Options{Addr: secure.Addr(), Password: secure.Password(), DB: db})
		n, err := c.DBSize(ctx).Result()
		_ = c.Close()
		if err != nil || n != want {
			t.Errorf("DBSIZE of db %d = %d, %v; want %d", db, n, err, want)
		}
	}

	if err := s.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	// The store owned the client: it is closed now, which is a usage error
	// and not an outage.
	if err := s.Ping(ctx); err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping after Close = %v, want an error that is not ErrUnavailable", err)
	}
}

func TestOpenErrors(t *testing.T) {
	secure := redistest.Start(t, redistest.WithPassword("s3cr3t"), redistest.WithoutAOF())
	ctx := t.Context()

	t.Run("wrong password", func(t *testing.T) {
		_, err := Open(ctx, "redis://:wrong@"+secure.Addr()+"/0")
		if err == nil || errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Open with a wrong password = %v, want an error that is not ErrUnavailable", err)
		}
		if err != nil && strings.Contains(err.Error(), "wrong@") {
			t.Errorf("error %q repeats the URL with its password", err)
		}
	})
	t.Run("bad url", func(t *testing.T) {
		for _, u := range []string{"http://localhost", "redis://:s3cr3t@localhost:port/0", "redis://localhost/x"} {
			_, err := Open(ctx, u)
			if err == nil {
				t.Errorf("Open(%q) succeeded, want an error", u)
				continue
			}
			if errors.Is(err, store.ErrUnavailable) {
				t.Errorf("Open(%q) = %v, must not be ErrUnavailable", u, err)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("Open(%q) error %q leaks the password", u, err)
			}
		}
	})
	t.Run("nobody listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err = Open(short, "redis://"+addr+"/0?max_retries=-1")
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Open on a closed port = %v, want ErrUnavailable", err)
		}
	})
}

// TestUnavailableAndRecovery kills Redis under a store and checks that every
// call reports ErrUnavailable, and that the same store works again (with
// its data, from the AOF) once Redis is back.
func TestUnavailableAndRecovery(t *testing.T) {
	crashy := redistest.Start(t, redistest.WithArgs("--appendfsync", "always"))
	s := NewFromClient(crashy.Client(t))
	ctx := t.Context()
	sub := store.NewSubscriber(7, "private", store.LangEN, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	sub.Cities = []string{"lyon"}
	if err := s.SaveSubscriber(ctx, sub); err != nil {
		t.Fatal(err)
	}

	crashy.Kill()
	calls := map[string]func() error{
		"Ping":            func() error { return s.Ping(ctx) },
		"Subscriber":      func() error { _, err := s.Subscriber(ctx, 7); return err },
		"SaveSubscriber":  func() error { return s.SaveSubscriber(ctx, sub) },
		"SetActive":       func() error { return s.SetActive(ctx, 7, false, time.Now()) },
		"CitySubscribers": func() error { _, err := s.CitySubscribers(ctx, "lyon"); return err },
		"CreatePost":      func() error { _, err := s.CreatePost(ctx, store.Post{Kind: store.KindVisit}); return err },
		"LatestPosts":     func() error { _, err := s.LatestPosts(ctx, "lyon", 5); return err },
		"SeedPost":        func() error { _, err := s.SeedPost(ctx, store.Post{SeedKey: "k"}); return err },
		"UpdatePost":      func() error { return s.UpdatePost(ctx, store.Post{ID: 1}) },
		"DeletePost":      func() error { return s.DeletePost(ctx, 1) },
		"SaveOfficial":    func() error { return s.SaveOfficial(ctx, store.Official{UserID: 1}) },
		"Officials":       func() error { _, err := s.Officials(ctx); return err },
		"DeleteOfficial":  func() error { return s.DeleteOfficial(ctx, 1) },
		"SaveUser":        func() error { return s.SaveUser(ctx, store.User{ID: 1, Username: "a"}) },
		"UserByUsername":  func() error { _, err := s.UserByUsername(ctx, "a"); return err },
		"SaveDraft":       func() error { return s.SaveDraft(ctx, store.Draft{UserID: 1}, time.Minute) },
		"Draft":           func() error { _, err := s.Draft(ctx, 1); return err },
		"AppendAudit":     func() error { return s.AppendAudit(ctx, store.AuditEntry{PostID: 1}) },
		"AuditLog":        func() error { _, err := s.AuditLog(ctx, 0, 5); return err },
		"SubscriberStats": func() error { _, err := s.SubscriberStats(ctx); return err },
		"CountPosts":      func() error { _, err := s.CountPosts(ctx, time.Now()); return err },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with Redis down = %v, want ErrUnavailable", name, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "redisstore: ") {
			t.Errorf("%s error %q lacks the package prefix", name, err)
		}
	}

	crashy.Restart(t)
	// go-redis stops dialling for up to a second after many failed dials,
	// so recovery is polled rather than expected on the first call.
	var pingErr error
	testkit.Eventually(t, 10*time.Second, func() string { return fmt.Sprintf("Ping after Restart still fails: %v", pingErr) },
		func() bool { pingErr = s.Ping(ctx); return pingErr == nil })
	got, err := s.Subscriber(ctx, 7)
	if err != nil || !slices.Equal(got.Cities, sub.Cities) {
		t.Fatalf("Subscriber(7) after restart = %+v, %v; want the saved record", got, err)
	}
	ids, err := s.CitySubscribers(ctx, "lyon")
	if err != nil || !slices.Equal(ids, []int64{7}) {
		t.Errorf("CitySubscribers(lyon) after restart = %v, %v; want [7]", ids, err)
	}
}

func TestErrorMessages(t *testing.T) {
	s := newTestStore(t)
	_, err := s.Subscriber(t.Context(), 42)
	if want := "redisstore: get subscriber 42: not found"; err == nil || err.Error() != want {
		t.Errorf("Subscriber(42) error = %v, want %q", err, want)
	}
	_, err = s.Post(t.Context(), 9)
	if want := "redisstore: get post 9: not found"; err == nil || err.Error() != want {
		t.Errorf("Post(9) error = %v, want %q", err, want)
	}
	err = s.UpdatePost(t.Context(), store.Post{ID: 9})
	if want := "redisstore: update post 9: not found"; err == nil || err.Error() != want {
		t.Errorf("UpdatePost(9) error = %v, want %q", err, want)
	}
	err = s.DeletePost(t.Context(), 9)
	if want := "redisstore: delete post 9: not found"; err == nil || err.Error() != want {
		t.Errorf("DeletePost(9) error = %v, want %q", err, want)
	}
}

func TestInvalidInput(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if _, err := s.SeedPost(ctx, store.Post{Title: "no key"}); err == nil {
		t.Error("SeedPost without SeedKey succeeded, want an error")
	}
	if _, err := s.CreatePost(ctx, store.Post{ID: -1}); err == nil {
		t.Error("CreatePost with id -1 succeeded, want an error")
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.SaveDraft(ctx, store.Draft{UserID: 1}, ttl); err == nil {
			t.Errorf("SaveDraft with ttl %v succeeded, want an error", ttl)
		}
	}
	if got, err := s.LatestPosts(ctx, "", 10); err != nil || len(got) != 0 {
		t.Errorf("LatestPosts after rejected writes = %v, %v; want none", got, err)
	}
	if n, err := s.rdb.DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("DBSIZE after rejected writes = %d, %v; want 0", n, err)
	}
}

// TestReplacePost checks that storing a post under an existing id moves its
// index entries instead of leaving stale ones behind.
func TestReplacePost(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := s.CreatePost(ctx, store.Post{Kind: store.KindEvent, City: "lyon", Title: "v1", StartsAt: &t0, PublishedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	p.City, p.Kind, p.StartsAt, p.Title = "porto", store.KindVisit, nil, "v2"
	if _, err := s.CreatePost(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LatestPosts(ctx, "lyon", 10); len(got) != 0 {
		t.Errorf("LatestPosts(lyon) after the post moved = %d posts, want 0", len(got))
	}
	if got, _ := s.UpcomingEvents(ctx, "", t0, 10); len(got) != 0 {
		t.Errorf("UpcomingEvents after the post became a visit = %d posts, want 0", len(got))
	}
	if got, _ := s.LatestPosts(ctx, "porto", 10); len(got) != 1 || got[0].Title != "v2" {
		t.Errorf("LatestPosts(porto) = %v, want [v2]", got)
	}
}

// redisErr stands in for a server error reply.
type redisErr string

func (e redisErr) Error() string { return string(e) }
func (redisErr) RedisError()     {}

func TestIsUnavailable(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"dial refused", dial, true},
		{"wrapped dial", errors.Join(errors.New("x"), dial), true},
		{"reset", syscall.ECONNRESET, true},
		{"eof", io.EOF, true},
		{"unexpected eof", io.ErrUnexpectedEOF, true},
		{"deadline", context.DeadlineExceeded, true},
		{"pool timeout", redis.ErrPoolTimeout, true},
		{"loading", redisErr("LOADING Redis is loading the dataset in memory"), true},
		{"masterdown", redisErr("MASTERDOWN Link with MASTER is down"), true},
		{"canceled", context.Canceled, false},
		{"closed client", redis.ErrClosed, false},
		{"nil reply", redis.Nil, false},
		{"wrong type", redisErr("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{"noauth", redisErr("NOAUTH Authentication required."), false},
		{"other", errors.New("boom"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isUnavailable(tc.err); got != tc.want {
				t.Errorf("isUnavailable(%v) = %t, want %t", tc.err, got, tc.want)
			}
		})
	}
}

func TestWrapErr(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	err := wrapErr(dial, "get subscriber 1")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("errors.Is(%v, ErrUnavailable) = false", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("errors.Is(%v, ECONNREFUSED) = false, want the cause kept", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("errors.As(%v, *net.OpError) = false", err)
	}
	if want := "redisstore: get subscriber 1: storage unavailable: dial tcp: connection refused"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	if err := wrapErr(errors.New("boom"), "x"); errors.Is(err, store.ErrUnavailable) {
		t.Errorf("wrapErr(boom) = %v, must not be ErrUnavailable", err)
	}
	if wrapErr(nil, "x") != nil {
		t.Error("wrapErr(nil) != nil")
	}
}
