package bot

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// A second pair of eyes (APPROVAL): a post that needs approval waits
// (pending) and goes to the officials who may approve it, with its preview
// and Approve / Reject / Edit; it is published, or scheduled, only once
// one of them approves. Every button is checked against the official who
// tapped it (their role now, and never the author) and against the post's
// state now, and the change is conditioned on that state in the store, so
// a second tap, a tap after a rejection or a forged button changes nothing.

// reviewTTL keeps the keys of review messages as long as a cause is
// remembered.
const reviewTTL = store.CauseTTL

// approvers lists the officials who may approve p: owners, and under
// "all" the editors too — never its author.
func (b *Bot) approvers(ctx context.Context, p store.Post) ([]int64, error) {
	var ids []int64
	for _, id := range b.owners {
		if b.approval.MayApprove(p, id, store.RoleOwner) && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if b.approval != store.ApprovalAll {
		return ids, nil
	}
	grants, err := b.store.Officials(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range grants {
		if !slices.Contains(b.owners, o.UserID) && b.approval.MayApprove(p, o.UserID, store.RoleEditor) && !slices.Contains(ids, o.UserID) {
			ids = append(ids, o.UserID)
		}
	}
	return ids, nil
}

// reviewNote is a line under an approval request in the approver's
// language, saying why the post comes back to them; nil: none.
type reviewNote func(l store.Lang) string

// submitted sends a post that now waits for approval to its approvers and
// says so to its author; note says why it comes back (nil: a first
// submission).
func (b *Bot) submitted(ctx context.Context, l store.Lang, p store.Post, cause string, note reviewNote) string {
	n, err := b.askApproval(ctx, p, cause, note)
	switch {
	case err != nil:
		b.log.Error("approval requests not queued", "post_id", p.ID, "err", err)
		return b.tr.T(l, "submitted_failed", "ID", p.ID)
	case n == 0:
		return b.tr.T(l, "submitted_nobody", "ID", p.ID)
	}
	return b.tr.T(l, "submitted", "ID", p.ID, "Count", n)
}

// askApproval sends p to every approver, in their language, through the
// outbox: the post as residents would see it, then a message with the
// buttons, which approve this revision of it only. Each approver gets it
// once per submission (cause); note tells them why a post they were sent
// before comes back (an edit, a time change).
func (b *Bot) askApproval(ctx context.Context, p store.Post, cause string, note reviewNote) (int, error) {
	ids, err := b.approvers(ctx, p)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	author := b.userName(ctx, p.Author)
	ref := "review:" + strconv.FormatInt(p.ID, 10)
	msgs := make([]store.OutboxMessage, 0, len(ids))
	for _, id := range ids {
		l := b.officialLang(ctx, id)
		ask := b.reviewAsk(l, p, author)
		if note != nil {
			ask += "\n" + note(l)
		}
		parts := append(b.rd.PostParts(p, l, ""), store.Part{Text: ask, Keyboard: keyboardJSON(b.reviewKeyboard(p, l))})
		msgs = append(msgs, store.OutboxMessage{Kind: store.MsgNotice, ChatID: id, Parts: parts, CreatedAt: b.now(),
			Ref: ref, Dedupe: ref + ":" + cause + ":" + strconv.FormatInt(id, 10)})
	}
	if _, err := b.store.EnqueueEach(ctx, reviewTTL, msgs...); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// officialLang is the language an official reads, as their private chat
// has it; Ukrainian when unknown.
func (b *Bot) officialLang(ctx context.Context, userID int64) store.Lang {
	if s, err := b.store.Subscriber(ctx, userID); err == nil && s.Lang != "" {
		return s.Lang
	}
	return store.LangUK
}

// notify tells an official something about their post through the
// outbox, once per key.
func (b *Bot) notify(ctx context.Context, userID int64, key, text string) {
	if userID <= 0 {
		return
	}
	m := store.OutboxMessage{Kind: store.MsgNotice, ChatID: userID, Text: text, CreatedAt: b.now(), Ref: key,
		Dedupe: key + ":" + strconv.FormatInt(userID, 10)}
	if _, err := b.store.EnqueueEach(ctx, reviewTTL, m); err != nil {
		b.log.Error("notice to an official not queued", "user_id", userID, "ref", key, "err", err)
	}
}

// handlePending lists the posts waiting for approval, oldest first; the
// ones the sender may approve come with the buttons.
func (b *Bot) handlePending(ctx context.Context, r *Request) error {
	if !r.Private() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_private_only"), nil) // like /scheduled
	}
	posts, err := b.store.PostsByStatus(ctx, store.StatusPending, scheduledLimit)
	if err != nil {
		return err
	}
	if len(posts) == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "pending_empty"), nil)
	}
	role, _, err := b.requestRole(ctx, r)
	if err != nil {
		return err
	}
	b.reply(ctx, r, "<b>"+b.tr.T(r.Lang, "pending_title", "Count", len(posts))+"</b>", nil)
	for _, p := range posts {
		item := b.waitingItem(ctx, r.Lang, p)
		if !b.approval.MayApprove(p, r.UserID, role) {
			b.reply(ctx, r, item+"\n<i>"+b.tr.T(r.Lang, b.whyNotApprover(p, r.UserID))+"</i>", nil)
			continue
		}
		b.reply(ctx, r, item, b.reviewKeyboard(p, r.Lang))
	}
	return nil
}

