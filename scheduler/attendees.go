package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Sign-ups for events, as the scheduler sees them: reminders carry the
// event's buttons and reach the people going even when they do not follow
// its city, and the notices the store queued with a change of a list
// (store.MsgAttendee) are rendered when they go out.

// renderer returns a fan-out's parts by language, each rendered once. A
// reminder carries the event's sign-up buttons, with the counts as they
// are when it is planned.
func (p *Planner) renderer(ctx context.Context, post store.Post, kind store.MessageKind) (func(store.Lang) []store.Part, error) {
	var turnout store.Turnout
	if kind == store.MsgReminder && post.IsDatedEvent() {
		counts, err := p.Store.RSVPCounts(ctx, []int64{post.ID})
		if err != nil {
			return nil, fmt.Errorf("planner: counts of event %d: %w", post.ID, err)
		}
		turnout = post.Turnout(counts[post.ID])
	}
	now := p.Now()
	rendered := map[store.Lang][]store.Part{}
	return func(l store.Lang) []store.Part {
		if parts, ok := rendered[l]; ok {
			return parts
		}
		parts := p.Renderer.PostParts(post, l, "")
		if kind == store.MsgReminder {
			parts = p.Renderer.ReminderParts(post, l, p.Renderer.EventKeyboard(post, turnout, l, now))
		}
		rendered[l] = parts
		return parts
	}, nil
}

// turnouts reads, once per digest run, the counts of the dated events
// among posts, each with its capacity.
func (p *Planner) turnouts(ctx context.Context, posts []store.Post) (map[int64]store.Turnout, error) {
	var ids []int64
	for _, post := range posts {
		if post.IsDatedEvent() {
			ids = append(ids, post.ID)
		}
	}
	out := map[int64]store.Turnout{}
	if len(ids) == 0 {
		return out, nil
	}
	counts, err := p.Store.RSVPCounts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("planner: counts of %d events: %w", len(ids), err)
	}
	for _, post := range posts {
		if post.IsDatedEvent() {
			out[post.ID] = post.Turnout(counts[post.ID])
		}
	}
	return out, nil
}

// signUpRows gives a digest's last message a sign-up row for each event
// in it that is still to come, with the counts as of the run.
func (p *Planner) signUpRows(msgs []store.OutboxMessage, posts []store.Post, turnouts map[int64]store.Turnout, l store.Lang) {
	if kb := p.Renderer.EventListKeyboard(posts, turnouts, l, p.Now()); kb != "" && len(msgs) > 0 {
		last := &msgs[len(msgs)-1]
		last.Parts, last.Text = []store.Part{{Text: last.Text, Keyboard: kb}}, ""
	}
}

// remindAttendees enqueues the reminder for the people going to the event
// whom the city's fan-out did not reach (seen), in their language, under
// the same per-chat keys, so someone who follows the city and signed up
// gets one reminder. A person whose chat blocked the bot gets none.
func (p *Planner) remindAttendees(ctx context.Context, post store.Post, seen map[int64]bool,
	render func(store.Lang) []store.Part, ttl time.Duration, ref string) (int, error) {
	l, err := p.Store.Attendees(ctx, post.ID)
	if err != nil {
		return 0, fmt.Errorf("planner: %s: attendees: %w", ref, err)
	}
	var ids []int64
	lang := map[int64]store.Lang{}
	for _, a := range l.Going {
		if !seen[a.UserID] {
			ids = append(ids, a.UserID)
			lang[a.UserID] = a.Lang
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	subs, err := p.Store.SubscribersByID(ctx, ids)
	if err != nil {
		return 0, fmt.Errorf("planner: %s: attendees' chats: %w", ref, err)
	}
	inactive := map[int64]bool{}
	// Their quiet hours hold the reminder, as they hold the followers'.
	held := map[int64]time.Time{}
	for _, s := range subs {
		inactive[s.ChatID] = !s.Active
		if s.LangChosen || lang[s.ChatID] == "" {
			lang[s.ChatID] = s.Lang
		}
		held[s.ChatID] = s.HeldUntil(p.Now(), p.location(s.TimeZone), false)
	}
	var msgs []store.OutboxMessage
	for _, id := range ids {
		if inactive[id] {
			continue
		}
		seen[id] = true
		l := lang[id]
		if l == "" {
			l = store.LangUK
		}
		msgs = append(msgs, store.OutboxMessage{Kind: store.MsgReminder, ChatID: id, Parts: render(l), CreatedAt: p.Now(),
			Ref: ref, Dedupe: ref + ":chat:" + strconv.FormatInt(id, 10), NotBefore: held[id]})
	}
	n, err := p.Store.EnqueueEach(ctx, ttl, msgs...)
	if err != nil {
		return n, fmt.Errorf("planner: %s: enqueue for attendees: %w", ref, err)
	}
	return n, nil
}

// prepareNotice renders a notice to an attendee from the event as it is
// now, with its buttons; ok is false when it was settled here (its event
// is gone, and the cancellation tells them; or it could not be read, and
// it is retried).
func (w *Workers) prepareNotice(ctx context.Context, log *slog.Logger, m store.OutboxMessage) ([]store.Part, bool) {
	if m.Notice == nil {
		log.Error("outbox: attendee message without a notice dropped")
		w.settle(ctx, log, w.Store.Ack(ctx, m.ID))
		return nil, false
	}
	var current *store.Post
	keyboard := ""
	if m.Notice.What != store.NoticeCancelled {
		post, err := w.Store.Post(ctx, m.PostID)
		switch {
		case err == nil && post.Visible():
			counts, cerr := w.Store.RSVPCounts(ctx, []int64{post.ID})
			if cerr != nil {
				err = cerr
				break
			}
			current = &post
			keyboard = w.Renderer.EventKeyboard(post, post.Turnout(counts[post.ID]), m.Notice.Lang, w.Now())
		case err == nil || isNotFound(err):
			err = nil
		}
		if err != nil {
			log.Warn("outbox: event of a notice not read; retried", "post_id", m.PostID, "err", err)
			w.settle(ctx, log, w.Store.Retry(ctx, m.ID, m, w.Now().Add(w.BackoffMin)))
			return nil, false
		}
	}
	parts := w.Renderer.AttendeeNotice(*m.Notice, current, keyboard)
	if len(parts) == 0 {
		log.Info("outbox: notice about an event that is gone dropped", "post_id", m.PostID, "notice", m.Notice.What)
		w.settle(ctx, log, w.Store.Ack(ctx, m.ID))
		return nil, false
	}
	return parts, true
}
