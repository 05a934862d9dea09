package store_test

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func TestParseQuietHours(t *testing.T) {
	tests := []struct {
		in   string
		want store.QuietHours
		ok   bool
	}{
		{"22:00-08:00", store.QuietHours{From: 22 * 60, To: 8 * 60}, true},
		{" 22:30 – 7:15 ", store.QuietHours{From: 22*60 + 30, To: 7*60 + 15}, true},
		{"13-15", store.QuietHours{From: 13 * 60, To: 15 * 60}, true},
		{"00:00-23:59", store.QuietHours{From: 0, To: 23*60 + 59}, true},
		{"22:00-22:00", store.QuietHours{}, false}, // empty window
		{"24:00-08:00", store.QuietHours{}, false},
		{"22:60-08:00", store.QuietHours{}, false},
		{"22:0-08:00", store.QuietHours{}, false},
		{"22:00", store.QuietHours{}, false},
		{"-1-08", store.QuietHours{}, false},
		{"+2-08", store.QuietHours{}, false},
		{"ten-eight", store.QuietHours{}, false},
		{"", store.QuietHours{}, false},
	}
	for _, tt := range tests {
		got, err := store.ParseQuietHours(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseQuietHours(%q) = %+v, %v; want %+v ok=%t", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if s := (store.QuietHours{From: 22 * 60, To: 8*60 + 5}).String(); s != "22:00–08:05" {
		t.Errorf("String = %q", s)
	}
}

// Quiet hours are read on the chat's wall clock, also on the nights the
// clocks change (Berlin: 2026-03-29 02:00 → 03:00 CEST, 2026-10-25 03:00
// CEST → 02:00 CET).
func TestQuietHoursUntil(t *testing.T) {
	berlin, kyiv := mustZone(t, "Europe/Berlin"), mustZone(t, "Europe/Kyiv")
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	night := store.QuietHours{From: 22 * 60, To: 8 * 60}
	afternoon := store.QuietHours{From: 13 * 60, To: 15 * 60}
	small := store.QuietHours{From: 60, To: 2*60 + 30} // 01:00–02:30
	tests := []struct {
		name string
		q    store.QuietHours
		loc  *time.Location
		at   string // UTC
		want string // UTC end, "" when not quiet
	}{
		{"late evening: until tomorrow 08:00", night, berlin, "2026-01-10 22:30", "2026-01-11 07:00"},
		{"early morning: until 08:00 today", night, berlin, "2026-01-11 06:59", "2026-01-11 07:00"},
		{"08:00 sharp is not quiet", night, berlin, "2026-01-11 07:00", ""},
		{"21:59 is not quiet", night, berlin, "2026-01-10 20:59", ""},
		{"22:00 sharp is quiet", night, berlin, "2026-01-10 21:00", "2026-01-11 07:00"},
		{"the same instant in Kyiv is 23:30", night, kyiv, "2026-01-10 21:30", "2026-01-11 06:00"},
		{"a window within one day", afternoon, berlin, "2026-01-10 13:00", "2026-01-10 14:00"},
		{"outside a window within one day", afternoon, berlin, "2026-01-10 15:00", ""},
		{"spring night: ends 08:00 CEST", night, berlin, "2026-03-28 22:00", "2026-03-29 06:00"},
		{"spring night, after the jump", night, berlin, "2026-03-29 02:00", "2026-03-29 06:00"},
		{"autumn night: ends 08:00 CET", night, berlin, "2026-10-24 21:00", "2026-10-25 07:00"},
		{"an end in the skipped hour: at the jump", small, berlin, "2026-03-29 00:30", "2026-03-29 01:00"},
		{"an end in the repeated hour, first pass", small, berlin, "2026-10-25 00:10", "2026-10-25 00:30"},
		{"an end in the repeated hour, second pass", small, berlin, "2026-10-25 01:10", "2026-10-25 01:30"},
		// 02:45 CEST is past the window; at 01:00 UTC the clock shows
		// 02:00 again, inside it, until 02:30 CET.
		{"between the two passes", small, berlin, "2026-10-25 00:45", ""},
		{"the second pass begins", small, berlin, "2026-10-25 01:00", "2026-10-25 01:30"},
	}
	for _, tt := range tests {
		end, quiet := tt.q.Until(utc(tt.at), tt.loc)
		switch {
		case tt.want == "" && quiet:
			t.Errorf("%s: quiet until %s, want not quiet", tt.name, end.UTC())
		case tt.want != "" && (!quiet || !end.Equal(utc(tt.want))):
			t.Errorf("%s: Until = %s, %t; want %s UTC", tt.name, end.UTC(), quiet, tt.want)
		}
	}
}

func TestHeldUntil(t *testing.T) {
	home := mustZone(t, "Europe/Kyiv")
	q := &store.QuietHours{From: 22 * 60, To: 8 * 60}
	at := time.Date(2026, 1, 10, 21, 30, 0, 0, time.UTC) // 23:30 Kyiv, 22:30 Berlin, 16:30 New York
	tests := []struct {
		name   string
		sub    store.Subscriber
		urgent bool
		want   time.Time
	}{
		{"no quiet hours", store.Subscriber{}, false, time.Time{}},
		{"home zone", store.Subscriber{Quiet: q}, false, time.Date(2026, 1, 11, 6, 0, 0, 0, time.UTC)},
		{"own zone", store.Subscriber{Quiet: q, TimeZone: "Europe/Berlin"}, false, time.Date(2026, 1, 11, 7, 0, 0, 0, time.UTC)},
		{"afternoon in New York", store.Subscriber{Quiet: q, TimeZone: "America/New_York"}, false, time.Time{}},
		{"urgent goes at once", store.Subscriber{Quiet: q}, true, time.Time{}},
	}
	for _, tt := range tests {
		if got := tt.sub.HeldUntil(at, tt.sub.Location(home), tt.urgent); !got.Equal(tt.want) {
			t.Errorf("%s: HeldUntil = %v, want %v", tt.name, got, tt.want)
		}
	}
}
