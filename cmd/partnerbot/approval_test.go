package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

const (
	secondOwnerID = 901
	editorID      = 950
)

// newApprovalEnv is an env with APPROVAL set, the given owners and an
// editor (editorID) granted by the first owner once started.
func newApprovalEnv(t *testing.T, policy store.Approval, owners ...int64) (*env, *testClock) {
	e := newEnv(t)
	clk := newScheduleEnv(t, e)
	e.cfg.AdminIDs, e.cfg.Approval = owners, policy
	return e, clk
}

// grantEditor makes editorID an editor. Officials are written to (review
// requests, notices) in the language their chat chose; they choose
// English here.
func (e *env) grantEditor(owner *chat) *chat {
	e.t.Helper()
	mustContain(e.t, owner.ask(fmt.Sprintf("/grant %d", editorID)).Plain, "is now an editor")
	ed := e.private(editorID, "en")
	ed.ask("/lang en")
	return ed
}

// english makes officials' chats choose English.
func english(cs ...*chat) {
	for _, c := range cs {
		c.ask("/lang en")
	}
}

// reviewRequest waits for the message with the buttons that asks official
// to approve post id.
func (e *env) reviewRequest(official int64, id int64) telegramtest.Message {
	e.t.Helper()
	return e.tg.WaitSent(e.t, wait, telegramtest.All(telegramtest.To(official),
		telegramtest.TextContains(fmt.Sprintf("Post #%d by", id)), telegramtest.TextContains("waits for your approval")))
}

// press sends a button's data as user of c (a forged or repeated tap) on
// message msgID, and returns the toast.
func (c *chat) press(msgID int, data string) string {
	c.e.t.Helper()
	upd, cb := c.e.tg.SendCallback(c.chat, c.user, msgID, data)
	c.e.tg.WaitConfirmed(c.e.t, wait, upd)
	return c.e.tg.WaitAnswer(c.e.t, wait, cb).Text
}

func postState(t *testing.T, st store.Store, id int64) store.PostStatus {
	t.Helper()
	p, err := st.Post(context.Background(), id)
	if err != nil {
		t.Fatalf("post #%d: %v", id, err)
	}
	return p.State()
}

func auditActions(t *testing.T, st store.Store, id int64) string {
	t.Helper()
	log, err := st.AuditLog(context.Background(), id, 20)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(log) - 1; i >= 0; i-- {
		out = append(out, log[i].Action)
	}
	return strings.Join(out, " ")
}

