package scheduler

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/partnerbot/partnerbot/internal/tgerr"
	"github.com/partnerbot/partnerbot/internal/timing"
	"github.com/partnerbot/partnerbot/store"
)

// maxRightsWait caps the wait between tries of a channel message while the
// bot lacks the rights to post: they go out soon after someone grants them.
const maxRightsWait = 2 * time.Minute

// deliver sends one message, part by part from m.Step, and settles it in
// the outbox. It does not wait on the limiter past handBack (see loop). A
// failure after some parts went out is retried from the part that failed,
// so nobody gets an album twice because the text after it failed.
func (w *Workers) deliver(ctx, sctx context.Context, m store.OutboxMessage, handBack time.Time) {
	log := w.Log.With("chat_id", m.ChatID, "kind", string(m.Kind), "ref", m.Ref, "msg_id", m.ID)
	if m.Office != nil {
		w.deliverOffice(ctx, sctx, log, m, handBack)
		return
	}
	if !w.pace(ctx, sctx, log, m, handBack) {
		return
	}
	// Rendered once the limiter lets it go: a channel post that waited
	// shows the edits made meanwhile.
	parts, post, ok := w.prepare(sctx, log, &m)
	if !ok {
		return
	}
	if m.Kind == store.MsgChannel {
		m.Parts = parts // kept with a retry, for prepare to compare
	}
	for paced := true; m.Step < len(parts); paced = false {
		if !paced && !w.pace(ctx, sctx, log, m, handBack) {
			return
		}
		cctx, cancel := context.WithTimeout(sctx, w.SendTimeout)
		ids, err := w.sendPart(cctx, m, parts[m.Step])
		cancel()
		if w.Rights != nil && isChange(m.Kind) && tgerr.CannotChange(err) {
			// Telegram says the same when the bot lacks the right and
			// when the message is beyond it; the bot's rights tell which.
			lacks := w.lacksRight(sctx, log, m)
			if !lacks {
				// It has the right, perhaps only since it was refused:
				// one more try, with the right known to be there.
				if !w.pace(ctx, sctx, log, m, handBack) {
					return
				}
				cctx, cancel := context.WithTimeout(sctx, w.SendTimeout)
				ids, err = w.sendPart(cctx, m, parts[m.Step])
				cancel()
				lacks = tgerr.CannotChange(err) && w.lacksRight(sctx, log, m)
			}
			if lacks {
				w.waitForRights(sctx, log, m, err)
				return
			}
		}
		if m.Kind == store.MsgChannelEdit && tgerr.NotModified(err) {
			err = nil // the message reads so already
		}
		if err != nil {
			w.failedPart(sctx, log, m, err)
			return
		}
		m.Targets = append(m.Targets, ids...)
		m.Step++
	}
	w.finish(sctx, log, m, parts, post)
	w.done(sctx, m, m.ID, true)
	w.sent(m)
}

// pace waits until the limiter lets the next part go. A long wait is not
// spent holding the message: another worker would take it over after
// ClaimIdle and send it twice, so it goes back to the queue instead.
func (w *Workers) pace(ctx, sctx context.Context, log *slog.Logger, m store.OutboxMessage, handBack time.Time) bool {
	for {
		wait, err := w.Limiter.Reserve(ctx, m.ChatID, m.Group, bulk(m))
		if err != nil {
			log.Warn("outbox: limiter unavailable", "err", err)
			wait = time.Second
		}
		if wait <= 0 {
			return true
		}
		if wait > maxHold || time.Now().Add(wait).After(handBack) {
			w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, w.Now().Add(wait)))
			return false
		}
		// Jitter, so workers denied together do not all ask again at once.
		if !timing.Sleep(ctx, wait+rand.N(wait/4+1)) {
			return false // shutting down; the message stays claimed and comes back
		}
	}
}

// sendPart sends one part; an edit or a delete of a channel message is a
// part too.
func (w *Workers) sendPart(ctx context.Context, m store.OutboxMessage, p store.Part) ([]int, error) {
	switch m.Kind {
	case store.MsgChannelEdit:
		// A part with its photo is that photo's caption (see prepare).
		return nil, w.Sender.EditPart(ctx, m.ChatID, m.Targets[m.Step], p, m.Caption || len(p.Photos) > 0)
	case store.MsgChannelDelete:
		return nil, w.Sender.DeleteMessage(ctx, m.ChatID, m.Targets[m.Step])
	}
	return w.Sender.SendPart(ctx, m.ChatID, m.ThreadID, p, bulk(m))
}

// bulk tells whether m is bulk delivery, for the limiter (bulk uses what
// replies leave) and for Telegram (allow_paid_broadcast, when paid
// broadcasts are on). A personal message (store.OutboxMessage.Personal:
// the office's copies, a place that became free) is one person's message
// to another: paced as a reply, and never a paid broadcast.
func bulk(m store.OutboxMessage) bool { return !m.Personal() }

