package scheduler

import (
	"context"
	"log/slog"
	"strings"

	"github.com/partnerbot/partnerbot/internal/tgerr"
	"github.com/partnerbot/partnerbot/internal/timing"
	"github.com/partnerbot/partnerbot/store"
)

// What an office message does when Telegram did not take it: wait and try
// again, make a deleted topic anew, or, when no try can succeed, become a
// dead letter. The office hears of an answer that waits for a resident who
// blocked the bot.

// officeFailed settles an office message that could not go: it waits and
// is tried again unless it can never go (its message was deleted, a
// defect of ours, a deleted account).
func (w *Workers) officeFailed(sctx context.Context, log *slog.Logger, m store.OutboxMessage, err error) {
	res := tgerr.Classify(err)
	now := w.Now()
	switch {
	case res.Outcome == tgerr.RateLimited:
		global, perr := w.Limiter.Flood(sctx, m.ChatID, res.RetryAfter)
		if perr != nil {
			log.Warn("outbox: pause not shared", "err", perr)
		}
		log.Warn("outbox: flood control", "retry_after", res.RetryAfter.String(), "all_senders", global)
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, now.Add(res.RetryAfter)))
		w.failed(m, "rate_limited")
	case res.Outcome == tgerr.ThreadGone:
		if m.Kind == store.MsgOfficeIn && m.ThreadID != 0 {
			// The resident's topic was deleted: a new one is made, and
			// the message (all of it) goes there.
			thread := m.ThreadID
			if _, err := w.Office.Store.UpdateConversation(sctx, m.Office.Resident, func(c *store.Conversation) error {
				if !c.TopicGone(m.ChatID, thread) {
					return store.ErrUnchanged
				}
				return nil
			}); err != nil {
				w.officeWait(sctx, log, m, err)
				return
			}
			log.Info("outbox: office topic deleted; making a new one", "resident", m.Office.Resident, "topic", thread)
			m.Step = 0
		}
		m.ThreadID = 0
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, now))
		w.failed(m, "thread_gone")
	case res.Outcome == tgerr.Migrated:
		log.Warn("outbox: the chat became a supergroup; resending there", "new_chat_id", res.MigrateTo)
		m.ChatID = res.MigrateTo
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, now))
		w.failed(m, "migrated")
	case res.Outcome == tgerr.Gone && m.Kind == store.MsgOfficeOut:
		w.chatGone(sctx, log, m.ChatID, res.Deactivated)
		w.tellOffice(sctx, log, &m, res.Deactivated)
		if res.Deactivated {
			w.officeBury(sctx, log, m, err)
			return
		}
		w.officeWait(sctx, log, m, err)
	case res.Outcome == tgerr.BadMarkup, messageGone(err):
		w.officeBury(sctx, log, m, err)
	case res.Outcome == tgerr.Permanent && m.Kind == store.MsgOfficeOut:
		w.officeBury(sctx, log, m, err)
	default:
		// The inbox cannot be reached (removed, no rights, not a forum,
		// Telegram down): wait for it, never drop.
		w.officeWait(sctx, log, m, err)
	}
}

// messageGone: the message to copy is not there any more (its sender
// deleted it) or cannot be copied; no try can send it.
func messageGone(err error) bool {
	s := err.Error()
	return strings.Contains(s, "message to copy not found") || strings.Contains(s, "message can't be copied")
}

// officeWait tries m again later, waiting longer each time up to
// officeMaxWait; the attempts only set the wait, they never give up.
func (w *Workers) officeWait(sctx context.Context, log *slog.Logger, m store.OutboxMessage, err error) {
	d := min(timing.Backoff(w.BackoffMin, officeMaxWait, m.Attempts+1), officeMaxWait)
	m.Attempts = min(m.Attempts+1, 16)
	log.Warn("outbox: office message cannot go yet; retried", "retry_in", d.String(), "attempts", m.Attempts, "err", err)
	w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, w.Now().Add(d)))
	w.failed(m, "waiting")
}

// officeBury gives m up as a dead letter, visibly (the log, /stats).
func (w *Workers) officeBury(sctx context.Context, log *slog.Logger, m store.OutboxMessage, err error) {
	log.Error("outbox: office message cannot be sent, dead-lettered", "err", err)
	w.wentOffice(sctx, log, m)
	w.settle(sctx, log, w.Store.Bury(sctx, m.ID, store.DeadLetter{Message: m, Reason: err.Error(), At: w.Now()}))
	w.failed(m, "dead_lettered")
}

// tellOffice tells the office, once per answer, that it did not reach the
// resident: they blocked the bot (it waits), or deleted their account.
func (w *Workers) tellOffice(ctx context.Context, log *slog.Logger, m *store.OutboxMessage, deleted bool) {
	o := m.Office
	if o.Told || o.NoteChat == 0 || w.Office.Text == nil {
		return
	}
	key := "office_undelivered_blocked"
	if deleted {
		key = "office_undelivered_deleted"
	}
	note := store.OutboxMessage{Kind: store.MsgNotice, ChatID: o.NoteChat, Group: o.NoteChat < 0, ThreadID: o.NoteThread,
		Text: w.Office.Text(o.Lang, key), CreatedAt: w.Now(), Ref: m.Ref + ":undelivered", Dedupe: m.Ref + ":undelivered"}
	if _, err := w.Store.EnqueueEach(ctx, store.CauseTTL, note); err != nil {
		log.Warn("outbox: the office not told of an undelivered answer", "err", err)
		return
	}
	o.Told = true
}
