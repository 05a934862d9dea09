package store_test

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/store"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDefaultTimeZone(t *testing.T) {
	builtin, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	city := func(slug, flag, zone string) store.City { return store.City{Slug: slug, Flag: flag, TimeZone: zone} }
	// A dataset with two German partners, one without a flag, and an
	// English-speaking one.
	more := &store.Dataset{
		Home: city("lviv", "🇺🇦", "Europe/Kyiv"),
		Partners: []store.City{
			city("nowhere", "", "Europe/Paris"),
			city("wroclaw", "🇵🇱", "Europe/Warsaw"),
			city("graz", "🇦🇹", "Europe/Vienna"),
			city("krefeld", "🇩🇪", "Europe/Berlin"),
			city("winnipeg", "🇨🇦", "America/Winnipeg"), // two languages: no rule
			city("york", "🇬🇧", "Europe/London"),
		},
	}
	ukPartner := &store.Dataset{Home: city("lviv", "🇺🇦", "Europe/Kyiv"),
		Partners: []store.City{city("kharkiv", "🇺🇦", "Europe/Kyiv"), city("venlo", "🇳🇱", "Europe/Amsterdam")}}
	tests := []struct {
		name string
		d    *store.Dataset
		lang store.Lang
		want string
	}{
		{"German speaker: the German partner", builtin, store.LangDE, "Europe/Berlin"},
		{"Dutch speaker: the Dutch partner", builtin, store.LangNL, "Europe/Amsterdam"},
		{"Ukrainian speaker: home", builtin, store.LangUK, ""},
		{"English speaker, no English partner: home", builtin, store.LangEN, ""},
		{"no language: home", builtin, "", ""},
		{"first partner of the language wins", more, store.LangDE, "Europe/Vienna"},
		{"English partner", more, store.LangEN, "Europe/London"},
		{"no Dutch partner: home", more, store.LangNL, ""},
		{"the home country's language stays home", ukPartner, store.LangUK, ""},
		{"no dataset", nil, store.LangDE, ""},
	}
	for _, tt := range tests {
		if got := store.DefaultTimeZone(tt.d, tt.lang); got != tt.want {
			t.Errorf("%s: DefaultTimeZone(%q) = %q, want %q", tt.name, tt.lang, got, tt.want)
		}
	}
}

func TestFlagCountry(t *testing.T) {
	for flag, want := range map[string]string{"🇩🇪": "DE", "🇳🇱": "NL", " 🇺🇦 ": "UA", "": "", "DE": "", "🏳️": "", "🇩🇪🇳🇱": ""} {
		got, ok := store.FlagCountry(flag)
		if got != want || ok != (want != "") {
			t.Errorf("FlagCountry(%q) = %q, %t; want %q", flag, got, ok, want)
		}
	}
}

func TestLoadZoneAndLocation(t *testing.T) {
	home := mustZone(t, "Europe/Kyiv")
	for name, ok := range map[string]bool{
		"Europe/Amsterdam": true, "America/New_York": true, "UTC": true,
		"": false, "Local": false, "Mars/Olympus": false, "europe/amsterdam ": false, "../../etc/passwd": false,
	} {
		if _, err := store.LoadZone(name); (err == nil) != ok {
			t.Errorf("LoadZone(%q) error = %v, want ok=%t", name, err, ok)
		}
	}
	for zone, want := range map[string]string{"": "Europe/Kyiv", "Europe/Berlin": "Europe/Berlin", "Gone/Zone": "Europe/Kyiv"} {
		if got := (store.Subscriber{TimeZone: zone}).Location(home).String(); got != want {
			t.Errorf("Location of zone %q = %s, want %s", zone, got, want)
		}
	}
}

