package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// submitAnnouncement writes an announcement for Venlo in the wizard as an
// official whose posts need approval and taps Publish later for the time
// at (a whole minute); it returns the post's id.
func submitAnnouncement(t *testing.T, o *chat, title string, at time.Time) int64 {
	t.Helper()
	_, got := o.tap(o.ask("/post"), "Announcement")
	o.tap(got[0], "Venlo")
	o.say(title)
	got = o.say("Details of " + title)
	_, got = o.tap(got[len(got)-1], "Skip")
	o.tap(lastWith(t, got, title), "Publish later")
	answer := o.ask(venloTime(t, at))
	mustContain(t, answer.Plain, "waits for approval", "Once approved, it will be published at "+venloTime(t, at))
	return postIDIn(t, answer.Plain)
}

// approvedForLater has the editor submit an announcement for the time at
// and the owner approve it; it returns the post's id and the request the
// owner approved, as it was before the tap took its buttons.
func approvedForLater(t *testing.T, e *env, owner, ed *chat, title string, at time.Time) (int64, telegramtest.Message) {
	t.Helper()
	id := submitAnnouncement(t, ed, title, at)
	request := e.reviewOf(ownerID, id, 0)
	done, _ := owner.tap(request, "Approve")
	mustContain(t, done.Plain, "will be published at "+venloTime(t, at))
	if p := storedPost(t, e.store(), id); p.State() != store.StatusScheduled || p.Reviewer != ownerID {
		t.Fatalf("after approval: %s, reviewer %d; want scheduled by the owner's approval", p.State(), p.Reviewer)
	}
	return id, request
}

// APPROVAL=editors: an editor's post approved for later, then "Publish
// now" by the editor in /scheduled: it is not published but goes back to
// the owner (once, though the tap's answer was lost and the update came
// again, and a second tap changes nothing), with no time; the owner's old
// Approve is void, the new one publishes it, once.
func TestApprovalPublishNowAfterApprovalAsksAgain(t *testing.T) {
	t.Parallel()
	e, _ := newApprovalEnv(t, store.ApprovalEditors, ownerID)
	e.start()
	st := e.store()
	fan := e.private(591, "en")
	fan.ask("/subscribe venlo")
	owner := e.private(ownerID, "en")
	english(owner)
	ed := e.grantEditor(owner)

	due := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	id, first := approvedForLater(t, e, owner, ed, "Harbour embargo", due)
	oldApprove, _ := findButton(first, "Approve")

	item := lastWith(t, ed.say("/scheduled"), "Harbour embargo")
	publishNow, _ := findButton(item, "Publish now")
	e.tg.LoseNextTo("editMessageText", editorID, 1)
	done, _ := ed.tap(item, "Publish now")
	mustContain(t, done.Plain, fmt.Sprintf("Post #%d had been approved to be published at %s", id, venloTime(t, due)),
		"Publishing it earlier needs approval again", "sent to 1 official")
	mustContain(t, ed.press(item.MessageID, publishNow.CallbackData), "waiting for approval now: nothing was changed")

	p := storedPost(t, st, id)
	if p.State() != store.StatusPending || p.PublishAt != nil || p.Reviewer != 0 || p.Revision != 1 {
		t.Fatalf("after publish now: %s at %v, reviewer %d, revision %d; want pending, no time, no reviewer, revision 1",
			p.State(), p.PublishAt, p.Reviewer, p.Revision)
	}
	again := e.reviewOf(ownerID, id, 1)
	mustContain(t, again.Plain, "It had been approved for "+venloTime(t, due), "asked to be published as soon as it is approved")
	e.waitOutboxEmpty()
	if n := countWith(e.tg.SentTo(ownerID), "asked to be published as soon"); n != 1 {
		t.Errorf("the owner was asked %d times after publish now, want once", n)
	}
	if n := countWith(e.tg.SentTo(fan.chat.ID), "Harbour embargo"); n != 0 {
		t.Fatalf("the resident got the post %d times before its new approval", n)
	}
	if got := auditActions(t, st, id); got != "submitted approved retimed" {
		t.Errorf("audit after publish now: %s, want submitted approved retimed", got)
	}
	mustContain(t, owner.ask(fmt.Sprintf("/audit %d", id)).Plain, "time changed; sent for approval again", "status: scheduled → pending")

	// The approval given for the time before approves nothing now.
	mustContain(t, owner.press(first.MessageID, oldApprove.CallbackData), fmt.Sprintf("Post #%d was changed after this preview", id))
	if st := postState(t, st, id); st != store.StatusPending {
		t.Fatalf("after the old Approve the post is %s, want pending", st)
	}

	approve, _ := findButton(again, "Approve")
	done, _ = owner.tap(again, "Approve")
	mustContain(t, done.Plain, fmt.Sprintf("Approved: post #%d is published", id))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Harbour embargo")))
	mustContain(t, owner.press(again.MessageID, approve.CallbackData), "published now: nothing was changed")
	e.waitOutboxEmpty()
	if n := countWith(e.tg.SentTo(fan.chat.ID), "Harbour embargo"); n != 1 {
		t.Errorf("the resident got the post %d times, want once", n)
	}
	if got := auditActions(t, st, id); got != "submitted approved retimed approved" {
		t.Errorf("audit: %s, want submitted approved retimed approved", got)
	}
}

