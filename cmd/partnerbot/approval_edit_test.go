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

// withButtonData matches a message with a button whose callback data is data.
func withButtonData(data string) func(telegramtest.Message) bool {
	return func(m telegramtest.Message) bool {
		for _, b := range m.ReplyMarkup.Buttons() {
			if b.CallbackData == data {
				return true
			}
		}
		return false
	}
}

// reviewOf waits for the message that asks official to approve revision
// rev of post id.
func (e *env) reviewOf(official, id int64, rev int) telegramtest.Message {
	e.t.Helper()
	return e.tg.WaitSent(e.t, wait, telegramtest.All(telegramtest.To(official), withButtonData(fmt.Sprintf("rv:a-%d-%d", id, rev))))
}

// retitle opens post id (titled old) in the wizard as official c and
// types a new title; it returns the preview, with the Publish button.
func (c *chat) retitle(id int64, old, title string) telegramtest.Message {
	t := c.e.t
	t.Helper()
	_, got := c.tap(lastWith(t, c.say(fmt.Sprintf("/edit %d", id)), old), "Edit a field")
	c.tap(got[0], "Title")
	return lastWith(t, c.say(title), title)
}

func storedPost(t *testing.T, st store.Store, id int64) store.Post {
	t.Helper()
	p, err := st.Post(context.Background(), id)
	if err != nil {
		t.Fatalf("post #%d: %v", id, err)
	}
	return p
}

// APPROVAL=editors: an editor's post approved for later and then edited
// by the editor goes back to pending with its time kept; the editor is
// told, the owner is asked again (once, though the editor's answer was
// lost and sent again), and its time passes without it coming out. Once
// approved (its time gone by) it comes out at once, as edited.
func TestApprovalEditAfterApprovalAsksAgain(t *testing.T) {
	t.Parallel()
	e, clk := newApprovalEnv(t, store.ApprovalEditors, ownerID)
	e.start()
	st := e.store()
	fan := e.private(581, "en")
	fan.ask("/subscribe venlo")
	owner := e.private(ownerID, "en")
	english(owner)
	ed := e.grantEditor(owner)

	id := postIDIn(t, ed.ask("/visit venlo | 2026-03-01 | Port deal | Ships dock in Venlo.").Plain)
	due := clk.Now().Add(time.Hour).Truncate(time.Minute)
	mustContain(t, ed.ask(fmt.Sprintf("/schedule %d %s", id, venloTime(t, due))).Plain, "still waits for approval")
	// The request with the time (revision 1): the first one had none.
	done, _ := owner.tap(e.reviewOf(ownerID, id, 1), "Approve")
	mustContain(t, done.Plain, "will be published at "+venloTime(t, due))
	if p := storedPost(t, st, id); p.State() != store.StatusScheduled || p.Reviewer != ownerID {
		t.Fatalf("after approval: %s, reviewer %d; want scheduled by the owner's approval", p.State(), p.Reviewer)
	}

	preview := ed.retitle(id, "Port deal", "Port deal, amended")
	e.tg.LoseNextTo("sendMessage", editorID, 1)
	_, got := ed.tap(preview, "✅ Publish")
	told := lastWith(t, got, "needs approval again")
	mustContain(t, told.Plain, fmt.Sprintf("Post #%d is updated", id), "approved to be published at "+venloTime(t, due),
		"not be published until an approver accepts this version", "sent to 1 official", "Once approved, it will be published at "+venloTime(t, due))
	p := storedPost(t, st, id)
	if p.State() != store.StatusPending || p.PublishAt == nil || !p.PublishAt.Equal(due) || p.Title != "Port deal, amended" || p.Reviewer != 0 {
		t.Fatalf("after the editor's edit: %s at %v, %q, reviewer %d; want pending at %v, the new title, no reviewer",
			p.State(), p.PublishAt, p.Title, p.Reviewer, due)
	}
	again := e.reviewOf(ownerID, id, p.Revision)
	mustContain(t, again.Plain, "This is a new version", "Once approved, it will be published at "+venloTime(t, due))
	mustContain(t, strings.Join(plains(e.tg.SentTo(ownerID)), "\n"), "Port deal, amended") // its preview
	if got := auditActions(t, st, id); got != "submitted retimed approved resubmitted" {
		t.Errorf("audit after the edit: %s, want submitted retimed approved resubmitted", got)
	}
	mustContain(t, owner.ask(fmt.Sprintf("/audit %d", id)).Plain, "edited; sent for approval again", "status: scheduled → pending",
		"title: Port deal → Port deal, amended")

	// Its time passes: a post of the owner's for the same time comes out,
	// this one does not.
	scheduleAnnouncement(t, owner, "Control notice", due)
	clk.SetTo(due.Add(time.Second))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Control notice")))
	e.waitOutboxEmpty()
	if st := postState(t, st, id); st != store.StatusPending {
		t.Fatalf("at its time the edited post is %s, want pending", st)
	}
	if got := fan.ask("/news venlo").Plain; strings.Contains(got, "Port deal") {
		t.Errorf("/news shows the unapproved edit: %s", got)
	}
	if n := countWith(e.tg.SentTo(ownerID), "This is a new version"); n != 1 {
		t.Errorf("the owner was asked %d times after the edit, want once", n)
	}

	done, _ = owner.tap(again, "Approve")
	mustContain(t, done.Plain, fmt.Sprintf("Approved: post #%d is published", id))
	mustContain(t, fan.ask("/news venlo").Plain, "Port deal, amended")
	if got := auditActions(t, st, id); got != "submitted retimed approved resubmitted approved" {
		t.Errorf("audit: %s, want submitted retimed approved resubmitted approved", got)
	}
}

