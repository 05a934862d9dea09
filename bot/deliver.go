package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/internal/tgerr"
	"github.com/partnerbot/partnerbot/internal/timing"
	"github.com/partnerbot/partnerbot/store"
)

// maxReplyWait is the longest a reply waits here for the limiter. A longer
// wait (a chat over its limit, a flood pause) hands the update back to the
// poller, which waits without holding anyone else up.
const maxReplyWait = 3 * time.Second

// journalTTL outlives Telegram's own patience: an unconfirmed update is
// kept, and may come back, for 24 hours.
const journalTTL = 25 * time.Hour

// journal is what a handled update still owes: the replies Telegram did
// not take yet, or nothing (Done) when only its confirmation was pending.
// It is kept in the store so a retry, on this replica or another, resumes
// instead of running the handler again.
type journal struct {
	Done    bool    `json:"done,omitempty"`
	Replies []Reply `json:"replies,omitempty"`
}

func journalKey(updateID int) string { return "update:" + strconv.Itoa(updateID) }

// loadJournal returns the journal of an update handled before, if any. A
// storage failure reads as none: the handler then runs again, and its
// changes are keyed by cause, so it changes nothing twice.
func (b *Bot) loadJournal(ctx context.Context, updateID int) (journal, bool) {
	raw, err := b.store.Memo(ctx, journalKey(updateID))
	if err != nil {
		return journal{}, false
	}
	var j journal
	if err := json.Unmarshal(raw, &j); err != nil {
		b.log.Warn("update journal unreadable", "update_id", updateID, "err", err)
		return journal{}, false
	}
	return j, true
}

// RememberHandled records that an update was handled while one before it
// was not, so Telegram has not been told yet: if it comes again (after a
// restart), it is only confirmed.
func (b *Bot) RememberHandled(ctx context.Context, updateID int) {
	b.saveJournal(ctx, updateID, journal{Done: true})
}

// saveJournal stores j even while shutting down: it is what lets the next
// process resume.
func (b *Bot) saveJournal(ctx context.Context, updateID int, j journal) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := b.store.SaveMemo(sctx, journalKey(updateID), data, journalTTL); err != nil {
		b.log.Warn("update journal not saved; a retry runs the handler again", "update_id", updateID, "err", err)
		return err
	}
	return nil
}

// deliver answers the button (unless resuming) and sends replies in
// order. When Telegram does not take one for a reason that may pass, it
// and the rest are kept in the update's journal and the update is handed
// back (an error) to be delivered again later, resuming here.
func (b *Bot) deliver(ctx context.Context, r *Request, replies []Reply, resumed bool) error {
	log := b.log.With("update_id", r.UpdateID, "chat_id", r.ChatID)
	if r.CallbackID != "" && !resumed {
		b.answerCallback(ctx, r, log)
	}
	migrated := map[int64]bool{}
	for i := 0; i < len(replies); i++ {
		rp := replies[i]
		if rp.BestEffort {
			b.tryBestEffort(ctx, rp, log)
			continue
		}
		wait, err := b.pace(ctx, rp)
		if err != nil {
			return b.keep(ctx, r, replies[i:], err)
		}
		if wait > 0 {
			return b.keep(ctx, r, replies[i:], &telegram.WaitError{Wait: wait})
		}
		err = b.send(ctx, rp)
		res := tgerr.Classify(err)
		b.observeSend(res.Outcome)
		switch res.Outcome {
		case tgerr.OK:
		case tgerr.RateLimited:
			global := false
			if b.pacer != nil {
				var ferr error
				if global, ferr = b.pacer.Flood(ctx, rp.ChatID, res.RetryAfter); ferr != nil {
					log.Warn("flood pause not shared", "err", ferr)
				}
			}
			log.Warn("reply held by flood control", "retry_after", res.RetryAfter.String(), "all_senders", global)
			return b.keep(ctx, r, replies[i:], &telegram.WaitError{Wait: res.RetryAfter})
		case tgerr.Gone:
			b.chatGone(ctx, rp.ChatID, res.Deactivated, err)
			return b.finish(ctx, r, resumed) // nobody to tell
		case tgerr.Migrated:
			if migrated[rp.ChatID] {
				log.Error("reply: chat migrated twice", "err", err)
				continue
			}
			migrated[rp.ChatID] = true
			if merr := store.MigrateChat(ctx, b.store, rp.ChatID, res.MigrateTo, b.now()); merr != nil {
				log.Warn("reply: subscription not moved to supergroup", "err", merr)
			}
			for j := i; j < len(replies); j++ {
				if replies[j].ChatID == rp.ChatID {
					replies[j].ChatID, replies[j].Edit = res.MigrateTo, 0
				}
			}
			i-- // the same reply, to the supergroup
		case tgerr.ThreadGone:
			// The topic was deleted since: answer in the general topic.
			for j := i; j < len(replies); j++ {
				replies[j].ThreadID = 0
			}
			i--
		case tgerr.BadMarkup, tgerr.Permanent, tgerr.NoRights:
			if e, ok := telegram.APIError(err); ok && strings.Contains(e.Message, "message is not modified") {
				continue // a double tap: the message already shows this
			}
			// A defect of ours (or an edit of a message gone meanwhile):
			// sending it again would fail again.
			log.Error("reply refused by Telegram", "err", err)
		default:
			return b.keep(ctx, r, replies[i:], err)
		}
	}
	return b.finish(ctx, r, resumed)
}

