package boltstore

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// A file of layout 1 (no subs_inactive) gets its inactive chats indexed
// when it is opened, so retention finds chats that went before the upgrade.
func TestLayout1InactiveIndexed(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	s, err := Open(path)
	must(t, err)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	gone := store.NewSubscriber(7, "private", store.LangEN, t0)
	gone.Active = false
	must(t, s.SaveSubscriber(t.Context(), gone))
	must(t, s.SaveSubscriber(t.Context(), store.NewSubscriber(8, "private", store.LangEN, t0)))
	// Make it a layout-1 file: no inactive index, version 1.
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketInactive); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaLayout, u64(1))
	}))
	must(t, s.Close())

	s, err = Open(path)
	must(t, err)
	defer s.Close()
	got, err := s.InactiveSubscribersAfter(t.Context(), t0.Add(time.Hour), math.MinInt64, 10)
	if err != nil || len(got) != 1 || got[0].ChatID != 7 {
		t.Errorf("InactiveSubscribersAfter after upgrade = %+v, %v; want chat 7", got, err)
	}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if v, _ := decodeU64(tx.Bucket(bucketMeta).Get(metaLayout)); v != layoutVersion {
			t.Errorf("layout after Open = %d, want %d", v, layoutVersion)
		}
		return nil
	}))
}
