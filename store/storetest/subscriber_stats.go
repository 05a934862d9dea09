package storetest

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func testSubscriberStats(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		got := subscriberStats(t, s)
		if got.Total != 0 || got.Active != 0 || got.Inactive != 0 ||
			!equalCounts(got.PerCity, nil) || !equalCounts(got.PerLang, nil) || !equalCounts(got.PerFreq, nil) {
			t.Errorf("SubscriberStats() on an empty store = %+v, want all zero", got)
		}
	})

	t.Run("Mix", func(t *testing.T) {
		s := newStore(t)
		type sub struct {
			id     int64
			lang   store.Lang
			freq   store.Frequency
			active bool
			cities []string
		}
		for _, c := range []sub{
			{1, store.LangUK, store.FreqDaily, true, []string{"lyon", "krakow"}},
			{2, store.LangEN, store.FreqWeekly, true, []string{"lyon"}}, // deactivated below
			{3, store.LangEN, store.FreqDaily, false, []string{"lyon", "porto"}},
			{-1001, store.LangDE, store.FreqOff, true, nil},
			{5, store.LangUK, store.FreqWeekly, false, []string{"porto"}},
			{6, store.LangUK, store.FreqDaily, true, []string{"lyon", "lyon"}}, // counted once
			{7, store.LangNL, store.FreqDaily, true, []string{"porto"}},        // deleted below
		} {
			r := store.NewSubscriber(c.id, "private", c.lang, t0)
			r.Frequency, r.Active, r.Cities = c.freq, c.active, c.cities
			saveSub(t, s, r)
		}
		if err := s.SetActive(t.Context(), 2, false, t0.Add(time.Hour)); err != nil {
			t.Fatalf("SetActive(2, false) = %v", err)
		}
		if _, err := s.DeleteSubscriber(t.Context(), 7); err != nil {
			t.Fatalf("DeleteSubscriber(7) = %v", err)
		}

		got := subscriberStats(t, s)
		if got.Total != 6 || got.Active != 3 || got.Inactive != 3 {
			t.Errorf("SubscriberStats() Total/Active/Inactive = %d/%d/%d, want 6/3/3",
				got.Total, got.Active, got.Inactive)
		}
		// Only active chats count per city.
		if want := map[string]int{"lyon": 2, "krakow": 1}; !equalCounts(got.PerCity, want) {
			t.Errorf("PerCity = %v, want %v", got.PerCity, want)
		}
		// Languages and frequencies count every record.
		if want := map[store.Lang]int{store.LangUK: 3, store.LangEN: 2, store.LangDE: 1}; !equalCounts(got.PerLang, want) {
			t.Errorf("PerLang = %v, want %v", got.PerLang, want)
		}
		if want := map[store.Frequency]int{store.FreqDaily: 3, store.FreqWeekly: 2, store.FreqOff: 1}; !equalCounts(got.PerFreq, want) {
			t.Errorf("PerFreq = %v, want %v", got.PerFreq, want)
		}
	})
}

func subscriberStats(t *testing.T, s store.Store) store.SubscriberStats {
	t.Helper()
	got, err := s.SubscriberStats(t.Context())
	if err != nil {
		t.Fatalf("SubscriberStats() = %v", err)
	}
	return got
}
