package redisstore

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// Inactive chats written by layout 3 (no subs:inactive) are found after
// Migrate, and a page reads on past batches with nothing expired in them.
func TestInactiveIndexMigrationAndBatches(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cutoff := t0.Add(24 * time.Hour)
	// 2*scanBatch chats gone recently (kept), then three gone long ago,
	// written as layout 3 did: records only, in no inactive index.
	var want []int64
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range 2*scanBatch + 3 {
			id := int64(1000 + i)
			sub := store.NewSubscriber(id, "private", store.LangEN, t0)
			sub.Active = false
			sub.UpdatedAt = cutoff.Add(time.Hour)
			if i >= 2*scanBatch {
				sub.UpdatedAt = t0
				want = append(want, id)
			}
			data, err := json.Marshal(sub)
			if err != nil {
				return err
			}
			pipe.Set(ctx, s.k.subscriber(id), data, 0)
		}
		pipe.Set(ctx, s.k.layout(), 3, 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.InactiveSubscribersAfter(ctx, cutoff, math.MinInt64, 2)
	if err != nil {
		t.Fatalf("InactiveSubscribersAfter = %v", err)
	}
	if ids := idsOf(got); !slices.Equal(ids, want[:2]) {
		t.Errorf("first page = %v, want %v", ids, want[:2])
	}
	got, err = s.InactiveSubscribersAfter(ctx, cutoff, want[1], 2)
	if err != nil {
		t.Fatal(err)
	}
	if ids := idsOf(got); !slices.Equal(ids, want[2:]) {
		t.Errorf("second page = %v, want %v", ids, want[2:])
	}
	if v, err := s.rdb.Get(ctx, s.k.layout()).Int(); err != nil || v != layoutVersion {
		t.Errorf("layout = %d, %v; want %d", v, err, layoutVersion)
	}
}

func idsOf(subs []store.Subscriber) []int64 {
	out := make([]int64, len(subs))
	for i, s := range subs {
		out[i] = s.ChatID
	}
	return out
}
