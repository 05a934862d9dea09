package boltstore

import (
	"maps"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// A file written before the zone index existed (layout 1) gets it when it
// is opened.
func TestOpenIndexesZonesOfOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), DefaultFileName)
	s, err := Open(path)
	must(t, err)
	ctx := t.Context()
	for i, zone := range []string{"", "Europe/Berlin", "Europe/Berlin", "", "Europe/Amsterdam"} {
		sub := store.NewSubscriber(int64(i+1), "private", store.LangEN, tB)
		sub.TimeZone, sub.Active = zone, i != 3
		must(t, s.SaveSubscriber(ctx, sub))
	}
	// Back to what layout 1 had: no zone buckets' contents.
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketZoneSubs, bucketZoneCounts} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaLayout, u64(1))
	}))
	must(t, s.Close())

	s = newTestStoreAt(t, path)
	got, err := s.ActiveZones(ctx)
	must(t, err)
	if want := map[string]int{"": 1, "Europe/Berlin": 2, "Europe/Amsterdam": 1}; !maps.Equal(got, want) {
		t.Errorf("ActiveZones after opening an old file = %v, want %v", got, want)
	}
	if n := bucketLen(t, s, bucketZoneSubs); n != 4 {
		t.Errorf("zone_subs has %d entries, want 4", n)
	}
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if v, _ := decodeU64(tx.Bucket(bucketMeta).Get(metaLayout)); v != layoutVersion {
			t.Errorf("layout = %d, want %d", v, layoutVersion)
		}
		return nil
	}))
}
