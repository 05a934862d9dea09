package redisstore

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// Data written before the zone index existed (layout 3) gets it from
// Migrate: every active record in its zone, stale members dropped.
func TestMigrateIndexesZones(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	// Records as an older release wrote them: no zone keys at all.
	for i := range 2*scanBatch + 3 {
		sub := store.NewSubscriber(int64(i+1), "private", store.LangEN, t0)
		switch i % 3 {
		case 1:
			sub.TimeZone = "Europe/Berlin"
		case 2:
			sub.Active = i%2 == 0
		}
		data, err := json.Marshal(sub)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.rdb.Set(ctx, s.k.subscriber(sub.ChatID), data, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// A member left behind in a zone it no longer belongs to.
	if err := s.rdb.ZAdd(ctx, s.k.zoneSubscribers("Asia/Tokyo"), redis.Z{Score: 2, Member: subscriberMember(2)}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.SAdd(ctx, s.k.zones(), "Asia/Tokyo").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.Set(ctx, s.k.layout(), 3, 0).Err(); err != nil {
		t.Fatal(err)
	}

	got, err := s.ActiveZones(ctx) // migrates first
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	var berlin []int64
	for i := range 2*scanBatch + 3 {
		switch {
		case i%3 == 1:
			want["Europe/Berlin"]++
			berlin = append(berlin, int64(i+1))
		case i%3 == 0 || i%2 == 0:
			want[""]++
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("ActiveZones after migration = %v, want %v", got, want)
	}
	page, err := s.ZoneSubscribersAfter(ctx, "Europe/Berlin", math.MinInt64, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, sub := range page {
		ids = append(ids, sub.ChatID)
	}
	if !slices.Equal(ids, berlin) {
		t.Errorf("Berlin after migration = %v, want %v", ids, berlin)
	}
	if v, _ := s.rdb.Get(ctx, s.k.layout()).Int(); v != layoutVersion {
		t.Errorf("layout = %d, want %d", v, layoutVersion)
	}
}
