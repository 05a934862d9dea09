package scheduler

import (
	"testing"
	"time"
)

func TestLastSlot(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, kyiv)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		spec string
		now  string
		want string
	}{
		{"0 9 * * *", "2026-11-26 15:00:00", "2026-11-26 09:00:00"},
		{"0 9 * * *", "2026-11-26 08:59:59", "2026-11-25 09:00:00"},
		{"0 9 * * *", "2026-11-26 09:00:00", "2026-11-26 09:00:00"},
		{"0 9 * * 1", "2026-11-26 15:00:00", "2026-11-23 09:00:00"}, // Thursday → Monday
		{"0 9 * * 1", "2026-11-23 09:30:00", "2026-11-23 09:00:00"},
		{"@every 30s", "2026-11-26 15:00:47", "2026-11-26 15:00:30"},
		// Daylight saving ends on 2026-10-25 in Kyiv: the slot is still 09:00 local.
		{"0 9 * * *", "2026-10-25 12:00:00", "2026-10-25 09:00:00"},
	}
	for _, tt := range tests {
		s, err := ParseSpec(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		got := lastSlot(s, at(tt.now))
		if !got.Equal(at(tt.want)) {
			t.Errorf("lastSlot(%q, %s) = %s, want %s", tt.spec, tt.now, got.In(kyiv), tt.want)
		}
	}
	if _, err := ParseSpec("every day"); err == nil {
		t.Error("nonsense spec accepted")
	}
}
