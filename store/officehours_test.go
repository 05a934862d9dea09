package store

import (
	"strings"
	"testing"
	"time"
)

func TestParseOfficeHours(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-06-01 is a Monday.
	at := func(day int, hhmm string) time.Time {
		tt, err := time.ParseInLocation("2006-01-02 15:04", "2026-06-"+twoDigits(day)+" "+hhmm, kyiv)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	tests := []struct {
		spec       string
		open       []time.Time
		closed     []time.Time
		wantErr    string
		wantString string
	}{
		{spec: "", open: []time.Time{at(6, "03:00"), at(7, "23:59")}},
		{spec: "   ", open: []time.Time{at(6, "03:00")}},
		{spec: "Mon-Fri 09:00-17:00", wantString: "Mon-Fri 09:00-17:00",
			open:   []time.Time{at(1, "09:00"), at(5, "16:59"), at(3, "12:00")},
			closed: []time.Time{at(1, "08:59"), at(1, "17:00"), at(6, "12:00"), at(7, "12:00")}},
		{spec: "mon-thu 09:00-17:00; FRI 09:00-14:00",
			open:   []time.Time{at(4, "16:00"), at(5, "13:59")},
			closed: []time.Time{at(5, "14:00"), at(6, "10:00")}},
		{spec: "Sat 10:00-12:00, Sun 00:00-24:00",
			open:   []time.Time{at(6, "11:00"), at(7, "00:00"), at(7, "23:59")},
			closed: []time.Time{at(6, "12:00"), at(1, "11:00")}},
		{spec: "Fri-Mon 10:00-11:00", // wraps around the week
			open:   []time.Time{at(5, "10:30"), at(6, "10:30"), at(7, "10:30"), at(1, "10:30")},
			closed: []time.Time{at(2, "10:30"), at(4, "10:30")}},
		{spec: "Mon-Fri", wantErr: "is not days and hours"},
		{spec: "Mon-Fri 09:00 17:00", wantErr: "is not days and hours"},
		{spec: "Mon-Fry 09:00-17:00", wantErr: `"fry" is not a day`},
		{spec: "Monday 09:00-17:00", wantErr: `"monday" is not a day`},
		{spec: "Mon-Fri 9:00-17:00", wantErr: `"9:00" is not a time of day`},
		{spec: "Mon-Fri 09:00-25:00", wantErr: `"25:00" is not a time of day`},
		{spec: "Mon-Fri 09:00-24:30", wantErr: `"24:30" is not a time of day`},
		{spec: "Mon-Fri 09:60-17:00", wantErr: `"09:60" is not a time of day`},
		{spec: "Mon-Fri 17:00-09:00", wantErr: "closes before it opens"},
		{spec: "Mon-Fri 09:00-09:00", wantErr: "closes before it opens"},
		{spec: "Mon-Fri 0900-1700", wantErr: `"0900" is not a time of day`},
		{spec: "Mon-Fri +9:00-17:00", wantErr: `"+9:00" is not a time of day`},
		{spec: "Mon-Fri 09:00-17:+0", wantErr: `"17:+0" is not a time of day`},
		{spec: "Mon-Fri 09:00", wantErr: "is not a time range"},
		{spec: ",;,", wantErr: "names no days and hours"},
	}
	for _, tt := range tests {
		h, err := ParseOfficeHours(tt.spec, kyiv)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseOfficeHours(%q) error = %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseOfficeHours(%q) = %v", tt.spec, err)
			continue
		}
		if tt.wantString != "" && h.String() != tt.wantString {
			t.Errorf("String() = %q, want %q", h.String(), tt.wantString)
		}
		for _, x := range tt.open {
			if !h.OpenAt(x) {
				t.Errorf("%q: closed at %s, want open", tt.spec, x.Format("Mon 15:04"))
			}
			if got := h.NextOpen(x); !got.Equal(x) {
				t.Errorf("%q: NextOpen(%s) = %s while open", tt.spec, x, got)
			}
		}
		for _, x := range tt.closed {
			if h.OpenAt(x) {
				t.Errorf("%q: open at %s, want closed", tt.spec, x.Format("Mon 15:04"))
			}
		}
	}
}

func TestOfficeHoursNextOpen(t *testing.T) {
	kyiv, _ := time.LoadLocation("Europe/Kyiv")
	h, err := ParseOfficeHours("Mon-Fri 09:00-17:00", kyiv)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ at, want string }{
		{"2026-06-01 08:00", "2026-06-01 09:00"}, // Monday morning
		{"2026-06-01 17:00", "2026-06-02 09:00"}, // Monday evening
		{"2026-06-05 18:30", "2026-06-08 09:00"}, // Friday evening: Monday
		{"2026-06-06 12:00", "2026-06-08 09:00"}, // Saturday
		{"2026-06-07 23:59", "2026-06-08 09:00"}, // Sunday night
	}
	for _, tt := range tests {
		at, _ := time.ParseInLocation("2006-01-02 15:04", tt.at, kyiv)
		got := h.NextOpen(at).In(kyiv).Format("2006-01-02 15:04")
		if got != tt.want {
			t.Errorf("NextOpen(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
	// In UTC the same instant: the hours are Kyiv's, whatever zone t is in.
	at, _ := time.ParseInLocation("2006-01-02 15:04", "2026-06-01 06:30", time.UTC) // 09:30 in Kyiv
	if !h.OpenAt(at) {
		t.Error("06:30 UTC is 09:30 in Kyiv: want open")
	}
	// A clock change: Kyiv skips 03:00-04:00 on 2026-03-29 (a Sunday).
	night, _ := ParseOfficeHours("Sun 03:30-05:00", kyiv)
	from, _ := time.ParseInLocation("2006-01-02 15:04", "2026-03-29 01:00", kyiv)
	if got := night.NextOpen(from); !got.After(from) || !night.OpenAt(got) {
		t.Errorf("NextOpen across the clock change = %s, want a time after %s when it is open", got, from)
	}
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + string(rune('0'+n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

func TestParseContactRate(t *testing.T) {
	tests := []struct {
		in      string
		want    ContactRate
		wantErr string
	}{
		{in: "20/h", want: ContactRate{20, time.Hour}},
		{in: " 5 / m ", want: ContactRate{5, time.Minute}},
		{in: "5/min", want: ContactRate{5, time.Minute}},
		{in: "100/d", want: ContactRate{100, 24 * time.Hour}},
		{in: "10/30m", want: ContactRate{10, 30 * time.Minute}},
		{in: "1000/168h", want: ContactRate{1000, 7 * 24 * time.Hour}},
		{in: "20", wantErr: "is not messages per period"},
		{in: "0/h", wantErr: "is not messages per period"},
		{in: "-1/h", wantErr: "is not messages per period"},
		{in: "1001/h", wantErr: "is not messages per period"},
		{in: "x/h", wantErr: "is not messages per period"},
		{in: "20/hour", wantErr: `the period "hour"`},
		{in: "20/30s", wantErr: "from a minute to a week"},
		{in: "20/169h", wantErr: "from a minute to a week"},
		{in: "", wantErr: "is not messages per period"},
	}
	for _, tt := range tests {
		got, err := ParseContactRate(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseContactRate(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseContactRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if again, err := ParseContactRate(got.String()); err != nil || again != got {
			t.Errorf("String() %q does not read back: %v, %v", got.String(), again, err)
		}
	}
	if DefaultContactRate().String() != "20/h" {
		t.Errorf("default = %s", DefaultContactRate())
	}
}
