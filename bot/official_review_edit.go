package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// An approval is of what the approver saw. Review buttons carry the
// post's revision (store.Post.Revision, one more with every edit), and
// the store approves or rejects only that revision, so a tap under a
// preview of an older version changes nothing and brings the current one.
// An edit by an official who could not publish the post alone sends it
// back to the approvers (store.Post.Edited decides; editResubmitted tells).

// reviewKeyboard is Approve / Reject / Edit under the preview of p, for
// its revision now: "rv:a-<id>-<revision>", at most 44 bytes.
func (b *Bot) reviewKeyboard(p store.Post, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	arg := func(op string) string {
		return op + "-" + strconv.FormatInt(p.ID, 10) + "-" + strconv.Itoa(p.Revision)
	}
	return keyboard(
		[]tgbotapi.InlineKeyboardButton{
			button(b.tr.T(l, "btn_approve"), Callback{cbReview, arg("a")}),
			button(b.tr.T(l, "btn_reject"), Callback{cbReview, arg("r")}),
		},
		[]tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_review_edit"), Callback{cbReview, arg("e")})},
	)
}

// reviewButton reads a review button's argument: an operation (a, r or
// e), a post id and the revision its preview showed, "a-42-3". Buttons
// sent before revisions existed read "a-42": they showed revision 0, which
// a post never edited since still has.
func reviewButton(arg string) (op string, id int64, rev int, ok bool) {
	parts := strings.Split(arg, "-")
	switch len(parts) {
	case 2:
	case 3:
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 0 || strconv.Itoa(n) != parts[2] {
			return "", 0, 0, false
		}
		rev = n
	default:
		return "", 0, 0, false
	}
	op, id, ok = postButton(parts[0]+"-"+parts[1], "are")
	return op, id, rev, ok
}

// approvalTime is the line saying when a post waiting for approval comes
// out once approved, after a newline; "" for a post without a time.
func (b *Bot) approvalTime(l store.Lang, p store.Post) string {
	if p.PublishAt == nil {
		return ""
	}
	return "\n" + b.tr.T(l, "pending_time_note", "Time", b.rd.ZonedTime(*p.PublishAt, p.City))
}

// reviewAsk is the message above the review buttons: whose post waits,
// and its time when it has one.
func (b *Bot) reviewAsk(l store.Lang, p store.Post, author string) string {
	return b.tr.T(l, "review_request", "ID", p.ID, "Author", author) + b.approvalTime(l, p)
}

// staleReview answers an Approve or Reject given for revision seen of a
// post edited since: nothing changes; the approver is told so, the old
// preview loses its buttons (they could never apply again), and the post
// as it is now follows with buttons for its revision. Only replies: a
// retried update sends them again and changes nothing.
func (b *Bot) staleReview(ctx context.Context, r *Request, post store.Post, seen int) error {
	b.log.Info("review of an older version refused", "post_id", post.ID, "user_id", r.UserID,
		"seen", seen, "revision", post.Revision)
	note := b.tr.T(r.Lang, "review_stale", "ID", post.ID)
	switch {
	case r.Kind == KindCallback && r.MessageID != 0:
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "review_stale_toast", "ID", post.ID)))
		b.edit(ctx, r, note, nil)
	case r.Kind == KindCallback:
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "review_stale_toast", "ID", post.ID)))
		b.reply(ctx, r, note, nil)
	default:
		b.reply(ctx, r, note, nil)
	}
	b.replyParts(r, b.rd.PostParts(post, r.Lang, ""))
	return b.reply(ctx, r, b.reviewAsk(r.Lang, post, b.userName(ctx, post.Author)), b.reviewKeyboard(post, r.Lang))
}

// editResubmitted tells the official whose edit sent a post back for
// approval where it stands, and sends this version to the approvers, once
// per edit (cause; a retried update finds the requests queued). A time
// chosen with the edit (Publish later) is set first, so the approvers see
// it; old is the post before the edit.
func (b *Bot) editResubmitted(ctx context.Context, r *Request, old, post store.Post, at *time.Time, cause string) error {
	if at != nil {
		now := b.now()
		t := store.Transition{From: store.StatusPending, To: store.StatusPending, At: now, By: r.UserID, PublishAt: at}
		entry := store.AuditEntry{UserID: r.UserID, At: now, Action: store.ActionScheduled,
			Changes: []string{"publish_at: " + at.UTC().Format(time.RFC3339)}}
		saved, _, err := b.store.TransitionPost(ctx, post.ID, t, store.Change{Cause: cause + ":submit", Audit: entry})
		if errors.Is(err, store.ErrStateChanged) {
			return b.reply(ctx, r, b.movedOn(r.Lang, saved), nil)
		}
		if err != nil {
			return err
		}
		post = saved
	}
	l := r.Lang
	msg := b.tr.T(l, "edit_back_pending", "ID", post.ID)
	if old.State() == store.StatusScheduled && old.PublishAt != nil {
		msg = b.tr.T(l, "edit_back_scheduled", "ID", post.ID, "Time", b.rd.ZonedTime(*old.PublishAt, old.City))
	}
	msg += "\n\n" + b.submitted(ctx, l, post, cause, func(l store.Lang) string { return b.tr.T(l, "review_request_changed") })
	msg += b.approvalTime(l, post)
	b.log.Info("edited post sent back for approval", "post_id", post.ID, "user_id", r.UserID,
		"was", string(old.State()), "revision", post.Revision)
	return b.reply(ctx, r, msg, nil)
}
