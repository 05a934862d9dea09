package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// testClock is Main's clock in tests that jump ahead in time.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now()} }

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const day = 24 * time.Hour

// myData sends /mydata and returns the one document it got, decoded.
func (c *chat) myData() (telegramtest.Message, store.ChatData) {
	c.e.t.Helper()
	cmd := "/mydata"
	if c.chat.Type != "private" {
		cmd += "@" + c.e.tg.BotUsername()
	}
	got := c.say(cmd)
	if len(got) != 1 || got[0].Media != "document" {
		c.e.t.Fatalf("/mydata: got %q, want one document", plains(got))
	}
	var d store.ChatData
	if err := json.Unmarshal(got[0].Data, &d); err != nil {
		c.e.t.Fatalf("/mydata document is not JSON: %v\n%s", err, got[0].Data)
	}
	return got[0], d
}

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

// /mydata sends the chat's records as a JSON file in the resident's
// language, with nothing of another chat; in a group only the group's.
func TestMyData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	other := e.private(822, "en")
	other.ask("/subscribe krefeld")
	c := e.private(821, "en")
	c.ask("/subscribe venlo")
	c.ask("/digest weekly")
	c.ask("/lang de")

	m, d := c.myData()
	if m.FileName != "partnerbot-mydata-821.json" || !strings.Contains(m.Plain, "Alles, was zu diesem Chat gespeichert ist") {
		t.Errorf("document %q with caption %q, want partnerbot-mydata-821.json and a German caption", m.FileName, m.Plain)
	}
	s := d.Subscriber
	if d.ChatID != 821 || s == nil || !slices.Equal(s.Cities, []string{"venlo"}) || s.Frequency != store.FreqWeekly ||
		s.Lang != store.LangDE || !s.LangChosen || !s.Active || s.ChatType != "private" {
		t.Errorf("subscriber in the export = %+v", s)
	}
	if d.User == nil || d.User.ID != 821 || d.User.Username != "user821" {
		t.Errorf("user in the export = %+v, want @user821", d.User)
	}
	if d.Draft != nil || d.Role != "" || d.Grant != nil || len(d.Audit) != 0 {
		t.Errorf("a resident's export has official records: %+v", d)
	}
	for _, leak := range []string{"822", "krefeld"} {
		if bytes.Contains(m.Data, []byte(leak)) {
			t.Errorf("the export of 821 mentions %q:\n%s", leak, m.Data)
		}
	}

	// In a group: the group's record, nobody's @username.
	g := e.group(-823, c)
	g.ask("/subscribe@" + e.tg.BotUsername() + " krefeld")
	gm, gd := g.myData()
	if gm.FileName != "partnerbot-mydata--823.json" || gd.Subscriber == nil || gd.Subscriber.ChatID != -823 || gd.User != nil || gd.UserID != 0 {
		t.Errorf("group export %q = %+v, want only the group's record", gm.FileName, gd)
	}

	// After /stop nothing of the chat is left to export.
	c.ask("/stop")
	if got := c.ask("/mydata"); got.Media != "" || !strings.Contains(got.Plain, "Zu diesem Chat ist nichts gespeichert") &&
		!strings.Contains(got.Plain, "Nothing is stored") {
		t.Errorf("/mydata after /stop: %+v", got)
	}
}