// APPROVAL=editors: Approve or Reject under a preview of a version the
// author has changed since changes nothing — by tap, tapped again, or as
// a reason typed after the change — and brings the approver the current
// version, whose buttons work.
func TestApprovalStalePreviewChangesNothing(t *testing.T) {
	t.Parallel()
	e, _ := newApprovalEnv(t, store.ApprovalEditors, ownerID)
	e.start()
	st := e.store()
	fan := e.private(582, "en")
	owner := e.private(ownerID, "en")
	english(owner)
	ed := e.grantEditor(owner)

	id := postIDIn(t, ed.ask("/visit venlo | 2026-03-02 | Water off Tuesday | Mains work.").Plain)
	first := e.reviewOf(ownerID, id, 0)
	approve, _ := findButton(first, "Approve")
	reject, _ := findButton(first, "Reject")

	_, got := ed.tap(ed.retitle(id, "Water off Tuesday", "Water off Wednesday"), "✅ Publish")
	mustContain(t, lastWith(t, got, "is updated").Plain, "The approvers get this version", "sent to 1 official")

	before := len(e.tg.SentTo(ownerID))
	for _, data := range []string{approve.CallbackData, approve.CallbackData, reject.CallbackData} {
		mustContain(t, owner.press(first.MessageID, data), fmt.Sprintf("Post #%d was changed after this preview: nothing was done", id))
	}
	if p := storedPost(t, st, id); p.State() != store.StatusPending || p.Title != "Water off Wednesday" {
		t.Fatalf("after stale taps: %s %q, want pending with the new title", p.State(), p.Title)
	}
	mustContain(t, fan.ask(fmt.Sprintf("/p%d", id)).Plain, "does not exist")
	if got := auditActions(t, st, id); got != "submitted resubmitted" {
		t.Errorf("audit after stale taps: %s, want submitted resubmitted", got)
	}
	// The stale preview lost its buttons and says why; the current
	// version came with buttons for it.
	for _, m := range e.tg.SentTo(ownerID) {
		if m.MessageID == first.MessageID {
			mustContain(t, m.Plain, "was changed after this preview was made")
			if len(m.ReplyMarkup.Buttons()) != 0 {
				t.Errorf("the stale preview keeps buttons: %+v", m.ReplyMarkup.Buttons())
			}
		}
	}
	after := e.tg.SentTo(ownerID)[before:]
	mustContain(t, strings.Join(plains(after), "\n"), "Water off Wednesday")
	current := lastWith(t, after, "waits for your approval")
	if _, ok := findButton(current, "Approve"); !ok || !withButtonData(fmt.Sprintf("rv:a-%d-1", id))(current) {
		t.Fatalf("the current version's buttons: %+v", current.ReplyMarkup.Buttons())
	}

	// A reason typed after the author changed the post again rejects
	// nothing.
	_, got = owner.tap(current, "Reject")
	mustContain(t, got[0].Plain, fmt.Sprintf("Why is post #%d rejected", id))
	ed.tap(ed.retitle(id, "Water off Wednesday", "Water off Thursday"), "✅ Publish")
	mustContain(t, strings.Join(plains(owner.say("Wrong day.")), "\n"), "was changed after this preview", "Water off Thursday")
	if p := storedPost(t, st, id); p.State() != store.StatusPending || p.Reason != "" {
		t.Fatalf("after a stale reason: %s, reason %q; want pending", p.State(), p.Reason)
	}
	if n := countWith(e.tg.SentTo(editorID), "was not approved"); n != 0 {
		t.Errorf("the author was told of a rejection %d times", n)
	}

	done, _ := owner.tap(e.reviewOf(ownerID, id, 2), "Approve")
	mustContain(t, done.Plain, fmt.Sprintf("Approved: post #%d is published", id))
	mustContain(t, fan.ask(fmt.Sprintf("/p%d", id)).Plain, "Water off Thursday")
	if got := auditActions(t, st, id); got != "submitted resubmitted resubmitted approved" {
		t.Errorf("audit: %s, want submitted resubmitted resubmitted approved", got)
	}
}