// APPROVAL=editors: the editor moves a post approved for later to an
// earlier time with /schedule (and later with the Change time button):
// it waits for approval with the time asked for, is not published when
// that time comes, and comes out at once when approved after it.
func TestApprovalScheduleEarlierAsksAgain(t *testing.T) {
	t.Parallel()
	e, clk := newApprovalEnv(t, store.ApprovalEditors, ownerID)
	e.start()
	st := e.store()
	fan := e.private(592, "en")
	fan.ask("/subscribe venlo")
	owner := e.private(ownerID, "en")
	english(owner)
	ed := e.grantEditor(owner)

	due := clk.Now().Add(3 * time.Hour).Truncate(time.Minute)
	earlier := clk.Now().Add(time.Hour).Truncate(time.Minute)
	id, _ := approvedForLater(t, e, owner, ed, "Signing embargo", due)

	told := ed.ask(fmt.Sprintf("/schedule %d %s", id, venloTime(t, earlier)))
	mustContain(t, told.Plain, fmt.Sprintf("Post #%d had been approved to be published at %s", id, venloTime(t, due)),
		"Since you changed its time, it needs approval again", "sent to 1 official",
		"Once approved, it will be published at "+venloTime(t, earlier))
	p := storedPost(t, st, id)
	if p.State() != store.StatusPending || p.PublishAt == nil || !p.PublishAt.Equal(earlier) || p.Revision != 1 {
		t.Fatalf("after /schedule: %s at %v, revision %d; want pending at %v, revision 1", p.State(), p.PublishAt, p.Revision, earlier)
	}
	again := e.reviewOf(ownerID, id, 1)
	mustContain(t, again.Plain, "It had been approved for "+venloTime(t, due), "its time was changed since",
		"Once approved, it will be published at "+venloTime(t, earlier))
	mustContain(t, owner.ask(fmt.Sprintf("/audit %d", id)).Plain, "time changed; sent for approval again",
		"publish_at: "+due.UTC().Format(time.RFC3339)+" → "+earlier.UTC().Format(time.RFC3339))

	// The new time comes: an owner's post for that time comes out, this
	// one does not.
	scheduleAnnouncement(t, owner, "Control notice", earlier)
	clk.SetTo(earlier.Add(time.Second))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Control notice")))
	e.waitOutboxEmpty()
	if st := postState(t, st, id); st != store.StatusPending {
		t.Fatalf("at the new time the post is %s, want pending", st)
	}
	if n := countWith(e.tg.SentTo(fan.chat.ID), "Signing embargo"); n != 0 {
		t.Fatalf("the resident got the post %d times before its new approval", n)
	}

	done, _ := owner.tap(again, "Approve")
	mustContain(t, done.Plain, fmt.Sprintf("Approved: post #%d is published", id))
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Signing embargo")))
	e.waitOutboxEmpty()
	if n := countWith(e.tg.SentTo(fan.chat.ID), "Signing embargo"); n != 1 {
		t.Errorf("the resident got the post %d times, want once", n)
	}

	// The Change time button is the same time change.
	later := clk.Now().Add(4 * time.Hour).Truncate(time.Minute)
	id2, _ := approvedForLater(t, e, owner, ed, "Second embargo", later)
	_, got := ed.tap(lastWith(t, ed.say("/scheduled"), "Second embargo"), "Change time")
	mustContain(t, got[0].Plain, "Europe/Amsterdam")
	moved := later.Add(time.Hour)
	mustContain(t, ed.ask(venloTime(t, moved)).Plain, "Since you changed its time, it needs approval again")
	if p := storedPost(t, st, id2); p.State() != store.StatusPending || p.PublishAt == nil || !p.PublishAt.Equal(moved) {
		t.Fatalf("after Change time: %s at %v; want pending at %v", p.State(), p.PublishAt, moved)
	}
	e.reviewOf(ownerID, id2, 1)
}