// An official's export has their role, grant, unfinished post and the
// audit entries they made; /stop deletes what the export lists as theirs
// and says so, and keeps the office's records.
func TestMyDataOfficialAndStop(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	o := e.private(ownerID, "en")
	o.ask("/visit venlo | 2025-10-30 | Export visit | Text")
	editor := e.private(831, "en")
	editor.ask("/start")
	o.ask("/grant 831")
	editor.ask("/announce krefeld | From the editor")
	editor.ask("/post") // an unfinished wizard

	_, d := editor.myData()
	if d.Role != store.RoleEditor || d.Grant == nil || d.Grant.GrantedBy != ownerID || d.Draft == nil || d.Draft.UserID != 831 {
		t.Errorf("editor's export: role %q grant %+v draft %+v", d.Role, d.Grant, d.Draft)
	}
	if len(d.Audit) != 1 || d.Audit[0].UserID != 831 || d.Audit[0].Action != "created" {
		t.Errorf("editor's audit entries = %+v, want their one post", d.Audit)
	}
	_, od := o.myData()
	if od.Role != store.RoleOwner || od.Grant != nil || len(od.Audit) != 1 || od.Audit[0].UserID != ownerID {
		t.Errorf("owner's export: role %q grant %+v audit %+v", od.Role, od.Grant, od.Audit)
	}

	got := editor.ask("/stop")
	mustContain(t, got.Plain, "your @username", "your unfinished post")
	st := e.store()
	after, err := store.CollectChatData(context.Background(), st, store.Person{ChatID: 831, UserID: 831}, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if after.Personal() || after.Grant == nil || len(after.Audit) != 1 {
		t.Errorf("after /stop: %+v; want nothing personal, grant and audit kept", after)
	}
}

// The document goes through the reply journal: a 5xx sends it once after
// the retry; a lost answer (Telegram took it) sends the very same bytes
// again, as for any reply, without running the handler again.
func TestMyDataDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.start()
	c := e.private(841, "en")
	c.ask("/subscribe venlo")

	e.tg.FailNextTo("sendDocument", 841, 1, 502, "")
	id := e.tg.SendText(c.chat, c.user, "/mydata")
	e.tg.WaitConfirmed(t, wait, id)
	if docs := e.tg.DocumentsTo(841); len(docs) != 1 {
		t.Fatalf("after a 502: %d documents, want 1", len(docs))
	}

	e.tg.LoseNextTo("sendDocument", 841, 1)
	id = e.tg.SendText(c.chat, c.user, "/mydata")
	e.tg.WaitConfirmed(t, wait, id)
	docs := e.tg.DocumentsTo(841)[1:]
	if len(docs) != 2 || !bytes.Equal(docs[0].Data, docs[1].Data) {
		t.Fatalf("after a lost answer: %d documents (equal: %t), want the same file twice", len(docs), len(docs) == 2 && bytes.Equal(docs[0].Data, docs[1].Data))
	}
	if n := len(e.tg.Calls("sendDocument")); n != 4 {
		t.Errorf("%d sendDocument calls, want 4 (502 + retry, lost + retry)", n)
	}
}

// An update whose document was still in flight at shutdown comes again
// after the restart: the kept file is sent once, as it was made (the
// clock moved on meanwhile; the handler does not run again).
func TestMyDataResentOnceAfterRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clock := newTestClock()
	e.now = clock.Now
	e.start()
	c := e.private(851, "en")
	c.ask("/subscribe venlo")
	made := clock.Now()
	e.tg.SetDelay("sendDocument", time.Minute)
	id := e.tg.SendText(c.chat, c.user, "/mydata")
	waitInFlight(t, e.tg, "sendDocument")
	e.stop()
	e.tg.SetDelay("sendDocument", 0)
	if n := len(e.tg.DocumentsTo(851)); n != 0 {
		t.Fatalf("%d documents before the restart", n)
	}
	clock.advance(time.Hour)
	e.start()
	e.tg.WaitConfirmed(t, wait, id)
	docs := e.tg.DocumentsTo(851)
	if len(docs) != 1 {
		t.Fatalf("after the restart %d documents, want 1", len(docs))
	}
	var d store.ChatData
	if err := json.Unmarshal(docs[0].Data, &d); err != nil || !d.ExportedAt.Equal(made) {
		t.Errorf("resent export made at %v (%v), want %v: the handler ran again", d.ExportedAt, err, made)
	}
}

