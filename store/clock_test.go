package store

import (
	"fmt"
	"strings"
	"testing"
)

// parseClock is the one reader of times of day: quiet hours take the short
// form (one-digit hours, whole hours), OFFICE_HOURS only HH:MM but up to
// 24:00.
func TestParseClock(t *testing.T) {
	const bad = -1
	tests := []struct {
		in            string
		quiet, office int // minutes after midnight, or bad
	}{
		{"00:00", 0, 0},
		{"09:00", 9 * 60, 9 * 60},
		{"9:00", 9 * 60, bad}, // one-digit hour: quiet hours only
		{"9", 9 * 60, bad},    // whole hour: quiet hours only
		{"22", 22 * 60, bad},
		{"0", 0, bad},
		{"07:05", 7*60 + 5, 7*60 + 5},
		{"7:05", 7*60 + 5, bad},
		{"7:5", bad, bad}, // minutes are two digits
		{"07:5", bad, bad},
		{"23:59", 23*60 + 59, 23*60 + 59},
		{"24:00", bad, minutesPerDay}, // the end of the day: an office may close at midnight
		{"24", bad, bad},
		{"24:01", bad, bad},
		{"24:30", bad, bad},
		{"25:00", bad, bad},
		{"12:60", bad, bad},
		{"99:99", bad, bad},
		{"009:00", bad, bad},
		{"0900", bad, bad},
		{"09:000", bad, bad},
		{"09:", bad, bad},
		{":00", bad, bad},
		{"", bad, bad},
		{"+9", bad, bad},
		{"+9:00", bad, bad}, // no signs: OFFICE_HOURS took "+9:00" and "09:+5" before the readers were one
		{"09:+5", bad, bad},
		{"-0:00", bad, bad},
		{"09:-0", bad, bad},
		{" 9:00", bad, bad},
		{"09:00 ", bad, bad},
		{"09:00:00", bad, bad},
		{"O9:00", bad, bad},
		{"٠٩:٠٠", bad, bad}, // Arabic-Indic digits
	}
	for _, tt := range tests {
		for _, c := range []struct {
			name string
			form clockForm
			want int
		}{{"quiet", quietClock, tt.quiet}, {"office", officeClock, tt.office}} {
			got, err := parseClock(tt.in, c.form)
			switch {
			case c.want == bad && err == nil:
				t.Errorf("parseClock(%q, %s) = %d, want an error", tt.in, c.name, got)
			case c.want == bad && err.Error() != fmt.Sprintf("%q is not a time of day like 09:00", tt.in):
				t.Errorf("parseClock(%q, %s) error = %q", tt.in, c.name, err)
			case c.want != bad && (err != nil || got != c.want):
				t.Errorf("parseClock(%q, %s) = %d, %v; want %d", tt.in, c.name, got, err, c.want)
			}
		}
	}
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"00:00", "09:00", "9:00", "9", "22", "7:5", "23:59", "24:00", "24:01", "24", "25:00", "12:60", "+9:00", "09:-0", "0900", ":", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, form := range []clockForm{quietClock, officeClock, {}, {short: true, allow24: true}} {
			m, err := parseClock(in, form)
			if err != nil {
				if m != 0 || !strings.Contains(err.Error(), "is not a time of day") {
					t.Fatalf("parseClock(%q, %+v) = %d, %v", in, form, m, err)
				}
				continue
			}
			if m < 0 || m > minutesPerDay || m == minutesPerDay && !form.allow24 {
				t.Fatalf("parseClock(%q, %+v) = %d: not a time of day", in, form, m)
			}
			// What was read spells the same time: HH:MM, or in the short
			// form HH:MM with the hour's leading zero or ":00" left out.
			spelt := in
			if form.short && !strings.Contains(spelt, ":") {
				spelt += ":00"
			}
			if form.short && strings.Index(spelt, ":") == 1 {
				spelt = "0" + spelt
			}
			if want := fmt.Sprintf("%02d:%02d", m/60, m%60); spelt != want {
				t.Fatalf("parseClock(%q, %+v) = %d (%s)", in, form, m, want)
			}
		}
	})
}