// failedPart settles a message whose current part Telegram did not take.
func (w *Workers) failedPart(sctx context.Context, log *slog.Logger, m store.OutboxMessage, err error) {
	res := tgerr.Classify(err)
	now := w.Now()
	switch res.Outcome {
	case tgerr.RateLimited:
		// The chat (or, for the bot's global limit, every sender) pauses;
		// the failure does not count against the message.
		global, perr := w.Limiter.Flood(sctx, m.ChatID, res.RetryAfter)
		if perr != nil {
			log.Warn("outbox: pause not shared", "err", perr)
		}
		log.Warn("outbox: flood control", "retry_after", res.RetryAfter.String(), "all_senders", global)
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, now.Add(res.RetryAfter)))
		w.failed(m, "rate_limited")
	case tgerr.NoRights:
		// Only channel messages meet this: they wait until an
		// administrator grants the bot its rights, and are never dropped.
		w.waitForRights(sctx, log, m, err)
	case tgerr.BadMarkup, tgerr.Permanent:
		w.refused(sctx, log, m, err)
	case tgerr.Gone:
		w.chatGone(sctx, log, m.ChatID, res.Deactivated)
		w.done(sctx, m, m.ID, false)
		w.failed(m, "gone")
	case tgerr.Migrated:
		w.migrate(sctx, log, m.ChatID, res.MigrateTo)
		old := m.ChatID
		m.ChatID = res.MigrateTo
		log.Info("outbox: group migrated, resending", "old_chat_id", old, "new_chat_id", m.ChatID)
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, now))
		w.failed(m, "migrated")
	case tgerr.ThreadGone:
		// The group deleted the topic it subscribed from: its messages go
		// to the general topic from now on, this one at once.
		w.topicGone(sctx, log, m.ChatID)
		m.ThreadID = 0
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, now))
		w.failed(m, "thread_gone")
	default:
		m.Attempts++
		if m.Attempts >= w.MaxAttempts {
			log.Error("outbox: giving up after retries, dead-lettered", "attempts", m.Attempts, "err", err)
			w.settle(sctx, log, w.Store.Bury(sctx, m.ID, store.DeadLetter{Message: m, Reason: err.Error(), At: now}))
			w.done(sctx, m, "", false)
			w.failed(m, "dead_lettered")
			return
		}
		d := timing.Backoff(w.BackoffMin, w.BackoffMax, m.Attempts)
		log.Warn("outbox: send failed, will retry", "attempts", m.Attempts, "retry_in", d.String(), "err", err)
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, now.Add(d)))
		w.failed(m, "transient")
	}
}

// isChange reports whether m changes a message in the channel.
func isChange(k store.MessageKind) bool {
	return k == store.MsgChannelEdit || k == store.MsgChannelDelete
}

// refused settles a message Telegram refused for good.
func (w *Workers) refused(sctx context.Context, log *slog.Logger, m store.OutboxMessage, err error) {
	now := w.Now()
	if isChange(m.Kind) {
		// Deleted or edited by hand in the channel meanwhile: nothing
		// is left to do about it.
		log.Info("outbox: channel message already changed", "err", err)
		m.Step++
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, now))
		return
	}
	log.Error("outbox: message refused by Telegram, dead-lettered", "err", err)
	w.settle(sctx, log, w.Store.Bury(sctx, m.ID, store.DeadLetter{Message: m, Reason: err.Error(), At: now}))
	w.done(sctx, m, "", false)
	w.failed(m, "dead_lettered")
}

// waitForRights puts a channel message back until the bot has its rights
// in the channel: however long that takes, it is never dropped.
func (w *Workers) waitForRights(sctx context.Context, log *slog.Logger, m store.OutboxMessage, err error) {
	if m.Attempts == 0 && w.RightsLost != nil {
		w.RightsLost(sctx)
	}
	d := min(timing.Backoff(w.BackoffMin, maxRightsWait, m.Attempts+1), maxRightsWait)
	m.Attempts = min(m.Attempts+1, 16) // the backoff's exponent, not a count towards giving up
	log.Warn("outbox: the bot lacks rights in this chat; waiting for an administrator", "retry_in", d.String(), "err", err)
	w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, w.Now().Add(d)))
	w.failed(m, "no_rights")
}

// lacksRight reports whether the bot, refused an edit or a deletion in
// the channel, lacks the right for it: it is no administrator there, or
// has not the right to edit (delete) messages, with which Telegram lets it
// edit (delete) any message of the channel, however old. With the right,
// the message itself is beyond reach (deleted by hand). When the rights
// cannot be read, the message waits too: it is asked again on the next
// try, and nothing is lost meanwhile.
func (w *Workers) lacksRight(ctx context.Context, log *slog.Logger, m store.OutboxMessage) bool {
	if w.Rights == nil {
		return false
	}
	missing, err := w.Rights.MissingChannelRights(ctx, m.ChatID)
	if err != nil {
		log.Warn("outbox: the bot's rights in the channel not read; the message waits", "err", err)
		return true
	}
	need := RightEdit
	if m.Kind == store.MsgChannelDelete {
		need = RightDelete
	}
	return slices.Contains(missing, RightMember) || slices.Contains(missing, need)
}

// topicGone records that a group's topic was deleted: the subscription
// falls back to the general topic, and /stats says so.
func (w *Workers) topicGone(ctx context.Context, log *slog.Logger, chatID int64) {
	s, err := w.Store.Subscriber(ctx, chatID)
	if err != nil {
		if !isNotFound(err) {
			log.Warn("outbox: topic fallback not recorded", "err", err)
		}
		return
	}
	s.ThreadID, s.TopicLost, s.UpdatedAt = 0, true, w.Now()
	if err := w.Store.SaveSubscriber(ctx, s); err != nil {
		log.Warn("outbox: topic fallback not recorded", "err", err)
		return
	}
	log.Info("outbox: forum topic deleted, the group gets its messages in the general topic")
}
