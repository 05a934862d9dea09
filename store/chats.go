package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// IsGroup reports whether a chat of this type is a group rather than a
// private chat: groups have Telegram's lower per-chat limit (20 messages a
// minute), and their members talk to each other, not to the bot.
func IsGroup(chatType string) bool { return chatType != "private" }

// Telegram's service accounts. They appear as the sender of messages that
// no person signed: an anonymous group admin, a channel writing in its
// discussion group, Telegram's own notices and automatic forwards.
const (
	AnonymousAdminID  int64 = 1087968824 // @GroupAnonymousBot
	ChannelBotID      int64 = 136817688  // @Channel_Bot
	TelegramServiceID int64 = 777000     // "Telegram"
)

// IsServiceAccount reports whether userID is one of Telegram's service
// accounts. They are never stored as users or given a role: whoever hides
// behind them cannot be told apart.
func IsServiceAccount(userID int64) bool {
	switch userID {
	case AnonymousAdminID, ChannelBotID, TelegramServiceID:
		return true
	}
	return false
}

// ChatRecords is what the chat rules below change.
type ChatRecords interface {
	Subscriber(ctx context.Context, chatID int64) (Subscriber, error)
	SaveSubscriber(ctx context.Context, s Subscriber) error
	DeleteSubscriber(ctx context.Context, chatID int64) (Subscriber, error)
	SetActive(ctx context.Context, chatID int64, active bool, now time.Time) error
}

// ChatGone applies what Telegram said about a chat the bot can no longer
// reach, whoever found out (a reply or an outbox send): a deleted account
// is forgotten; a chat that blocked or removed the bot, or that Telegram
// does not know, gets nothing more until it comes back (/start, or the bot
// added again). An unknown chat is no error: there is nothing to change.
func ChatGone(ctx context.Context, subs ChatRecords, chatID int64, deactivated bool, now time.Time) error {
	var err error
	if deactivated {
		_, err = subs.DeleteSubscriber(ctx, chatID)
	} else {
		err = subs.SetActive(ctx, chatID, false, now)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("chat %d gone: %w", chatID, err)
	}
	return nil
}

// MigrateChat moves a group's record to the id of the supergroup it became,
// so its subscription survives the upgrade. The new record is saved before
// the old one is deleted: a failure in between leaves two records, never
// none, and running it again finishes the move.
func MigrateChat(ctx context.Context, subs ChatRecords, from, to int64, now time.Time) error {
	s, err := subs.Subscriber(ctx, from)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("migrate chat %d: %w", from, err)
	}
	s.ChatID, s.ChatType, s.UpdatedAt = to, "supergroup", now
	if err := subs.SaveSubscriber(ctx, s); err != nil {
		return fmt.Errorf("migrate chat %d to %d: %w", from, to, err)
	}
	if _, err := subs.DeleteSubscriber(ctx, from); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("migrate chat %d: drop old record: %w", from, err)
	}
	return nil
}
