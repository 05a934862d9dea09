package main

import (
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func TestOfficeConfig(t *testing.T) {
	with := func(kv ...string) map[string]string {
		m := map[string]string{"TELEGRAM_BOT_TOKEN": "123:abc"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := LoadConfig(mapEnv(with()))
	if err != nil {
		t.Fatal(err)
	}
	if c.OfficeChat != 0 || !c.OfficeHours.Always() || c.ContactRate != store.DefaultContactRate() || c.OfficeLang != store.LangUK {
		t.Errorf("defaults: chat %d, hours %q, rate %v, lang %q", c.OfficeChat, c.OfficeHours, c.ContactRate, c.OfficeLang)
	}
	c, err = LoadConfig(mapEnv(with("OFFICE_CHAT_ID", "-1001234567890", "OFFICE_HOURS", "Mon-Fri 09:00-17:00", "CONTACT_RATE", "5/30m",
		"OFFICE_LANG", "de", "TIMEZONE", "Europe/Berlin")))
	if err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2026, 6, 1, 8, 30, 0, 0, time.UTC) // 10:30 in Berlin
	if c.OfficeChat != -1001234567890 || !c.OfficeHours.OpenAt(monday) || c.ContactRate != (store.ContactRate{N: 5, Per: 30 * time.Minute}) || c.OfficeLang != store.LangDE {
		t.Errorf("set: %+v", c)
	}
	for _, tt := range []struct{ kv []string }{
		{[]string{"OFFICE_CHAT_ID", "@office"}},
		{[]string{"OFFICE_CHAT_ID", "-42"}},
		{[]string{"OFFICE_CHAT_ID", "1001234567890"}},
		{[]string{"OFFICE_HOURS", "Mon-Fri 9-17"}},
		{[]string{"OFFICE_HOURS", "weekdays 09:00-17:00"}},
		{[]string{"CONTACT_RATE", "20"}},
		{[]string{"CONTACT_RATE", "20/week"}},
		{[]string{"CONTACT_RATE", "0/h"}},
		{[]string{"OFFICE_LANG", "fr"}},
	} {
		_, err := LoadConfig(mapEnv(with(tt.kv...)))
		if err == nil || !strings.HasPrefix(err.Error(), tt.kv[0]+":") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%q: error %v, want one line naming %s", tt.kv[0], tt.kv[1], err, tt.kv[0])
		}
	}
}