// send sends (or edits) one reply.
func (b *Bot) send(ctx context.Context, rp Reply) error {
	if rp.MarkupOnly {
		if rp.Edit == 0 {
			return nil // its message is gone with a migrated group: nothing to redraw
		}
		return b.tg.EditMarkup(ctx, rp.ChatID, rp.Edit, rp.Keyboard)
	}
	if rp.Edit != 0 {
		return b.tg.EditPart(ctx, rp.ChatID, rp.Edit, rp.Part, false)
	}
	_, err := b.tg.SendPart(ctx, rp.ChatID, rp.ThreadID, rp.Part, false)
	return err
}

// maxBestEffortWait is the longest a best-effort reply waits for the
// limiter: long enough for the bot's global pace, far shorter than a busy
// chat's (3 seconds a message in a group).
const maxBestEffortWait = 500 * time.Millisecond

// tryBestEffort sends a reply only if its chat may be sent to soon, and
// forgets it when Telegram does not take it (a 429 still holds the chat,
// for everyone else's sake).
func (b *Bot) tryBestEffort(ctx context.Context, rp Reply, log *slog.Logger) {
	deadline := time.Now().Add(maxBestEffortWait)
	for b.pacer != nil {
		wait, err := b.pacer.Reserve(ctx, rp.ChatID, rp.Group, false)
		if err == nil && wait <= 0 {
			break
		}
		if err != nil || time.Now().Add(wait).After(deadline) {
			log.Debug("best-effort reply skipped: the chat is busy", "wait", wait.String(), "err", err)
			return
		}
		if !timing.Sleep(ctx, wait) {
			return
		}
	}
	err := b.send(ctx, rp)
	res := tgerr.Classify(err)
	b.observeSend(res.Outcome)
	switch {
	case res.Outcome == tgerr.OK:
	case res.Outcome == tgerr.RateLimited && b.pacer != nil:
		if _, ferr := b.pacer.Flood(ctx, rp.ChatID, res.RetryAfter); ferr != nil {
			log.Warn("flood pause not shared", "err", ferr)
		}
	default:
		log.Debug("best-effort reply not taken", "err", err)
	}
}

// keep saves the replies still owed and returns why they wait.
func (b *Bot) keep(ctx context.Context, r *Request, rest []Reply, why error) error {
	_ = b.saveJournal(ctx, r.UpdateID, journal{Replies: rest})
	if _, ok := telegram.RetryAfter(why); ok {
		return why
	}
	return &telegramError{err: why}
}

// finish drops a journal that was being worked off.
func (b *Bot) finish(ctx context.Context, r *Request, resumed bool) error {
	if resumed {
		if err := b.store.DeleteMemo(ctx, journalKey(r.UpdateID)); err != nil {
			b.log.Debug("update journal not removed; it expires", "update_id", r.UpdateID, "err", err)
		}
	}
	return nil
}

// answerCallback stops the spinner on the tapped button, with the toast.
// Failures are only logged: Telegram forgets unanswered taps by itself.
func (b *Bot) answerCallback(ctx context.Context, r *Request, log *slog.Logger) {
	if err := b.tg.Request(ctx, tgbotapi.NewCallback(r.CallbackID, render.PlainText(r.toast))); err != nil {
		log.Debug("answer callback", "err", err)
	}
}

// pace waits until the limiter lets a reply to the chat go, at most
// maxReplyWait; a longer wait is returned for the poller to sit out.
func (b *Bot) pace(ctx context.Context, rp Reply) (time.Duration, error) {
	if b.pacer == nil {
		return 0, nil
	}
	deadline := time.Now().Add(maxReplyWait)
	for {
		wait, err := b.pacer.Reserve(ctx, rp.ChatID, rp.Group, false)
		if err != nil {
			b.log.Debug("pacer unavailable, sending anyway", "err", err)
			return 0, nil
		}
		if wait <= 0 {
			return 0, nil
		}
		if time.Now().Add(wait).After(deadline) {
			return wait, nil
		}
		if !timing.Sleep(ctx, wait) {
			return 0, fmt.Errorf("reply: %w", ctx.Err())
		}
	}
}

func (b *Bot) observeSend(o tgerr.Outcome) {
	if b.obs == nil {
		return
	}
	if o == tgerr.OK {
		b.obs.Sent("reply")
		return
	}
	b.obs.Failed("reply", o.String())
}

// chatGone records that a chat can no longer be reached, by the same rule
// as the outbox (store.ChatGone).
func (b *Bot) chatGone(ctx context.Context, chatID int64, deactivated bool, cause error) {
	if err := store.ChatGone(ctx, b.store, chatID, deactivated, b.now()); err != nil {
		b.log.Warn("chat unreachable, not recorded", "chat_id", chatID, "err", err)
		return
	}
	b.log.Info("chat unreachable, subscriber inactive", "chat_id", chatID, "deleted", deactivated, "reason", cause.Error())
}