// whyNotApprover names, as a locale key, why userID may not approve p.
func (b *Bot) whyNotApprover(p store.Post, userID int64) string {
	if userID == p.Author {
		return "review_own"
	}
	return "review_not_allowed"
}

// onReview handles Approve, Reject and Edit. Approve and Reject are for
// the revision of the post the preview showed: under a post edited since,
// they change nothing and show the post as it is now.
func (b *Bot) onReview(ctx context.Context, r *Request) error {
	op, id, rev, ok := reviewButton(r.Arg)
	if !ok {
		return errBadArg
	}
	post, ok, err := b.buttonPostByID(ctx, r, id)
	if !ok || err != nil {
		return err
	}
	if ok, err := b.mayReview(ctx, r, post); !ok || err != nil {
		return err
	}
	if op != "e" && post.Revision != rev {
		return b.staleReview(ctx, r, post, rev)
	}
	switch op {
	case "r":
		return b.await(ctx, r, awaited{What: awaitReason, PostID: id, Revision: rev}, b.tr.T(r.Lang, "review_reason_ask", "ID", id))
	case "e":
		if !r.Private() {
			return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_private_only"), nil)
		}
		d := store.Draft{ID: r.Cause(), UserID: r.UserID, ChatID: r.ChatID, Step: stepPreview, Post: post, Editing: id, PastOK: true}
		return b.advance(ctx, r, d)
	}
	return b.approve(ctx, r, post, rev)
}

// mayReview checks the sender of this very update against the post as it
// is now: still pending, and theirs to review; otherwise it says why with
// a toast (or a reply, for a typed reason) and refuses.
func (b *Bot) mayReview(ctx context.Context, r *Request, post store.Post) (bool, error) {
	key := ""
	if post.State() != store.StatusPending {
		key = "moved_on"
	} else {
		role, _, err := b.requestRole(ctx, r)
		if err != nil {
			return false, err
		}
		if !b.approval.MayApprove(post, r.UserID, role) {
			key = b.whyNotApprover(post, r.UserID)
		}
	}
	if key == "" {
		return true, nil
	}
	b.log.Warn("refused review", "post_id", post.ID, "user_id", r.UserID, "state", string(post.State()), "data", r.Data, "why", key)
	text := b.movedOn(r.Lang, post)
	if key != "moved_on" {
		text = b.tr.T(r.Lang, key)
	}
	if r.Kind == KindCallback {
		b.answer(ctx, r, render.PlainText(text))
		return false, nil
	}
	return false, b.reply(ctx, r, text, nil)
}

