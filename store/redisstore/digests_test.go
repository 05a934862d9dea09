package redisstore

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

func activeIDs(t *testing.T, s *Store, after int64, limit int) []int64 {
	t.Helper()
	subs, err := s.ActiveSubscribersAfter(t.Context(), after, limit)
	if err != nil {
		t.Fatalf("ActiveSubscribersAfter = %v", err)
	}
	ids := make([]int64, len(subs))
	for i, sub := range subs {
		ids[i] = sub.ChatID
	}
	return ids
}

func TestRebuildActiveIndex(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range []int64{-100, 1, 2, 3} {
		sub := store.NewSubscriber(id, "private", store.LangEN, now)
		sub.Active = id != 3
		if err := s.SaveSubscriber(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	// Migrate first, or ActiveSubscribersAfter would rebuild the index.
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// An index that is missing some entries and has stale ones: a whole
	// page of members without records, and an inactive chat.
	key := s.k.activeSubscribers()
	if err := s.rdb.ZRem(ctx, key, "1").Err(); err != nil {
		t.Fatal(err)
	}
	stale := []redis.Z{{Score: 3, Member: "3"}}
	for id := -20; id < -10; id++ {
		stale = append(stale, redis.Z{Score: float64(id), Member: subscriberMember(int64(id))})
	}
	if err := s.rdb.ZAdd(ctx, key, stale...).Err(); err != nil {
		t.Fatal(err)
	}
	// Stale members are skipped without ending the listing early.
	if got := activeIDs(t, s, math.MinInt64, 3); !slices.Equal(got, []int64{-100, 2}) {
		t.Errorf("ActiveSubscribersAfter with a stale index = %v, want [-100 2]", got)
	}

	if err := s.RebuildActiveIndex(ctx); err != nil {
		t.Fatalf("RebuildActiveIndex = %v", err)
	}
	members, err := s.rdb.ZRange(ctx, key, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"-100", "1", "2"}; !slices.Equal(members, want) {
		t.Errorf("subs:active after rebuild = %v, want %v", members, want)
	}
	if got := activeIDs(t, s, math.MinInt64, 10); !slices.Equal(got, []int64{-100, 1, 2}) {
		t.Errorf("ActiveSubscribersAfter after rebuild = %v", got)
	}
}

func TestCountDeliveryKeepsCountsApart(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	r := store.DigestRun{Key: "daily:x", Sent: 40, Failed: 2}
	if _, err := s.StartRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	// What SaveRun writes in Sent and Failed does not count.
	got, err := s.Run(ctx, r.Key)
	if err != nil || got.Sent != 0 || got.Failed != 0 {
		t.Errorf("Run = %+v, %v; want no counts", got, err)
	}
}