// APPROVAL=editors: an editor's post waits, unseen by residents, for an
// owner. Buttons sent by others than an approver, or for a post that is
// not pending, change nothing and say why; Approve publishes once (a
// second tap changes nothing); Reject asks for a reason the author gets,
// and an Approve after it changes nothing. A post with a time is
// scheduled by its approval and comes out then. Every step is audited.
func TestApprovalAcceptAndReject(t *testing.T) {
	t.Parallel()
	e, clk := newApprovalEnv(t, store.ApprovalEditors, ownerID)
	e.start()
	st := e.store()
	fan := e.private(561, "en")
	fan.ask("/subscribe venlo")
	owner := e.private(ownerID, "en")
	english(owner)
	ed := e.grantEditor(owner)

	sent := ed.ask("/visit venlo | 2026-01-01 | Twinning talks | Two mayors met.")
	mustContain(t, sent.Plain, "waits for approval", "sent to 1 official")
	id := postIDIn(t, sent.Plain)
	if postState(t, st, id) != store.StatusPending {
		t.Fatalf("the editor's post is %s, want pending", postState(t, st, id))
	}
	req := e.reviewRequest(ownerID, id)
	mustContain(t, req.Plain, fmt.Sprint(editorID))
	mustContain(t, strings.Join(plains(e.tg.SentTo(ownerID)), "\n"), "Two mayors met.") // the preview came first
	if got := fan.ask("/news venlo").Plain; strings.Contains(got, "Twinning talks") {
		t.Errorf("/news shows a pending post: %s", got)
	}
	mustContain(t, fan.ask(fmt.Sprintf("/p%d", id)).Plain, "does not exist")
	approve, _ := findButton(req, "Approve")

	// Forged and misplaced buttons: nothing changes, each says why.
	last := e.tg.SentTo(editorID)
	mustContain(t, ed.press(last[len(last)-1].MessageID, approve.CallbackData), "This is your post")
	mustContain(t, owner.ask("/grant 951").Plain, "is now an editor")
	other := e.private(951, "en")
	mustContain(t, other.press(0, approve.CallbackData), "needs an owner's approval")
	mustContain(t, fan.press(0, approve.CallbackData), "for the city's officials only")
	mustContain(t, owner.press(req.MessageID, "rv:a-1"), "Post #1 is published now: nothing was changed")
	mustContain(t, owner.press(req.MessageID, "rv:a-99999"), "There is no post #99999")
	mustContain(t, owner.press(req.MessageID, "rv:z-"+fmt.Sprint(id)), "no longer valid")
	if postState(t, st, id) != store.StatusPending {
		t.Fatalf("after forged buttons the post is %s", postState(t, st, id))
	}
	pending := owner.say("/pending")
	mustContain(t, pending[0].Plain, "Waiting for approval: 1")
	mustContain(t, lastWith(t, pending, "Twinning talks").Plain, fmt.Sprintf("#%d", id))

	// Edit: the approver changes the title in the wizard; it keeps waiting,
	// and the answer carries the buttons for this version (the request's
	// are for the one before).
	_, got := owner.tap(req, "Edit")
	_, got = owner.tap(lastWith(t, got, "Twinning talks"), "Edit a field")
	owner.tap(got[0], "Title")
	preview := lastWith(t, owner.say("Twinning talks, revised"), "Twinning talks, revised")
	_, got = owner.tap(preview, "✅ Publish")
	edited := lastWith(t, got, "updated")
	mustContain(t, edited.Plain, "still waits for approval")
	if postState(t, st, id) != store.StatusPending {
		t.Fatalf("after the approver's edit the post is %s, want pending", postState(t, st, id))
	}

	// Approve: published, once.
	done, _ := owner.tap(edited, "Approve")
	mustContain(t, done.Plain, fmt.Sprintf("Approved: post #%d is published", id))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(editorID), telegramtest.TextContains("was approved by")))
	mustContain(t, owner.press(req.MessageID, approve.CallbackData), "is published now: nothing was changed")
	mustContain(t, fan.ask("/news venlo").Plain, "Twinning talks")
	mustContain(t, fan.ask("/news venlo").Plain, "Twinning talks, revised")
	if got := auditActions(t, st, id); got != "submitted edited approved" {
		t.Errorf("audit of #%d: %s, want submitted edited approved", id, got)
	}

	// Reject with a reason; the author gets it; a late Approve is void.
	sent = ed.ask("/announce venlo | Pool closed all week")
	rid := postIDIn(t, sent.Plain)
	req = e.reviewRequest(ownerID, rid)
	_, got = owner.tap(req, "Reject")
	mustContain(t, got[0].Plain, fmt.Sprintf("Why is post #%d rejected", rid))
	mustContain(t, owner.ask(strings.Repeat("x", store.MaxReasonLen+1)).Plain, "Reason: 501 characters, the limit is 500")
	mustContain(t, owner.ask("The pool is open after all.").Plain, "rejected; its author was told why")
	told := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(editorID), telegramtest.TextContains("was not approved")))
	mustContain(t, told.Plain, "Reason: The pool is open after all.", fmt.Sprintf("/edit %d", rid))
	approve, _ = findButton(req, "Approve")
	mustContain(t, owner.press(req.MessageID, approve.CallbackData), "is rejected now: nothing was changed")
	if postState(t, st, rid) != store.StatusRejected {
		t.Errorf("post #%d is %s, want rejected", rid, postState(t, st, rid))
	}
	if got := auditActions(t, st, rid); got != "submitted rejected" {
		t.Errorf("audit of #%d: %s, want submitted rejected", rid, got)
	}

	// A pending post with a time: approval schedules it; it comes out then.
	sent = ed.ask("/visit venlo | 2026-02-01 | Youth exchange | Pupils visit Venlo.")
	tid := postIDIn(t, sent.Plain)
	due := clk.Now().Add(time.Hour).Truncate(time.Minute)
	mustContain(t, ed.ask(fmt.Sprintf("/schedule %d %s", tid, venloTime(t, due))).Plain, "still waits for approval", "Once approved, it will be published at "+venloTime(t, due))
	// The owner is asked again with the time (revision 1); the first
	// request, without it, approves nothing now.
	done, _ = owner.tap(e.reviewOf(ownerID, tid, 1), "Approve")
	mustContain(t, done.Plain, "will be published at "+venloTime(t, due))
	if postState(t, st, tid) != store.StatusScheduled {
		t.Fatalf("post #%d is %s after approval, want scheduled", tid, postState(t, st, tid))
	}
	clk.SetTo(due.Add(time.Second))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(editorID), telegramtest.TextContains(fmt.Sprintf("#%d «Youth exchange» was published", tid))))
	if got := auditActions(t, st, tid); got != "submitted retimed approved published" {
		t.Errorf("audit of #%d: %s", tid, got)
	}
	// An owner's own post needs nobody under "editors".
	mustContain(t, owner.ask("/visit venlo | 2026-01-02 | Owner visit | Text.").Plain, "Published as")
	e.waitOutboxEmpty()
	if n := countWith(e.tg.SentTo(fan.chat.ID), "Pool closed"); n != 0 {
		t.Errorf("a rejected announcement reached the resident %d times", n)
	}
}

