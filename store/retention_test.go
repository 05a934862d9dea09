package store_test

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func TestSetActivity(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	tests := []struct {
		name      string
		active    bool // before
		since     time.Time
		set       bool
		wantSince time.Time
	}{
		{"deactivated", true, time.Time{}, false, t2},
		{"found gone again keeps the first moment", false, t1, false, t1},
		{"inactive record from before InactiveSince", false, time.Time{}, false, t2},
		{"back", false, t1, true, time.Time{}},
		{"active stays active", true, time.Time{}, true, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := store.NewSubscriber(1, "private", store.LangEN, t0)
			s.Active, s.InactiveSince = tc.active, tc.since
			store.SetActivity(&s, tc.set, t2)
			if s.Active != tc.set || !s.InactiveSince.Equal(tc.wantSince) || !s.UpdatedAt.Equal(t2) {
				t.Errorf("got Active %t InactiveSince %v UpdatedAt %v; want %t %v %v",
					s.Active, s.InactiveSince, s.UpdatedAt, tc.set, tc.wantSince, t2)
			}
		})
	}
}

func TestExpired(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	p := store.DefaultRetention()
	now := t0.Add(40 * 24 * time.Hour)
	cutoff := p.ChatCutoff(now) // t0 + 10 days
	if want := t0.Add(10 * 24 * time.Hour); !cutoff.Equal(want) {
		t.Fatalf("ChatCutoff = %v, want %v", cutoff, want)
	}
	day := 24 * time.Hour
	tests := []struct {
		name    string
		active  bool
		since   time.Time
		updated time.Time
		want    bool
	}{
		{"inactive 31 days", false, now.Add(-31 * day), now, true},
		{"inactive 30 days exactly", false, cutoff, now, false},
		{"inactive 29 days", false, now.Add(-29 * day), now.Add(-40 * day), false},
		{"active, changed long ago", true, time.Time{}, t0, false},
		{"legacy record: last change counts", false, time.Time{}, now.Add(-31 * day), true},
		{"legacy record changed lately", false, time.Time{}, now.Add(-day), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := store.NewSubscriber(1, "private", store.LangEN, t0)
			s.Active, s.InactiveSince, s.UpdatedAt = tc.active, tc.since, tc.updated
			if got := s.Expired(cutoff); got != tc.want {
				t.Errorf("Expired = %t, want %t (InactiveFrom %v, cutoff %v)", got, tc.want, s.InactiveFrom(), cutoff)
			}
		})
	}
}

func TestRetentionPolicy(t *testing.T) {
	for _, tc := range []struct {
		p  store.RetentionPolicy
		ok bool
	}{
		{store.DefaultRetention(), true},
		{store.RetentionPolicy{ChatDays: 1, AuditDays: 1}, true},
		{store.RetentionPolicy{ChatDays: 0, AuditDays: 365}, false},
		{store.RetentionPolicy{ChatDays: 30, AuditDays: -1}, false},
	} {
		if err := tc.p.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok %t", tc.p, err, tc.ok)
		}
	}
	now := time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)
	p := store.RetentionPolicy{ChatDays: 30, AuditDays: 365}
	if got, want := p.AuditCutoff(now), now.Add(-365*24*time.Hour); !got.Equal(want) {
		t.Errorf("AuditCutoff = %v, want %v", got, want)
	}
}