// Retention with Main's clock moved ahead: a chat gone longer than
// RETENTION_DAYS is deleted (with its @username) when the bot starts on a
// new day, the active chat and a chat gone lately are kept; audit entries
// go after AUDIT_RETENTION_DAYS; /stats shows both.
func TestRetention(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	clock := newTestClock()
	e.now = clock.Now
	e.cfg.Retention = store.RetentionPolicy{ChatDays: 30, AuditDays: 45}
	e.start()
	ctx := context.Background()
	gone, kept, lately := e.private(861, "en"), e.private(862, "de"), e.private(863, "en")
	gone.ask("/subscribe venlo")
	kept.ask("/subscribe krefeld")
	lately.ask("/subscribe venlo")
	o := e.private(ownerID, "en")
	o.ask("/visit venlo | 2025-10-30 | Audited visit | Text")
	mustContain(t, o.ask("/stats").Plain, "Retention: inactive chats deleted after 30 days, audit entries after 45 days")

	block := func(c *chat) {
		t.Helper()
		e.tg.Block(c.chat.ID)
		e.tg.WaitConfirmed(t, wait, e.tg.SendMyChatMember(c.chat, c.user, "member", "kicked"))
	}
	block(gone)
	clock.advance(10 * day)
	block(lately)

	// 31 days after the first block the bot starts again: the run at
	// start is a new day's.
	e.stop()
	clock.advance(21*day + time.Hour)
	e.start()
	st := e.store()
	today := clock.Now().In(e.cfg.TimeZone).Format(time.DateOnly)
	eventually(t, wait, func() string { return "no retention run today" }, func() bool {
		run, ok, err := store.LastRetention(ctx, st)
		return err == nil && ok && run.Day == today && !run.FinishedAt.IsZero()
	})
	if _, err := st.Subscriber(ctx, 861); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("chat gone 31 days: %v, want deleted", err)
	}
	if _, err := st.User(ctx, 861); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("its @username: %v, want deleted with it", err)
	}
	for _, id := range []int64{862, 863} {
		if _, err := st.Subscriber(ctx, id); err != nil {
			t.Errorf("chat %d: %v, want kept", id, err)
		}
	}
	if log, _ := st.AuditLog(ctx, 0, 10); len(log) != 1 {
		t.Errorf("audit after 31 days: %d entries, want 1 (kept 45 days)", len(log))
	}
	mustContain(t, o.ask("/stats").Plain, ": 1 chats, 0 audit entries")
	_, d := kept.myData()
	if d.Subscriber == nil || !slices.Equal(d.Subscriber.Cities, []string{"krefeld"}) || bytes.Contains(mustJSON(t, d), []byte("861")) {
		t.Errorf("the kept chat's export: %+v", d)
	}
	e.tg.Unblock(861)
	e.tg.WaitConfirmed(t, wait, e.tg.SendMyChatMember(gone.chat, gone.user, "kicked", "member"))
	mustContain(t, gone.ask("/mydata").Plain, "Nothing is stored about this chat")

	// Fifteen days on, run directly: the audit entry (46 days old) and the
	// chat gone for 36 days go; a second run the same day does nothing.
	clock.advance(15 * day)
	ret := &scheduler.Retention{Store: st, Policy: e.cfg.Retention, Loc: e.cfg.TimeZone, Now: clock.Now}
	run, ran, err := ret.RunDaily(ctx)
	if err != nil || !ran || run.Chats != 1 || run.Audit != 1 {
		t.Errorf("retention 46 days on: %+v, ran %t, %v; want 1 chat and 1 audit entry", run, ran, err)
	}
	if _, ran, err := ret.RunDaily(ctx); err != nil || ran {
		t.Errorf("second run the same day: ran %t, %v", ran, err)
	}
	if log, _ := st.AuditLog(ctx, 0, 10); len(log) != 0 {
		t.Errorf("audit after 46 days: %+v, want pruned", log)
	}
	if _, err := st.Subscriber(ctx, 862); err != nil {
		t.Errorf("the active chat: %v, want kept", err)
	}
	mustContain(t, o.ask("/stats").Plain, ": 1 chats, 1 audit entries")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
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