// APPROVAL=editors: an owner changes the time of their own scheduled post
// directly, and publishes it now directly, as before; no approver is
// asked (though a second owner could approve it).
func TestApprovalOwnerRetimesDirectly(t *testing.T) {
	t.Parallel()
	e, clk := newApprovalEnv(t, store.ApprovalEditors, ownerID, secondOwnerID)
	e.start()
	st := e.store()
	fan := e.private(593, "en")
	fan.ask("/subscribe venlo")
	owner := e.private(ownerID, "en")
	other := e.private(secondOwnerID, "en")
	english(owner, other)

	due := clk.Now().Add(2 * time.Hour).Truncate(time.Minute)
	id, _ := scheduleAnnouncement(t, owner, "Owner's notice", due)
	earlier := due.Add(-time.Hour)
	mustContain(t, owner.ask(fmt.Sprintf("/schedule %d %s", id, venloTime(t, earlier))).Plain, "will be published at "+venloTime(t, earlier))
	if p := storedPost(t, st, id); p.State() != store.StatusScheduled || !p.PublishAt.Equal(earlier) || p.Revision != 0 {
		t.Fatalf("after the owner's /schedule: %s at %v, revision %d; want scheduled at %v", p.State(), p.PublishAt, p.Revision, earlier)
	}
	done, _ := owner.tap(lastWith(t, owner.say("/scheduled"), "Owner's notice"), "Publish now")
	mustContain(t, done.Plain, fmt.Sprintf("#%d", id), "1 subscriber")
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(fan.chat.ID), telegramtest.TextContains("Owner's notice")))
	e.waitOutboxEmpty()
	if n := countWith(e.tg.SentTo(secondOwnerID), "waits for your approval"); n != 0 {
		t.Errorf("the second owner was asked %d times, want never", n)
	}
	if got := auditActions(t, st, id); got != "scheduled scheduled published" {
		t.Errorf("audit: %s, want scheduled scheduled published", got)
	}
	if n := countWith(e.tg.SentTo(fan.chat.ID), "Owner's notice"); n != 1 {
		t.Errorf("the resident got the post %d times, want once", n)
	}
}

// APPROVAL=editors: the editor moves a post still waiting for approval to
// another time. The owner's request showed the old time: it approves
// nothing now, and the owner is asked again, once, with the new time;
// that approval schedules it for the new time.
func TestApprovalTimeChangeWhilePendingAsksAgain(t *testing.T) {
	t.Parallel()
	e, clk := newApprovalEnv(t, store.ApprovalEditors, ownerID)
	e.start()
	st := e.store()
	owner := e.private(ownerID, "en")
	english(owner)
	ed := e.grantEditor(owner)

	first := clk.Now().Add(2 * time.Hour).Truncate(time.Minute)
	later := clk.Now().Add(5 * time.Hour).Truncate(time.Minute)
	id := submitAnnouncement(t, ed, "Twinning fair", first)
	request := e.reviewOf(ownerID, id, 0)
	oldApprove, _ := findButton(request, "Approve")

	cmd := fmt.Sprintf("/schedule %d %s", id, venloTime(t, later))
	// The answer is lost once and sent again: the update is not run twice.
	e.tg.LoseNextTo("sendMessage", editorID, 1)
	replies := ed.say(cmd)
	told := replies[len(replies)-1]
	mustContain(t, told.Plain, fmt.Sprintf("Post #%d still waits for approval", id), "sent to 1 official",
		"Once approved, it will be published at "+venloTime(t, later))
	p := storedPost(t, st, id)
	if p.State() != store.StatusPending || p.PublishAt == nil || !p.PublishAt.Equal(later) || p.Revision != 1 {
		t.Fatalf("after /schedule: %s at %v, revision %d; want pending at %v, revision 1", p.State(), p.PublishAt, p.Revision, later)
	}
	again := e.reviewOf(ownerID, id, 1)
	mustContain(t, again.Plain, "Its time was changed since you were asked: it was "+venloTime(t, first),
		"Once approved, it will be published at "+venloTime(t, later))
	e.waitOutboxEmpty()
	if n := countWith(e.tg.SentTo(ownerID), "Its time was changed since you were asked"); n != 1 {
		t.Errorf("the owner was asked %d times after the time change, want once", n)
	}

	mustContain(t, owner.press(request.MessageID, oldApprove.CallbackData), fmt.Sprintf("Post #%d was changed after this preview", id))
	if st := postState(t, st, id); st != store.StatusPending {
		t.Fatalf("after the old Approve the post is %s, want pending", st)
	}
	done, _ := owner.tap(again, "Approve")
	mustContain(t, done.Plain, "will be published at "+venloTime(t, later))
	if p := storedPost(t, st, id); p.State() != store.StatusScheduled || !p.PublishAt.Equal(later) {
		t.Errorf("after approval: %s at %v, want scheduled at %v", p.State(), p.PublishAt, later)
	}
	if got := auditActions(t, st, id); got != "submitted retimed approved" {
		t.Errorf("audit: %s, want submitted retimed approved", got)
	}
}
