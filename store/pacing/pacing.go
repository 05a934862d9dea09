// Package pacing is partnerbot's one sending policy: which of Telegram's
// limits a message counts against (the global rate, the share of it bulk
// delivery may use, one chat's limit), and what a 429 holds back (one chat,
// or every sender). The state lives behind Buckets: in Redis, shared by
// every replica, or in memory for the single process of the embedded
// store. Both backends only keep buckets and pauses; the policy is written
// once, here, so they pace identically.
package pacing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bucket is one limit, by the generic cell rate algorithm: a token every
// Every, at most Burst at once.
type Bucket struct {
	Key   string
	Every time.Duration
	Burst int
}

// Buckets keep the limiter's state.
type Buckets interface {
	// Take first honours the pauses: while one is in force it returns the
	// longest time left. Otherwise it takes a token from every bucket when
	// each has one (returning 0), or from none, returning how long until
	// all would have one. now is the caller's clock.
	Take(ctx context.Context, now time.Time, pauses []string, buckets []Bucket) (time.Duration, error)
	// Pause holds the named pause until now+d, never shortening one in
	// force.
	Pause(ctx context.Context, now time.Time, key string, d time.Duration) error
	// Swap stores value under key until now+ttl and returns the value it
	// replaced, "" when there was none (or it expired).
	Swap(ctx context.Context, now time.Time, key, value string, ttl time.Duration) (string, error)
}

// Telegram's per-chat limits (Bots FAQ): about one message a second in a
// private chat, with short bursts tolerated, and 20 a minute in a group.
// Replies, edits and bulk messages to a chat share them. The bursts are
// kept below what Telegram tolerates (about 3): a spare token absorbs the
// jitter between the moment a send is paced here and the moment it
// reaches Telegram.
var (
	privateChat = Bucket{Every: time.Second, Burst: 2}
	groupChat   = Bucket{Every: 3 * time.Second, Burst: 2}
)

// floodWindow: a 429 for a second chat this soon after one for another
// chat means the bot's global limit was hit, not one chat's.
const floodWindow = time.Second

// Config sets the rates.
type Config struct {
	// Rate is the global rate, messages a second for all replicas
	// together (SEND_RATE).
	Rate int
	// BulkShare is the part of Rate that bulk delivery may use; the rest
	// is kept for replies to residents.
	BulkShare float64
	// Private and Group are the per-chat limits; zero takes Telegram's
	// (one a second, 20 a minute). Only tests that script conversations
	// faster than any person writes change them.
	Private, Group Bucket
}

// Limiter is the sending policy over some Buckets. It implements the
// scheduler's Limiter and the bot's Pacer.
type Limiter struct {
	b       Buckets
	now     func() time.Time
	global  Bucket
	bulk    Bucket
	private Bucket
	group   Bucket
}

// New returns the policy over b; zero config fields take the defaults
// (25 a second, bulk share 0.8).
func New(b Buckets, cfg Config) *Limiter {
	if cfg.Rate <= 0 {
		cfg.Rate = 25
	}
	if cfg.BulkShare <= 0 || cfg.BulkShare > 1 {
		cfg.BulkShare = 0.8
	}
	if cfg.Private.Every <= 0 || cfg.Private.Burst <= 0 {
		cfg.Private = privateChat
	}
	if cfg.Group.Every <= 0 || cfg.Group.Burst <= 0 {
		cfg.Group = groupChat
	}
	bulk := max(1, int(float64(cfg.Rate)*cfg.BulkShare))
	return &Limiter{b: b, now: time.Now, private: cfg.Private, group: cfg.Group,
		// Bursts of a tenth of a second's worth: a whole second's would
		// exceed Telegram's broadcast limit at the start of every digest.
		global: Bucket{Key: "global", Every: time.Second / time.Duration(cfg.Rate), Burst: max(1, cfg.Rate/10)},
		bulk:   Bucket{Key: "bulk", Every: time.Second / time.Duration(bulk), Burst: max(1, bulk/10)},
	}
}

// WithClock makes the limiter read time from now; for tests.
func (l *Limiter) WithClock(now func() time.Time) *Limiter { l.now = now; return l }

// Reserve asks to send one message to chatID now. It returns 0 when the
// message may go, else how long to wait before asking again. Every message
// counts against the global rate and its chat's limit; bulk messages
// (outbox) also against the bulk share, so replies always find room.
func (l *Limiter) Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error) {
	chat := l.private
	if group {
		chat = l.group
	}
	chat.Key = chatKey(chatID)
	buckets := []Bucket{l.global, chat}
	if bulk {
		buckets = append(buckets, l.bulk)
	}
	wait, err := l.b.Take(ctx, l.now(), []string{pauseAll, pauseKey(chatID)}, buckets)
	if err != nil {
		return 0, fmt.Errorf("pacing: reserve for %d: %w", chatID, err)
	}
	return wait, nil
}

// Pause stops every sender for d.
func (l *Limiter) Pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if err := l.b.Pause(ctx, l.now(), pauseAll, d); err != nil {
		return fmt.Errorf("pacing: pause all for %s: %w", d, err)
	}
	return nil
}

// Flood records Telegram's 429 with retry_after d for chatID. Telegram
// does not say which limit it was: one chat's, when only that chat draws
// them, and then only that chat waits; the bot's global one, when another
// chat drew one within floodWindow, and then every sender waits. It
// reports whether it paused everyone.
func (l *Limiter) Flood(ctx context.Context, chatID int64, d time.Duration) (global bool, err error) {
	if d <= 0 {
		d = time.Second
	}
	now := l.now()
	prev, err := l.b.Swap(ctx, now, "flood:last", strconv.FormatInt(chatID, 10)+"@"+strconv.FormatInt(now.UnixMilli(), 10), floodWindow)
	if err != nil {
		return false, fmt.Errorf("pacing: flood for %d: %w", chatID, err)
	}
	if otherChatRecently(prev, chatID, now) {
		return true, l.Pause(ctx, d)
	}
	if err := l.b.Pause(ctx, now, pauseKey(chatID), d); err != nil {
		return false, fmt.Errorf("pacing: pause chat %d for %s: %w", chatID, d, err)
	}
	return false, nil
}

// otherChatRecently reads a "chat@unixms" flood mark.
func otherChatRecently(mark string, chatID int64, now time.Time) bool {
	chat, at, ok := strings.Cut(mark, "@")
	if !ok || chat == strconv.FormatInt(chatID, 10) {
		return false
	}
	ms, err := strconv.ParseInt(at, 10, 64)
	return err == nil && now.Sub(time.UnixMilli(ms)) < floodWindow
}

const pauseAll = "pause:all"

func pauseKey(chatID int64) string { return "pause:chat:" + strconv.FormatInt(chatID, 10) }

func chatKey(chatID int64) string { return "chat:" + strconv.FormatInt(chatID, 10) }

// Allow is the cell rate algorithm for one bucket whose theoretical
// arrival time is tat: it returns the bucket's new tat when a token may be
// taken at now, else how long until one may. Backends that keep buckets
// in Go call it; redisstore runs the same arithmetic in Lua.
func Allow(tat, now time.Time, b Bucket) (next time.Time, wait time.Duration) {
	if tat.Before(now) {
		tat = now
	}
	next = tat.Add(b.Every)
	allowAt := next.Add(-time.Duration(b.Burst) * b.Every)
	if now.Before(allowAt) {
		return tat, allowAt.Sub(now)
	}
	return next, 0
}
