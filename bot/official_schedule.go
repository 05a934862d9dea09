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

// Publishing later: "Publish later" on the wizard's preview, /schedule for
// a post that is not published, /scheduled to see what waits and publish
// it now, change its time or cancel. The planner publishes a scheduled
// post at its time (scheduler.Planner.PublishDue).

// scheduledLimit is how many waiting posts /scheduled and /pending show.
const scheduledLimit = 20

// parsePublishAt reads a publishing time typed for a post about city:
// YYYY-MM-DD HH:MM in the city's time zone, by the rules of an event's
// start. A time that is not after now is refused, with the time it is now
// there.
func (b *Bot) parsePublishAt(text, city string) (time.Time, error) {
	t, err := ParseDateTime(text, b.rd.Location(city))
	if err != nil {
		return t, renameField(err, "publish_at")
	}
	if now := b.now(); !t.After(now) {
		return t, &FormError{Field: "publish_at", Problem: "past", Value: b.rd.ZonedTime(now, city)}
	}
	return t, nil
}

// handleSchedule sets the time of a post that is not published:
// /schedule 42 2026-05-01 10:00.
func (b *Bot) handleSchedule(ctx context.Context, r *Request) error {
	idArg, when, _ := strings.Cut(strings.TrimSpace(r.Args), " ")
	id, ok := postID(idArg)
	if !ok || strings.TrimSpace(when) == "" {
		return b.reply(ctx, r, b.tr.T(r.Lang, "schedule_usage"), nil)
	}
	post, err := b.store.Post(ctx, id)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", id), nil)
	}
	if err != nil {
		return err
	}
	if post.Visible() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "schedule_published", "ID", id), nil)
	}
	at, ferr := b.parsePublishAt(when, post.City)
	if ferr != nil {
		return b.replyFormError(ctx, r, ferr, "")
	}
	return b.submit(ctx, r, post, &at, r.Cause())
}

// submit moves a post that is not published on, on an official's word, to
// the time at (nil: now): a draft or a rejected post goes for approval when
// the policy wants it for this official, else it is scheduled or out at
// once; a post waiting for approval keeps waiting, with the new time, and
// goes to the approvers again; a scheduled one is retimed (back to the approvers when this official may
// not approve it alone). It is keyed by cause and replies.
func (b *Bot) submit(ctx context.Context, r *Request, post store.Post, at *time.Time, cause string) error {
	now := b.now()
	from := post.State()
	switch from {
	case store.StatusPublished:
		// Published meanwhile (its time came while the official typed).
		return b.reply(ctx, r, b.tr.T(r.Lang, "schedule_published", "ID", post.ID), nil)
	case store.StatusScheduled:
		saved, err := b.retime(ctx, r, post, at, cause)
		if errors.Is(err, store.ErrStateChanged) {
			return b.reply(ctx, r, b.movedOn(r.Lang, saved), nil)
		}
		if err != nil {
			return err
		}
		return b.reply(ctx, r, b.retimed(ctx, r, post, saved, cause), nil)
	case store.StatusPending:
		return b.retimePending(ctx, r, post, at, cause)
	}
	to := from
	if from != store.StatusPending {
		role, _, err := b.requestRole(ctx, r)
		if err != nil {
			return err
		}
		to = store.Submitted(b.approval.Needs(role), at, now)
	}
	action := store.ActionSubmitted
	switch {
	case to == store.StatusPublished:
		action = store.ActionPublished
	case to == store.StatusScheduled, to == from:
		action = store.ActionScheduled
	}
	entry := store.AuditEntry{UserID: r.UserID, At: now, Action: action}
	if at != nil {
		entry.Changes = []string{"publish_at: " + at.UTC().Format(time.RFC3339)}
	}
	t := store.Transition{From: from, To: to, At: now, By: r.UserID, PublishAt: at}
	saved, _, err := b.store.TransitionPost(ctx, post.ID, t, store.Change{Cause: cause, Audit: entry})
	if errors.Is(err, store.ErrStateChanged) {
		return b.reply(ctx, r, b.movedOn(r.Lang, saved), nil)
	}
	if err != nil {
		return err
	}
	return b.reply(ctx, r, b.standing(ctx, r, saved, from, cause), nil)
}

// standing says where a post the official just moved stands, doing what
// its new status entails: asking the approvers, announcing it.
func (b *Bot) standing(ctx context.Context, r *Request, p store.Post, from store.PostStatus, cause string) string {
	l := r.Lang
	switch p.State() {
	case store.StatusPublished:
		return b.tr.T(l, "published_created", "ID", p.ID) + "\n" + b.release(ctx, l, p)
	case store.StatusScheduled:
		return b.tr.T(l, "schedule_set", "ID", p.ID, "Time", b.rd.ZonedTime(*p.PublishAt, p.City))
	case store.StatusPending:
		msg := b.tr.T(l, "pending_time_set", "ID", p.ID)
		if from != store.StatusPending {
			msg = b.submitted(ctx, l, p, cause, nil)
		}
		msg += b.approvalTime(l, p)
		return msg
	}
	return b.movedOn(l, p)
}