// APPROVAL=all: two owners get an editor's announcement and tap Approve
// at the same moment (one of the answers lost on the way): it is
// published once, announced once, audited once; the author cannot approve
// their own post, and an owner's own post needs the other owner.
func TestApprovalTwoApproversAtOnce(t *testing.T) {
	t.Parallel()
	e, _ := newApprovalEnv(t, store.ApprovalAll, ownerID, secondOwnerID)
	e.start()
	st := e.store()
	fans := []*chat{e.private(571, "en"), e.private(572, "nl")}
	for _, f := range fans {
		f.ask("/subscribe venlo")
	}
	owner, second := e.private(ownerID, "en"), e.private(secondOwnerID, "en")
	english(owner, second)
	ed := e.grantEditor(owner)

	sent := ed.ask("/announce venlo | Festival moved to Sunday")
	mustContain(t, sent.Plain, "sent to 2 official")
	id := postIDIn(t, sent.Plain)
	a, b := e.reviewRequest(ownerID, id), e.reviewRequest(secondOwnerID, id)
	data, _ := findButton(a, "Approve")

	// The author may not approve it, by a button of their own making nor
	// from /pending, which shows it without buttons.
	pending := lastWith(t, ed.say("/pending"), "Festival moved")
	mustContain(t, pending.Plain, "This is your post")
	if len(pending.ReplyMarkup.Buttons()) != 0 {
		t.Errorf("the author's /pending offers buttons: %+v", pending.ReplyMarkup.Buttons())
	}
	mustContain(t, ed.press(pending.MessageID, data.CallbackData), "This is your post")

	e.tg.LoseNextTo("editMessageText", secondOwnerID, 1)
	u1, c1 := e.tg.SendCallback(owner.chat, owner.user, a.MessageID, data.CallbackData)
	u2, c2 := e.tg.SendCallback(second.chat, second.user, b.MessageID, data.CallbackData)
	for _, u := range []int{u1, u2} {
		e.tg.WaitConfirmed(t, wait, u)
	}
	toasts := e.tg.WaitAnswer(t, wait, c1).Text + " | " + e.tg.WaitAnswer(t, wait, c2).Text
	if strings.Count(toasts, "Approved") != 1 || strings.Count(toasts, "nothing was changed") != 1 {
		t.Errorf("toasts %q, want one approval and one 'nothing was changed'", toasts)
	}
	for _, f := range fans {
		e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(f.chat.ID), telegramtest.TextContains("Festival moved")))
	}
	e.waitOutboxEmpty()
	for _, f := range fans {
		if n := countWith(e.tg.SentTo(f.chat.ID), "Festival moved"); n != 1 {
			t.Errorf("chat %d got the announcement %d times, want once", f.chat.ID, n)
		}
	}
	if n := countWith(e.tg.SentTo(editorID), "was approved by"); n != 1 {
		t.Errorf("the author was told %d times, want once", n)
	}
	if got := auditActions(t, st, id); got != "submitted approved" {
		t.Errorf("audit: %s, want submitted approved", got)
	}

	// An owner's post waits for the other owner, not for its author.
	sent = owner.ask("/announce venlo | Owner's own notice")
	mustContain(t, sent.Plain, "sent to 2 official") // the other owner and the editor
	oid := postIDIn(t, sent.Plain)
	e.reviewRequest(editorID, oid)
	mine := e.reviewRequest(secondOwnerID, oid)
	approve, _ := findButton(mine, "Approve")
	mustContain(t, owner.press(0, approve.CallbackData), "This is your post")
	if postState(t, st, oid) != store.StatusPending {
		t.Fatalf("the owner's own tap moved their post to %s", postState(t, st, oid))
	}
	done, _ := ed.tap(e.reviewRequest(editorID, oid), "Approve")
	mustContain(t, done.Plain, "is published")
}