// approve publishes a pending post, or schedules it when its time is still
// to come, keyed by the tap; a concurrent or later tap finds it done, and
// an edit meanwhile (a revision other than rev) leaves it waiting.
func (b *Bot) approve(ctx context.Context, r *Request, post store.Post, rev int) error {
	now := b.now()
	to := store.Approved(post.PublishAt, now)
	t := store.Transition{From: store.StatusPending, To: to, At: now, By: r.UserID, Revision: &rev}
	entry := store.AuditEntry{UserID: r.UserID, At: now, Action: store.ActionApproved}
	if to == store.StatusScheduled {
		t.PublishAt = post.PublishAt
		entry.Changes = []string{"publish_at: " + post.PublishAt.UTC().Format(time.RFC3339)}
	}
	saved, applied, err := b.store.TransitionPost(ctx, post.ID, t, store.Change{Cause: r.Cause(), Audit: entry})
	if errors.Is(err, store.ErrStateChanged) {
		if saved.State() == store.StatusPending && saved.Revision != rev {
			return b.staleReview(ctx, r, saved, rev)
		}
		b.answer(ctx, r, render.PlainText(b.movedOn(r.Lang, saved)))
		return nil
	}
	if err != nil {
		return err
	}
	if applied {
		b.log.Info("post approved", "post_id", post.ID, "by", r.UserID, "status", string(saved.State()))
	}
	al := b.officialLang(ctx, saved.Author)
	var msg, told string
	if saved.Visible() {
		msg = b.tr.T(r.Lang, "review_approved", "ID", saved.ID) + "\n" + b.release(ctx, r.Lang, saved)
		told = b.tr.T(al, "review_approved_author", "ID", saved.ID, "Title", saved.DisplayTitle(al), "Who", b.userName(ctx, r.UserID))
	} else {
		at := b.rd.ZonedTime(*saved.PublishAt, saved.City)
		msg = b.tr.T(r.Lang, "review_approved_later", "ID", saved.ID, "Time", at)
		told = b.tr.T(al, "review_approved_later_author", "ID", saved.ID, "Title", saved.DisplayTitle(al),
			"Who", b.userName(ctx, r.UserID), "Time", at)
	}
	b.notify(ctx, saved.Author, "approved:"+strconv.FormatInt(saved.ID, 10)+":"+r.Cause(), told)
	b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "review_approved", "ID", saved.ID)))
	return b.edit(ctx, r, msg, nil)
}

// answerReason rejects a post with the reason the approver typed, for the
// revision they were shown (rev); answered is false when the reason was
// refused and is asked for again.
func (b *Bot) answerReason(ctx context.Context, r *Request, post store.Post, reason string, rev int) (bool, error) {
	if err := store.CheckReason(reason); err != nil {
		return false, b.replyFormError(ctx, r, formError(err), "") // always a *store.FieldError
	}
	// Checked again on this very message: the role may be gone, the post
	// approved by someone else meanwhile.
	if ok, err := b.mayReview(ctx, r, post); !ok || err != nil {
		b.forgetAwait(ctx, r)
		return false, err
	}
	if post.Revision != rev {
		b.forgetAwait(ctx, r)
		return false, b.staleReview(ctx, r, post, rev)
	}
	now := b.now()
	t := store.Transition{From: store.StatusPending, To: store.StatusRejected, At: now, By: r.UserID, Reason: reason, Revision: &rev}
	entry := store.AuditEntry{UserID: r.UserID, At: now, Action: store.ActionRejected,
		Changes: []string{"reason: " + render.Truncate(reason, 200)}}
	saved, applied, err := b.store.TransitionPost(ctx, post.ID, t, store.Change{Cause: r.Cause(), Audit: entry})
	if errors.Is(err, store.ErrStateChanged) {
		b.forgetAwait(ctx, r)
		if saved.State() == store.StatusPending && saved.Revision != rev {
			return false, b.staleReview(ctx, r, saved, rev)
		}
		return false, b.reply(ctx, r, b.movedOn(r.Lang, saved), nil)
	}
	if err != nil {
		return false, err
	}
	if applied {
		b.log.Info("post rejected", "post_id", post.ID, "by", r.UserID)
	}
	al := b.officialLang(ctx, saved.Author)
	b.notify(ctx, saved.Author, "rejected:"+strconv.FormatInt(saved.ID, 10)+":"+r.Cause(),
		b.tr.T(al, "review_rejected_author", "ID", saved.ID, "Title", saved.DisplayTitle(al), "Who", b.userName(ctx, r.UserID), "Reason", reason))
	return true, b.reply(ctx, r, b.tr.T(r.Lang, "review_rejected", "ID", saved.ID), nil)
}
