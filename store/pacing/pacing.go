// Package pacing is partnerbot's one sending policy: which of Telegram's
// limits a message counts against (the global rate, one chat's limit), who
// goes first when the global rate is short (replies to residents, before
// bulk delivery), and what a 429 holds back (one chat, or every sender).
// The state lives behind Buckets: in Redis, shared by every replica, or in
// memory for the single process of the embedded store. Both backends only
// keep buckets and pauses; the policy is written once, here, so they pace
// identically.
//
// # Replies first, the whole rate used
//
// Every message, reply or bulk, takes a token from one global bucket that
// refills at SEND_RATE. Bulk delivery (the outbox: digests, announcements,
// reminders, channel posts) may take a token only if it leaves a small
// reserve in the bucket; a reply may take the reserve too. So:
//
//   - with nobody writing, bulk alone runs at the full rate (the reserve
//     is a few tokens of the burst, not a share of the rate);
//   - a reply finds the reserve and goes at once, however many outbox
//     workers of however many replicas wait;
//   - a reply that dips into the reserve pushes the bucket past bulk's
//     threshold: bulk waits until the reserve has refilled, so it uses
//     exactly what replies leave, and together they never exceed the rate;
//   - only more replies at once than the reserve holds wait, each at most
//     one token's time behind the previous one, and still ahead of bulk.
//
// This is the generic cell rate algorithm with two thresholds on one
// theoretical arrival time (Bucket.Keep), so a backend checks it in the
// same atomic step that takes the token: one Lua script in Redis, one
// mutex in memory. There is no second bucket that could drift from the
// first, and no share of the rate that idles when nobody writes.
package pacing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bucket is one limit, by the generic cell rate algorithm: a token every
// Every, at most Burst at once. Keep is how many of the Burst tokens a
// take must leave in the bucket (0 for most takes): bulk delivery keeps
// the replies' reserve.
type Bucket struct {
	Key   string
	Every time.Duration
	Burst int
	Keep  int
}

// Buckets keep the limiter's state.
type Buckets interface {
	// Take first honours the pauses: while one is in force it returns the
	// longest time left. Otherwise it takes a token from every bucket when
	// each has one to spare beyond its Keep (returning 0), or from none,
	// returning how long until all would have. now is the caller's clock.
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

// DefaultRate is SEND_RATE's default: Telegram's documented limit for
// bulk sends, 30 messages a second.
const DefaultRate = 30

// Config sets the rates.
type Config struct {
	// Rate is the global rate, messages a second for all replicas
	// together (SEND_RATE), replies and bulk delivery together.
	Rate int
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
	reserve int
	private Bucket
	group   Bucket
}

// GlobalBucket is the global limit at rate messages a second, and the
// replies' reserve in it. The burst is a tenth of a second's worth: a
// whole second's would exceed Telegram's broadcast limit at the start of
// every digest. The reserve is a hundredth of a second's worth, at least
// one token (residents write a few commands a second; a reserve of one
// answers each at once at 30/s), and bulk keeps at least two tokens of
// burst above it, which absorb the jitter of the outbox workers' wake-ups
// so bulk alone still reaches the full rate.
func GlobalBucket(rate int) (b Bucket, reserve int) {
	if rate <= 0 {
		rate = DefaultRate
	}
	reserve = max(1, rate/100)
	return Bucket{Key: "global", Every: time.Second / time.Duration(rate), Burst: max(reserve+2, rate/10)}, reserve
}

// New returns the policy over b; zero config fields take the defaults
// (DefaultRate, Telegram's per-chat limits).
func New(b Buckets, cfg Config) *Limiter {
	if cfg.Private.Every <= 0 || cfg.Private.Burst <= 0 {
		cfg.Private = privateChat
	}
	if cfg.Group.Every <= 0 || cfg.Group.Burst <= 0 {
		cfg.Group = groupChat
	}
	global, reserve := GlobalBucket(cfg.Rate)
	return &Limiter{b: b, now: time.Now, private: cfg.Private, group: cfg.Group, global: global, reserve: reserve}
}

// WithClock makes the limiter read time from now; for tests.
func (l *Limiter) WithClock(now func() time.Time) *Limiter { l.now = now; return l }

// Reserve asks to send one message to chatID now. It returns 0 when the
// message may go, else how long to wait before asking again. Every message
// counts against the global rate and its chat's limit; a bulk message
// (outbox) must also leave the replies' reserve in the global bucket, so
// replies always go first.
func (l *Limiter) Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error) {
	chat := l.private
	if group {
		chat = l.group
	}
	chat.Key = chatKey(chatID)
	global := l.global
	if bulk {
		global.Keep = l.reserve
	}
	wait, err := l.b.Take(ctx, l.now(), []string{pauseAll, pauseKey(chatID)}, []Bucket{global, chat})
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
// taken at now, leaving b.Keep tokens, else how long until one may.
// Backends that keep buckets in Go call it; redisstore runs the same
// arithmetic in Lua.
func Allow(tat, now time.Time, b Bucket) (next time.Time, wait time.Duration) {
	if tat.Before(now) {
		tat = now
	}
	next = tat.Add(b.Every)
	allowAt := next.Add(-time.Duration(b.Burst-b.Keep) * b.Every)
	if now.Before(allowAt) {
		return tat, allowAt.Sub(now)
	}
	return next, 0
}
