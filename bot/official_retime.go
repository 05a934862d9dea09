package bot

import (
	"context"
	"errors"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// Changing the time of a scheduled post: /schedule, and the /scheduled
// buttons "Publish now" and "Change time". An approver agreed to the time
// as much as to the text, so an official who could not approve the post
// alone sends it back to the approvers with the time asked for
// (store.Approval.Retime decides); the others change it directly.
// Cancelling needs nobody: nothing comes out.

// onSchedule handles the buttons under a scheduled post. The tap is the
// cause, and the change is made only while the post is still scheduled.
func (b *Bot) onSchedule(ctx context.Context, r *Request) error {
	op, post, ok, err := b.buttonPost(ctx, r, "ntc")
	if !ok || err != nil {
		return err
	}
	id := post.ID
	if post.State() != store.StatusScheduled {
		b.answer(ctx, r, render.PlainText(b.movedOn(r.Lang, post)))
		return nil
	}
	now := b.now()
	var saved store.Post
	switch op {
	case "t":
		return b.await(ctx, r, awaited{What: awaitTime, PostID: id}, b.tr.T(r.Lang, "schedule_ask_time", "ID", id,
			"Zone", b.rd.Location(post.City).String(), "Now", b.rd.ZonedTime(now, post.City)))
	case "n":
		saved, err = b.retime(ctx, r, post, nil, r.Cause())
	case "c":
		t := store.Transition{From: store.StatusScheduled, To: store.StatusDraft, At: now, By: r.UserID}
		entry := store.AuditEntry{UserID: r.UserID, At: now, Action: store.ActionUnscheduled}
		saved, _, err = b.store.TransitionPost(ctx, id, t, store.Change{Cause: r.Cause(), Audit: entry})
	}
	if errors.Is(err, store.ErrStateChanged) {
		b.answer(ctx, r, render.PlainText(b.movedOn(r.Lang, saved)))
		return nil
	}
	if err != nil {
		return err
	}
	if op == "c" {
		b.log.Info("scheduled publishing cancelled", "post_id", id, "user_id", r.UserID)
		return b.edit(ctx, r, b.tr.T(r.Lang, "unscheduled", "ID", id), nil)
	}
	// The list's item says what became of it, without the buttons of a
	// post that is no longer scheduled.
	return b.edit(ctx, r, b.retimed(ctx, r, post, saved, r.Cause()), nil)
}

// retime gives the scheduled post the time at (nil: publish it now) on
// the word of the official of r, keyed by cause: directly when they may
// approve it alone, else back to pending for the approvers. It returns
// the post as stored afterwards (as it is, with ErrStateChanged, when it
// is no longer scheduled).
func (b *Bot) retime(ctx context.Context, r *Request, post store.Post, at *time.Time, cause string) (store.Post, error) {
	role, _, err := b.requestRole(ctx, r)
	if err != nil {
		return post, err
	}
	t, entry := b.approval.Retime(post, r.UserID, role, at, b.now())
	saved, applied, err := b.store.TransitionPost(ctx, post.ID, t, store.Change{Cause: cause, Audit: entry})
	if err != nil {
		return saved, err
	}
	if applied {
		b.log.Info("scheduled post retimed", "post_id", post.ID, "user_id", r.UserID, "now", at == nil,
			"status", string(saved.State()), "revision", saved.Revision)
	}
	return saved, nil
}

// retimed says where a scheduled post (old) stands after the official's
// time change left it as saved, doing what that entails: asking the
// approvers again (once per cause, with a note of the time they had
// approved), or announcing a post published now.
func (b *Bot) retimed(ctx context.Context, r *Request, old, saved store.Post, cause string) string {
	l := r.Lang
	switch saved.State() {
	case store.StatusPublished:
		return b.tr.T(l, "published_created", "ID", saved.ID) + "\n" + b.release(ctx, l, saved)
	case store.StatusPending:
	default:
		return b.standing(ctx, r, saved, store.StatusScheduled, cause)
	}
	was := "" // the time approved before; a scheduled post has one
	if old.PublishAt != nil {
		was = b.rd.ZonedTime(*old.PublishAt, old.City)
	}
	told, asked := "retime_back_pending", "review_request_retimed"
	if saved.PublishAt == nil {
		told, asked = "publish_now_back_pending", "review_request_publish_now"
	}
	note := func(l store.Lang) string { return b.tr.T(l, asked, "Was", was) }
	msg := b.tr.T(l, told, "ID", saved.ID, "Was", was) + "\n\n" + b.submitted(ctx, l, saved, cause, note)
	msg += b.approvalTime(l, saved)
	b.log.Info("scheduled post sent back for approval by a time change", "post_id", saved.ID, "user_id", r.UserID,
		"publish_now", saved.PublishAt == nil)
	return msg
}

// retimePending gives a post waiting for approval the time at, keyed by
// cause. The approvers' request showed the old time: the post becomes a
// new revision (store.RetimePending), so those buttons approve nothing,
// and they are asked again, once per cause, told what changed.
func (b *Bot) retimePending(ctx context.Context, r *Request, post store.Post, at *time.Time, cause string) error {
	t, entry := store.RetimePending(post, r.UserID, at, b.now())
	saved, _, err := b.store.TransitionPost(ctx, post.ID, t, store.Change{Cause: cause, Audit: entry})
	if errors.Is(err, store.ErrStateChanged) {
		return b.reply(ctx, r, b.movedOn(r.Lang, saved), nil)
	}
	if err != nil {
		return err
	}
	note := func(l store.Lang) string { return b.tr.T(l, "review_request_time_set") }
	if post.PublishAt != nil {
		was := b.rd.ZonedTime(*post.PublishAt, post.City)
		note = func(l store.Lang) string { return b.tr.T(l, "review_request_time_changed", "Was", was) }
	}
	l := r.Lang
	msg := b.tr.T(l, "pending_time_set", "ID", saved.ID) + "\n" + b.submitted(ctx, l, saved, cause, note)
	msg += b.approvalTime(l, saved)
	return b.reply(ctx, r, msg, nil)
}
