package bot

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

// Editing a stored post: /edit opens the wizard at its preview, and
// publishing from there saves the edit (publishEdit).

// handleEdit reopens the wizard on a post, at its preview.
func (b *Bot) handleEdit(ctx context.Context, r *Request) error {
	if !r.Private() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_private_only"), nil)
	}
	id, ok := postID(r.Args)
	if !ok {
		return b.reply(ctx, r, b.tr.T(r.Lang, "edit_usage"), nil)
	}
	p, err := b.store.Post(ctx, id)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", id), nil)
	}
	if err != nil {
		return err
	}
	d := store.Draft{ID: r.Cause(), UserID: r.UserID, ChatID: r.ChatID, Step: stepPreview, Post: p, Editing: id, PastOK: true}
	return b.advance(ctx, r, d)
}

// publishEdit saves an edit of a stored post. A published post is
// changed (in the channel too); one that is not published keeps where it
// stands, unless the official moved it on (Publish later sets its time,
// Publish submits a draft or a rejected post again) or could not publish
// it alone: then a post waiting for approval or for its time goes back to
// the approvers (store.Post.Edited, in the edit's own atomic step).
func (b *Bot) publishEdit(ctx context.Context, r *Request, d store.Draft, p store.Post, change store.Change) error {
	old, err := b.store.Post(ctx, d.Editing)
	if err != nil {
		return err
	}
	role, _, err := b.requestRole(ctx, r)
	if err != nil {
		return err
	}
	// Who edits is known here; where the post stands is decided by the
	// store on the post as stored, so a change meanwhile is not missed.
	change.Review = b.approval.EditNeedsReview(old, r.UserID, role)
	p.ID, p.PublishedAt, p.Author, p.SeedKey, p.UpdatedAt = old.ID, old.PublishedAt, old.Author, old.SeedKey, change.Audit.At
	change.Audit.Action, change.Audit.Changes = store.ActionEdited, diffPosts(old, p)
	if _, err := b.store.EditPost(ctx, p, change); err != nil {
		return err
	}
	b.draftDone(ctx, r, d)
	b.log.Info("post edited", "post_id", p.ID, "kind", string(p.Kind), "city", p.City, "user_id", r.UserID)
	msg := b.tr.T(r.Lang, "published_edited", "ID", p.ID)
	if old.Visible() {
		b.toChannel(ctx, p, "edited", change.Cause)
		if p.Kind != store.KindAnnouncement {
			msg += "\n" + b.tr.T(r.Lang, "published_digest_note")
		}
		return b.reply(ctx, r, msg, nil)
	}
	// As the edit left it (also when this update is handled again).
	post, err := b.store.Post(ctx, p.ID)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", p.ID), nil)
	}
	if err != nil {
		return err
	}
	st := post.State()
	if st == store.StatusPending && store.NeedsReviewAfterEdit(old.State(), change.Review) {
		return b.editResubmitted(ctx, r, old, post, d.PublishAt, change.Cause)
	}
	if d.PublishAt != nil || st == store.StatusDraft || st == store.StatusRejected {
		return b.submit(ctx, r, post, d.PublishAt, change.Cause+":submit")
	}
	var kb *tgbotapi.InlineKeyboardMarkup
	if st == store.StatusPending && b.approval.MayApprove(post, r.UserID, role) {
		// The edit made the approver's earlier preview stale: they approve
		// this version here.
		kb = b.reviewKeyboard(post, r.Lang)
	}
	return b.reply(ctx, r, msg+"\n"+b.standing(ctx, r, post, st, change.Cause), kb)
}
