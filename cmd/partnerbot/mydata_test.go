package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

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
	// Whole words: a timestamp's nanoseconds may hold the digits 822.
	for _, leak := range []string{"822", "user822", "krefeld"} {
		if regexp.MustCompile(`\b` + leak + `\b`).Match(m.Data) {
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
	clock := newJumpClock()
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
