package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// /privacy in the resident's language, with the periods configured; /help
// and the command menu list it and /mydata.
func TestPrivacyNotice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	en := e.private(801, "en").ask("/privacy")
	mustContain(t, en.Plain, "Privacy", "Kropyvnytskyi", "@username", "30 days", "365 days", "/mydata", "/stop")
	de := e.private(802, "de").ask("/privacy")
	mustContain(t, de.Plain, "Datenschutz", "30 Tage", "365 Tage", "/mydata")
	uk := e.private(803, "uk").ask("/privacy")
	mustContain(t, uk.Plain, "Конфіденційність", "Кропивницький", "30 дн.")

	help := e.private(804, "en").ask("/help")
	mustContain(t, help.Plain, "/privacy — ", "/mydata — ", "What is stored about you and for how long: /privacy")
	var menu []string
	for _, c := range e.tg.Commands("default", 0, "en") {
		menu = append(menu, c.Command)
	}
	if !slices.Contains(menu, "privacy") || !slices.Contains(menu, "mydata") {
		t.Errorf("command menu %v lacks privacy or mydata", menu)
	}
}

// A municipality's own notice from PRIVACY_FILE, read through the
// configuration, shown as plain text, with the periods configured.
func TestPrivacyNoticeFromFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "privacy.json")
	notice := `{"nl": "Het partnerschapsbureau van Kropyvnytskyi bewaart <b>weinig</b>.\n\nVragen: privacy@example.org", "uk": "Відділ зберігає мало."}`
	if err := os.WriteFile(path, []byte(notice), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(mapEnv(map[string]string{"TELEGRAM_BOT_TOKEN": "1:a", "PRIVACY_FILE": path,
		"RETENTION_DAYS": "14", "AUDIT_RETENTION_DAYS": "90"}))
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.Privacy, e.cfg.Retention = cfg.Privacy, cfg.Retention
	e.start()
	nl := e.private(811, "nl").ask("/privacy")
	mustContain(t, nl.Plain, "bewaart <b>weinig</b>.\n\nVragen: privacy@example.org", "14 dagen", "90 dagen", "/mydata")
	if strings.Contains(nl.Plain, "Telegram-id") {
		t.Errorf("the built-in notice is shown next to the city's:\n%s", nl.Plain)
	}
	// No English text: Ukrainian, as for every text in several languages.
	en := e.private(812, "en").ask("/privacy")
	mustContain(t, en.Plain, "Відділ зберігає мало.", "14 days", "90 days")
}

// RETENTION_DAYS, AUDIT_RETENTION_DAYS and PRIVACY_FILE: defaults, and one
// clear line for a bad value.
func TestPrivacyConfig(t *testing.T) {
	base := map[string]string{"TELEGRAM_BOT_TOKEN": "1:a"}
	with := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return mapEnv(m)
	}
	c, err := LoadConfig(with())
	if err != nil || c.Retention != store.DefaultRetention() || c.Privacy != nil {
		t.Fatalf("defaults: %+v %v %v", c.Retention, c.Privacy, err)
	}
	if c, err := LoadConfig(with("RETENTION_DAYS", "7", "AUDIT_RETENTION_DAYS", " 730 ")); err != nil ||
		c.Retention != (store.RetentionPolicy{ChatDays: 7, AuditDays: 730}) {
		t.Errorf("RETENTION_DAYS=7 AUDIT_RETENTION_DAYS=730: %+v %v", c.Retention, err)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"en": "Ours."}`)
	if c, err := LoadConfig(with("PRIVACY_FILE", good)); err != nil || c.Privacy[store.LangEN] != "Ours." {
		t.Errorf("PRIVACY_FILE: %v %v", c.Privacy, err)
	}
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"RETENTION_DAYS", "0"}, `RETENTION_DAYS: "0" is not a whole number of days from 1 to 36500`},
		{[]string{"RETENTION_DAYS", "-3"}, `RETENTION_DAYS: "-3"`},
		{[]string{"RETENTION_DAYS", "30d"}, `RETENTION_DAYS: "30d"`},
		{[]string{"AUDIT_RETENTION_DAYS", "0"}, `AUDIT_RETENTION_DAYS: "0"`},
		{[]string{"AUDIT_RETENTION_DAYS", "99999999"}, `AUDIT_RETENTION_DAYS: "99999999"`},
		{[]string{"PRIVACY_FILE", filepath.Join(dir, "missing.json")}, `PRIVACY_FILE: privacy file "` + dir},
		{[]string{"PRIVACY_FILE", write("bad.json", `{"en": "a",}`)}, `PRIVACY_FILE: privacy file "` + dir + `/bad.json": line 1, column 12: invalid character`},
		{[]string{"PRIVACY_FILE", write("lang.json", `{"ua": "a"}`)}, `PRIVACY_FILE: privacy file "` + dir + `/lang.json": ua: unknown language "ua"`},
		{[]string{"PRIVACY_FILE", write("list.json", `["a"]`)}, `PRIVACY_FILE: privacy file "` + dir + `/list.json": line 1, column 1: the file must contain an object of texts by language`},
	} {
		_, err := LoadConfig(with(tc.env...))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want one line starting %q", tc.env, err, tc.want)
		}
	}
	// A bad file stops the start with one line naming the variable.
	var out, errOut bytes.Buffer
	env := with("PRIVACY_FILE", filepath.Join(dir, "bad.json"))
	if code := run(nil, env, nil, &out, &errOut); code != 2 || strings.Count(strings.TrimSpace(errOut.String()), "\n") != 0 ||
		!strings.HasPrefix(errOut.String(), "partnerbot: PRIVACY_FILE: ") {
		t.Errorf("start with a bad PRIVACY_FILE: exit %d, %q", code, errOut.String())
	}
	// The file wins over the dataset.
	ds := &store.Dataset{Privacy: store.Text{store.LangEN: "dataset"}}
	if got := privacyOf(Config{}, ds); got[store.LangEN] != "dataset" {
		t.Errorf("privacyOf without a file = %v", got)
	}
	if got := privacyOf(Config{Privacy: store.Text{store.LangEN: "file"}}, ds); got[store.LangEN] != "file" {
		t.Errorf("privacyOf with a file = %v", got)
	}
}
