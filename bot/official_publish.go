package bot

import (
	"context"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// handleForm publishes from a one-line command: /visit, /agreement,
// /event, /announce, /urgent (an announcement marked urgent).
func (b *Bot) handleForm(ctx context.Context, r *Request) error {
	p, err := b.parseForm(r.Command, r.Args, r.UserID, b.now())
	if err == nil {
		// A form may come as a photo's (or an album's) caption.
		err = b.addPhotos(&p, r)
	}
	if err != nil {
		if _, ok := asFormError(err); ok {
			return b.replyFormError(ctx, r, err, r.Command)
		}
		return err
	}
	return b.publish(ctx, r, store.Draft{ID: r.Cause(), UserID: r.UserID, ChatID: r.ChatID, Step: stepPreview, Post: p})
}

// replyFormError names the field at fault and, for one-line forms, shows
// the expected form with an example.
func (b *Bot) replyFormError(ctx context.Context, r *Request, err error, form string) error {
	fe, _ := asFormError(err)
	l := r.Lang
	msg := b.tr.T(l, "form_problem_"+fe.Problem, "Field", b.tr.T(l, "field_"+fe.Field), "Value", fe.Value,
		"Limit", fe.Limit, "Known", b.rd.KnownCities(l))
	if form != "" {
		msg += "\n\n" + b.tr.T(l, "form_expected", "Form", render.HTML(b.tr.T(l, "form_"+form)), "Example", render.HTML(b.tr.T(l, "form_"+form+"_example")))
	}
	return b.reply(ctx, r, "❌ "+msg, nil)
}

// publish saves the draft's post (new or edited) together with its audit
// entry, once per draft: the draft's id is the change's cause, so a
// retried update, a second tap on Publish or a restart in between finds
// the post published and only tells the official again. Announcements are
// pushed; pushing again for the same post sends nobody anything twice. A
// post that needs approval, or has a time still to come (Publish later),
// is stored unpublished instead and goes to the approvers or waits.
func (b *Bot) publish(ctx context.Context, r *Request, d store.Draft) error {
	p := d.Post
	now := b.now()
	if err := b.checkDraft(p, r.Lang); err != nil {
		return b.refuseDraft(ctx, r, d, err)
	}
	if p.Kind == store.KindEvent && p.StartsAt != nil && !p.StartsAt.After(now) && !d.PastOK {
		// Keep the post so the confirmation button can publish it.
		d.Step = stepPreview
		d.LastUpdate = r.UpdateID
		if err := b.store.SaveDraft(ctx, d, DraftTTL); err != nil {
			return err
		}
		return b.reply(ctx, r, b.tr.T(r.Lang, "event_in_past"), keyboard(
			[]tgbotapi.InlineKeyboardButton{button(b.tr.T(r.Lang, "btn_publish_anyway"), Callback{cbWizard, "past"})},
			[]tgbotapi.InlineKeyboardButton{button(b.tr.T(r.Lang, "btn_edit_field"), Callback{cbWizard, "edit"}),
				button(b.tr.T(r.Lang, "btn_cancel"), Callback{cbWizard, "cancel"})},
		))
	}
	if p.Lang == "" {
		p.Lang = r.Lang
	}
	cause := "draft:" + strconv.FormatInt(d.UserID, 10) + ":" + d.ID
	change := store.Change{Cause: cause, Audit: store.AuditEntry{UserID: r.UserID, At: now}}
	if d.Editing != 0 {
		return b.publishEdit(ctx, r, d, p, change)
	}
	role, _, err := b.requestRole(ctx, r)
	if err != nil {
		return err
	}
	p.PublishedAt, p.UpdatedAt, p.Author, p.PublishAt, p.ScheduledBy = now, now, r.UserID, nil, 0
	if d.PublishAt != nil {
		p.PublishAt, p.ScheduledBy = d.PublishAt, r.UserID
	}
	p.Status = store.Submitted(b.approval.Needs(role), p.PublishAt, now)
	change.Audit.Action = store.ActionCreated
	switch p.Status {
	case store.StatusPublished:
		p.PublishAt, p.ScheduledBy = nil, 0
		// Released like a post the clock or an approval published: its
		// announcement and channel post are queued next, and should that
		// fail (Redis gone in between), the planner finishes it within
		// seconds instead of the fan-out being lost.
		p.Releasing = true
	case store.StatusScheduled:
		change.Audit.Action = store.ActionScheduled
	default:
		change.Audit.Action = store.ActionSubmitted
	}
	if p.PublishAt != nil {
		change.Audit.Changes = []string{"publish_at: " + p.PublishAt.UTC().Format(time.RFC3339)}
	}
	if !p.Visible() {
		p.PublishedAt = time.Time{} // set when it comes out
	}
	if p.Kind == store.KindAnnouncement {
		p.Date = now
		if p.PublishAt != nil {
			p.Date = *p.PublishAt
		}
	}
	saved, created, err := b.store.PublishPost(ctx, p, change)
	if err != nil {
		return err
	}
	if !created {
		b.log.Info("publish repeated; the post exists already", "post_id", saved.ID, "cause", cause)
	}
	b.draftDone(ctx, r, d)
	b.log.Info("post "+string(saved.State()), "post_id", saved.ID, "kind", string(saved.Kind), "city", saved.City, "user_id", r.UserID)
	// A repeat finds the post and releases it again, which queues nothing
	// twice: the official gets the same answer.
	return b.reply(ctx, r, b.standing(ctx, r, saved, "", cause), nil)
}

// checkDraft applies the post rules to the whole draft before it is
// published, as the forms do: each step checks only its own field, and a
// draft may have been saved by an earlier version with looser steps.
func (b *Bot) checkDraft(p store.Post, lang store.Lang) error {
	if p.Lang == "" {
		p.Lang = lang
	}
	return formError(p.ValidateWithCities(b.partner))
}

// refuseDraft tells the official why their draft cannot be published, the
// way a refused form is told, and shows the preview again so they can
// change the field; nothing is published.
func (b *Bot) refuseDraft(ctx context.Context, r *Request, d store.Draft, err error) error {
	if err := b.replyFormError(ctx, r, err, ""); err != nil {
		return err
	}
	d.Step, d.Return, d.PublishAt = stepPreview, "", nil
	return b.advance(ctx, r, d)
}

// draftDone removes a wizard's draft once its post is saved; a one-line
// form has none.
func (b *Bot) draftDone(ctx context.Context, r *Request, d store.Draft) {
	if d.LastUpdate == 0 {
		return
	}
	if err := b.store.DeleteDraft(ctx, r.UserID); err != nil {
		b.log.Warn("draft not removed", "user_id", r.UserID, "err", err)
	}
}

// toChannel passes a change of a post on to the city's channel. It is
// queued (the outbox retries it), keyed by the post and the cause, so a
// repeat queues nothing twice; a failure to queue is logged, since the post
// itself is published already.
func (b *Bot) toChannel(ctx context.Context, p store.Post, action, cause string) {
	if b.channel == nil {
		return
	}
	var err error
	switch action {
	case "edited":
		err = b.channel.ChannelEdit(ctx, p, cause)
	case "deleted":
		err = b.channel.ChannelDelete(ctx, p)
	}
	if err != nil {
		b.log.Error("channel post not queued", "post_id", p.ID, "action", action, "err", err)
	}
}

// postID reads "#42" or "42".
func postID(arg string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(arg), "#"), 10, 64)
	return id, err == nil && id > 0
}

