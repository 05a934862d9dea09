// Package tgerr classifies Bot API errors into what a sender must do about
// them. Both the bot (direct replies) and the scheduler (outbox workers) use
// it, so a given Telegram answer is always treated the same way.
package tgerr

import (
	"errors"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Outcome is what a failed send means for the sender.
type Outcome int

// Outcomes, from the exact descriptions Telegram sends.
const (
	OK Outcome = iota
	// RateLimited: 429; pause every sender for RetryAfter, then resend.
	RateLimited
	// Gone: blocked, deactivated, kicked, chat not found; stop sending to
	// the chat, no retries.
	Gone
	// Migrated: the group became a supergroup; resend to MigrateTo.
	Migrated
	// BadMarkup: "can't parse entities"; a defect of ours, never retried.
	BadMarkup
	// Permanent: any other 4xx; retrying sends the same bad request.
	Permanent
	// Transient: 5xx, timeouts, resets, non-JSON replies; retry later.
	Transient
	// ThreadGone: the forum topic was deleted; send to the general topic.
	ThreadGone
	// NoRights: the bot lacks an administrator right in the chat (a
	// channel); waiting until someone grants it is all there is to do.
	NoRights
)

// String names the outcome for logs and metrics labels.
func (o Outcome) String() string {
	return [...]string{"ok", "rate_limited", "gone", "migrated", "bad_markup", "permanent", "transient", "thread_gone", "no_rights"}[o]
}

// Result is a classified send error.
type Result struct {
	Outcome    Outcome
	RetryAfter time.Duration
	MigrateTo  int64
	// Deactivated is set for "user is deactivated": the account is gone
	// for good, not just blocked.
	Deactivated bool
}

// Classify says what err means. A nil error is OK; an error that is not a
// Bot API error (network, timeout, a proxy's HTML page) is Transient.
func Classify(err error) Result {
	if err == nil {
		return Result{Outcome: OK}
	}
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		return Result{Outcome: Transient}
	}
	switch {
	case e.Code == 429:
		d := time.Duration(e.RetryAfter) * time.Second
		if d <= 0 {
			d = time.Second
		}
		return Result{Outcome: RateLimited, RetryAfter: d}
	case e.MigrateToChatID != 0:
		return Result{Outcome: Migrated, MigrateTo: e.MigrateToChatID}
	case e.Code == 400 && strings.Contains(e.Message, "message thread not found"):
		return Result{Outcome: ThreadGone}
	case strings.Contains(e.Message, "need administrator rights") || strings.Contains(e.Message, "not enough rights") ||
		strings.Contains(e.Message, "bot is not a member of the channel"):
		return Result{Outcome: NoRights}
	case e.Code == 403:
		return Result{Outcome: Gone, Deactivated: strings.Contains(e.Message, "deactivated")}
	case e.Code == 400 && strings.Contains(e.Message, "chat not found"):
		return Result{Outcome: Gone}
	case e.Code == 400 && strings.Contains(e.Message, "can't parse entities"):
		return Result{Outcome: BadMarkup}
	case e.Code >= 500 || e.Code == 0:
		return Result{Outcome: Transient}
	}
	return Result{Outcome: Permanent}
}

// NotModified reports whether Telegram refused an edit because the message
// already reads so ("message is not modified"): the edit has nothing left
// to do.
func NotModified(err error) bool {
	var e *tgbotapi.Error
	return errors.As(err, &e) && e.Code == 400 && strings.Contains(e.Message, "message is not modified")
}

// CannotChange reports whether Telegram refused to edit or delete a
// message ("message can't be edited", "message can't be deleted"). Its
// answer is the same whether the bot lacks the right or the message is
// beyond it (deleted or changed by hand, too old for the rights the bot
// has): only the bot's rights in the chat tell which.
func CannotChange(err error) bool {
	var e *tgbotapi.Error
	return errors.As(err, &e) && e.Code == 400 &&
		(strings.Contains(e.Message, "message can't be edited") || strings.Contains(e.Message, "message can't be deleted"))
}
