package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// TestSubscriberStatsBatches counts more chats than one SCAN batch holds,
// next to keys SCAN must not count.
func TestSubscriberStatsBatches(t *testing.T) {
	s := newTestStore(t, WithPrefix("[pb]*:")) // glob characters in the prefix
	ctx := t.Context()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 3*scanBatch + 17
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range n {
			sub := store.NewSubscriber(int64(i+1), "private", store.Langs()[i%len(store.Langs())], t0)
			sub.Active = i%3 != 0
			sub.Cities = []string{fmt.Sprintf("c%d", i%5)}
			data, err := json.Marshal(sub)
			if err != nil {
				return err
			}
			pipe.Set(ctx, s.k.subscriber(sub.ChatID), data, 0)
		}
		// Keys of another prefix, and of a longer prefix, that the
		// pattern could match.
		pipe.Set(ctx, "pb:sub:1", "{}", 0)
		pipe.Set(ctx, "[pb]*:sub:x", "{}", 0)
		pipe.Set(ctx, "[pb]*:sub:1:extra", "{}", 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.SubscriberStats(ctx)
	if err != nil {
		t.Fatalf("SubscriberStats() = %v", err)
	}
	wantActive := 0
	perCity := map[string]int{}
	for i := range n {
		if i%3 != 0 {
			wantActive++
			perCity[fmt.Sprintf("c%d", i%5)]++
		}
	}
	if st.Total != n || st.Active != wantActive || st.Inactive != n-wantActive {
		t.Errorf("Total/Active/Inactive = %d/%d/%d, want %d/%d/%d",
			st.Total, st.Active, st.Inactive, n, wantActive, n-wantActive)
	}
	for c, want := range perCity {
		if st.PerCity[c] != want {
			t.Errorf("PerCity[%s] = %d, want %d", c, st.PerCity[c], want)
		}
	}
	if len(st.PerCity) != len(perCity) {
		t.Errorf("PerCity = %v, want %v", st.PerCity, perCity)
	}
	if st.PerFreq[store.FreqDaily] != n {
		t.Errorf("PerFreq = %v, want daily: %d", st.PerFreq, n)
	}
}

func TestAuditCap(t *testing.T) {
	s := newTestStore(t)
	s.auditCap = 3
	ctx := t.Context()
	for i := range 5 {
		if err := s.AppendAudit(ctx, store.AuditEntry{PostID: int64(1 + i%2), Action: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		postID int64
		want   []string
	}{
		{0, []string{"4", "3", "2"}},
		{1, []string{"4", "2", "0"}},
		{2, []string{"3", "1"}},
	} {
		got, err := s.AuditLog(ctx, tc.postID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range got {
			actions = append(actions, e.Action)
		}
		if fmt.Sprint(actions) != fmt.Sprint(tc.want) {
			t.Errorf("AuditLog(%d) = %v, want %v", tc.postID, actions, tc.want)
		}
	}
}

func TestDraftTTL(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	for _, tc := range []struct {
		ttl  time.Duration
		want time.Duration
	}{
		{time.Hour, time.Hour},
		{1500 * time.Microsecond, 2 * time.Millisecond},
	} {
		if err := s.SaveDraft(ctx, store.Draft{UserID: 1}, tc.ttl); err != nil {
			t.Fatal(err)
		}
		got, err := s.rdb.PTTL(ctx, s.k.draft(1)).Result()
		if err != nil || got <= 0 || got > tc.want {
			t.Errorf("PTTL after SaveDraft(ttl %v) = %v, %v; want in (0, %v]", tc.ttl, got, err, tc.want)
		}
	}
}

// TestMigrate stores posts the way the previous layout did (without the
// kind index) and checks that CountPosts counts them all the same, and that
// Migrate then leaves the data alone.
func TestMigrate(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 2*scanBatch + 3
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range n {
			p := store.Post{ID: int64(i + 1), Kind: store.Kinds()[i%len(store.Kinds())], City: "lyon",
				PublishedAt: t0.Add(time.Duration(i) * time.Minute)}
			data, err := json.Marshal(p)
			if err != nil {
				return err
			}
			pipe.Set(ctx, s.k.post(p.ID), data, 0)
			m := redis.Z{Score: timeScore(p.PublishedAt), Member: postMember(p.ID)}
			pipe.ZAdd(ctx, s.k.postsByTime(), m)
			pipe.ZAdd(ctx, s.k.cityPosts(p.City), m)
		}
		pipe.Set(ctx, s.k.postSeq(), n, 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A post the index lists but whose record is gone is skipped.
	if err := s.rdb.Del(ctx, s.k.post(1)).Err(); err != nil {
		t.Fatal(err)
	}

	counts, err := s.CountPosts(ctx, t0)
	if err != nil {
		t.Fatalf("CountPosts = %v", err)
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	if total != n-1 {
		t.Errorf("CountPosts after migration = %v (total %d), want total %d", counts, total, n-1)
	}
	if v, err := s.rdb.Get(ctx, s.k.layout()).Int(); err != nil || v != layoutVersion {
		t.Errorf("layout = %d, %v; want %d", v, err, layoutVersion)
	}

	// Migrated once: a fresh Store on the same data does not index again.
	if err := s.rdb.Del(ctx, s.k.kindPosts(store.KindVisit)).Err(); err != nil {
		t.Fatal(err)
	}
	s2 := NewFromClient(s.rdb)
	if err := s2.Migrate(ctx); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	if n, err := s.rdb.Exists(ctx, s.k.kindPosts(store.KindVisit)).Result(); err != nil || n != 0 {
		t.Errorf("Migrate of a migrated database rebuilt the index (exists %d, %v)", n, err)
	}
	// And never lowers a newer version.
	if err := s.rdb.Set(ctx, s.k.layout(), 99, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := NewFromClient(s.rdb).Migrate(context.WithoutCancel(ctx)); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.rdb.Get(ctx, s.k.layout()).Int(); v != 99 {
		t.Errorf("layout after Migrate over version 99 = %d", v)
	}
}