// handleDelete asks for confirmation before removing a post.
func (b *Bot) handleDelete(ctx context.Context, r *Request) error {
	id, ok := postID(r.Args)
	if !ok {
		return b.reply(ctx, r, b.tr.T(r.Lang, "delete_usage"), nil)
	}
	p, err := b.store.Post(ctx, id)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", id), nil)
	}
	if err != nil {
		return err
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "delete_confirm", "ID", id, "Title", p.DisplayTitle(r.Lang)), keyboard(
		[]tgbotapi.InlineKeyboardButton{
			button(b.tr.T(r.Lang, "btn_delete_yes"), Callback{cbDelete, strconv.FormatInt(id, 10)}),
			button(b.tr.T(r.Lang, "btn_delete_no"), Callback{cbDelete, "no"}),
		}))
}

func (b *Bot) onDelete(ctx context.Context, r *Request) error {
	if r.Arg == "no" {
		return b.edit(ctx, r, b.tr.T(r.Lang, "delete_kept"), nil)
	}
	id, ok := postID(r.Arg)
	if !ok {
		return errBadArg
	}
	p, err := b.store.Post(ctx, id)
	if isNotFound(err) {
		return b.edit(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", id), nil)
	}
	if err != nil {
		return err
	}
	// The tap is the cause: the same tap delivered again deletes nothing
	// and writes no second audit entry.
	entry := store.AuditEntry{UserID: r.UserID, At: b.now(), Action: "deleted",
		Changes: []string{"title: " + render.Truncate(p.DisplayTitle(p.Lang), 60)}}
	_, applied, err := b.store.RemovePost(ctx, id, store.Change{Cause: r.Cause(), Audit: entry})
	if isNotFound(err) {
		return b.edit(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", id), nil)
	}
	if err != nil {
		return err
	}
	if applied {
		b.log.Info("post deleted", "post_id", id, "user_id", r.UserID)
	}
	b.toChannel(ctx, p, "deleted", r.Cause())
	return b.edit(ctx, r, b.tr.T(r.Lang, "deleted", "ID", id), nil)
}