// release queues what publishing p entails (announcement, channel,
// notices) and says so; when that fails, the planner finishes it at its
// next look.
func (b *Bot) release(ctx context.Context, l store.Lang, p store.Post) string {
	if b.releaser == nil {
		return b.tr.T(l, "release_later")
	}
	n, err := b.releaser.Release(ctx, p)
	switch {
	case err != nil:
		b.log.Error("release of a published post not queued; the planner retries", "post_id", p.ID, "err", err)
		return b.tr.T(l, "release_later")
	case p.Kind == store.KindAnnouncement && p.Urgent:
		return b.tr.T(l, "announce_queued", "Count", n) + "\n" + b.tr.T(l, "announce_urgent_note")
	case p.Kind == store.KindAnnouncement:
		return b.tr.T(l, "announce_queued", "Count", n)
	}
	return b.tr.T(l, "published_digest_note")
}

// movedOn tells an official that a post is no longer where their change
// expected it.
func (b *Bot) movedOn(l store.Lang, p store.Post) string {
	return b.tr.T(l, "post_moved_on", "ID", p.ID, "State", b.tr.T(l, "status_"+string(p.State())))
}

// handleScheduled lists the posts waiting for their time, soonest first,
// each with buttons to publish it now, change its time or cancel it.
func (b *Bot) handleScheduled(ctx context.Context, r *Request) error {
	if !r.Private() {
		// A group's members are residents: nothing of a post shows
		// before it is published.
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_private_only"), nil)
	}
	posts, err := b.store.PostsByStatus(ctx, store.StatusScheduled, scheduledLimit)
	if err != nil {
		return err
	}
	if len(posts) == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "scheduled_empty"), nil)
	}
	b.reply(ctx, r, "<b>"+b.tr.T(r.Lang, "scheduled_title", "Count", len(posts))+"</b>", nil)
	for _, p := range posts {
		b.reply(ctx, r, b.waitingItem(ctx, r.Lang, p), b.scheduleKeyboard(p.ID, r.Lang))
	}
	return nil
}

// waitingItem is one post that waits, for /scheduled and /pending: what,
// where, its time in its city's zone, its author, its open link.
func (b *Bot) waitingItem(ctx context.Context, l store.Lang, p store.Post) string {
	var sb strings.Builder
	sb.WriteString("<b>#" + strconv.FormatInt(p.ID, 10) + "</b> · " + b.rd.KindLabel(p.Kind, l) + " · " + b.rd.CityLabel(p.City, l))
	sb.WriteString("\n<b>" + render.Esc(p.DisplayTitle(l)) + "</b>")
	if p.PublishAt != nil {
		sb.WriteString("\n🕑 " + render.Esc(b.rd.ZonedTime(*p.PublishAt, p.City)))
	}
	sb.WriteString("\n✍️ " + render.Esc(b.userName(ctx, p.Author)) + " · " + render.OpenLink(p.ID))
	return sb.String()
}

func (b *Bot) scheduleKeyboard(id int64, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	arg := func(op string) string { return op + "-" + strconv.FormatInt(id, 10) }
	return keyboard(
		[]tgbotapi.InlineKeyboardButton{
			button(b.tr.T(l, "btn_publish_now"), Callback{cbSchedule, arg("n")}),
			button(b.tr.T(l, "btn_change_time"), Callback{cbSchedule, arg("t")}),
		},
		[]tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_unschedule"), Callback{cbSchedule, arg("c")})},
	)
}

// postButton reads a workflow button's argument: an operation and a post
// id, "n-42".
func postButton(arg string, ops string) (op string, id int64, ok bool) {
	op, rest, found := strings.Cut(arg, "-")
	if !found || len(op) != 1 || !strings.Contains(ops, op) {
		return "", 0, false
	}
	id, ok = postID(rest)
	return op, id, ok
}

// buttonPost reads the post a button under a post names (op one of ops).
// A post gone is answered on the button: ok is false and err nil.
func (b *Bot) buttonPost(ctx context.Context, r *Request, ops string) (op string, post store.Post, ok bool, err error) {
	op, id, ok := postButton(r.Arg, ops)
	if !ok {
		return "", store.Post{}, false, errBadArg
	}
	post, ok, err = b.buttonPostByID(ctx, r, id)
	return op, post, ok, err
}

// buttonPostByID reads post id for a button; a post gone is answered on
// the button: ok is false and err nil.
func (b *Bot) buttonPostByID(ctx context.Context, r *Request, id int64) (post store.Post, ok bool, err error) {
	post, err = b.store.Post(ctx, id)
	if isNotFound(err) {
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "post_unknown", "ID", id)))
		return store.Post{}, false, nil
	}
	if err != nil {
		return store.Post{}, false, err
	}
	return post, true, nil
}