// The digest schedule read in each zone, across the spring clock change
// (2026-03-29: Berlin and Amsterdam 02:00 → 03:00 at 01:00 UTC, Kyiv
// 03:00 → 04:00) and the autumn one (2026-10-25).
func TestFiresPerZoneAcrossDST(t *testing.T) {
	kyiv, berlin, ams, ny := mustZone(t, "Europe/Kyiv"), mustZone(t, "Europe/Berlin"), mustZone(t, "Europe/Amsterdam"), mustZone(t, "America/New_York")
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	parse := func(spec string) cron.Schedule {
		s, err := cron.ParseStandard(spec)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	daily, weekly := parse("0 9 * * *"), parse("0 9 * * 1")
	tests := []struct {
		name     string
		sched    cron.Schedule
		loc      *time.Location
		now      string // UTC
		wantLast string // UTC, "" for none
		wantNext string
	}{
		{"Kyiv before the change", daily, kyiv, "2026-03-28 07:30", "2026-03-28 07:00", "2026-03-29 06:00"},
		{"Kyiv at its 09:00", daily, kyiv, "2026-03-29 06:00", "2026-03-29 06:00", "2026-03-30 06:00"},
		{"Kyiv a minute before", daily, kyiv, "2026-03-29 05:59", "2026-03-28 07:00", "2026-03-29 06:00"},
		{"Berlin before the change", daily, berlin, "2026-03-28 07:59", "2026-03-27 08:00", "2026-03-28 08:00"},
		{"Berlin the day of the change", daily, berlin, "2026-03-29 07:00", "2026-03-29 07:00", "2026-03-30 07:00"},
		{"Amsterdam like Berlin", daily, ams, "2026-03-29 06:59", "2026-03-28 08:00", "2026-03-29 07:00"},
		{"Berlin autumn", daily, berlin, "2026-10-25 07:30", "2026-10-24 07:00", "2026-10-25 08:00"},
		{"Kyiv autumn", daily, kyiv, "2026-10-25 07:00", "2026-10-25 07:00", "2026-10-26 07:00"},
		{"New York (US change on 2026-03-08)", daily, ny, "2026-03-08 13:30", "2026-03-08 13:00", "2026-03-09 13:00"},
		{"weekly, Monday 09:00 Berlin after the change", weekly, berlin, "2026-04-01 12:00", "2026-03-30 07:00", "2026-04-06 07:00"},
		{"weekly, Monday 09:00 Kyiv before it", weekly, kyiv, "2026-03-29 12:00", "2026-03-23 07:00", "2026-03-30 06:00"},
		{"monthly spec between its days: no last fire", parse("0 9 1 * *"), kyiv, "2026-03-20 12:00", "", "2026-04-01 06:00"},
	}
	for _, tt := range tests {
		now := utc(tt.now)
		last := store.LastFire(tt.sched, now, tt.loc)
		switch {
		case tt.wantLast == "" && !last.IsZero():
			t.Errorf("%s: LastFire = %s, want none", tt.name, last.UTC())
		case tt.wantLast != "" && !last.Equal(utc(tt.wantLast)):
			t.Errorf("%s: LastFire = %s, want %s UTC", tt.name, last.UTC(), tt.wantLast)
		}
		if next := store.NextFire(tt.sched, now, tt.loc); !next.Equal(utc(tt.wantNext)) {
			t.Errorf("%s: NextFire = %s, want %s UTC", tt.name, next.UTC(), tt.wantNext)
		}
		if !last.IsZero() && last.In(tt.loc).Format("15:04") != "09:00" {
			t.Errorf("%s: fires at %s local, want 09:00", tt.name, last.In(tt.loc).Format("15:04"))
		}
	}
}

func TestDigestDayAndDue(t *testing.T) {
	kyiv, ny := mustZone(t, "Europe/Kyiv"), mustZone(t, "America/New_York")
	// 2026-03-29 06:00 UTC is 09:00 that day in Kyiv, 02:00 in New York.
	slot := time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC)
	if got := store.DigestDay(store.FreqDaily, slot, kyiv); got != "daily:2026-03-29" {
		t.Errorf("DigestDay in Kyiv = %q", got)
	}
	if got := store.DigestDay(store.FreqWeekly, slot.Add(-7*time.Hour), ny); got != "weekly:2026-03-28" {
		t.Errorf("DigestDay in New York = %q", got)
	}
	tests := []struct {
		last, day string
		want      bool
	}{
		{"", "daily:2026-03-29", true},
		{"daily:2026-03-28", "daily:2026-03-29", true},
		{"daily:2026-03-29", "daily:2026-03-29", false}, // a zone change the same day
		{"daily:2026-03-30", "daily:2026-03-29", false}, // moved to a zone a day behind
		{"weekly:2026-03-30", "daily:2026-03-30", true}, // another frequency
		{"daily:2026-03-30", "weekly:2026-03-30", true},
		{"garbage", "daily:2026-03-29", true},
	}
	for _, tt := range tests {
		if got := store.DigestDue(tt.last, tt.day); got != tt.want {
			t.Errorf("DigestDue(%q, %q) = %t, want %t", tt.last, tt.day, got, tt.want)
		}
	}
}
