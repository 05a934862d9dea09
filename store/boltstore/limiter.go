package boltstore

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// chatIdle is how long a chat's limiter is kept unused. Both per-chat
// limits refill completely well within it (a group's 3-message burst in
// 9s), so a dropped limiter and a new one behave the same.
const chatIdle = time.Minute

// Limiter paces sends within this process with the policy of redisstore's
// shared limiter: a global rate, a share of it for bulk (outbox) messages
// so replies always find room, per-chat limits for bulk messages (1/s to a
// private chat, 20/min with a burst of 3 to a group), and a flood pause
// that stops every sender. The embedded store serves one process, so the
// state lives in memory; it implements scheduler.Limiter.
type Limiter struct {
	mu          sync.Mutex
	now         func() time.Time
	global      *rate.Limiter
	bulk        *rate.Limiter
	chats       map[int64]*chatLimiter
	lastSweep   time.Time
	pausedUntil time.Time
}

type chatLimiter struct {
	lim   *rate.Limiter
	group bool
	used  time.Time
}

// NewLimiter returns a limiter for perSecond messages a second in all
// (default 25), of which bulk messages may use bulkShare (default 0.8).
func NewLimiter(perSecond int, bulkShare float64) *Limiter {
	if perSecond <= 0 {
		perSecond = 25
	}
	if bulkShare <= 0 || bulkShare > 1 {
		bulkShare = 0.8
	}
	bulk := max(1, int(float64(perSecond)*bulkShare))
	return &Limiter{
		now: time.Now,
		// A burst of a tenth of a second's worth, as in redisstore: a full
		// second's burst would exceed Telegram's broadcast limit.
		global: rate.NewLimiter(rate.Limit(perSecond), max(1, perSecond/10)),
		bulk:   rate.NewLimiter(rate.Limit(bulk), max(1, bulk/10)),
		chats:  map[int64]*chatLimiter{},
	}
}

// newChatLimiter returns the per-chat limit: Telegram allows about one
// message a second to a private chat and 20 a minute to a group; a small
// burst keeps a multi-part digest together without tripping it.
func newChatLimiter(group bool) *rate.Limiter {
	if group {
		return rate.NewLimiter(rate.Every(time.Minute/20), 3)
	}
	return rate.NewLimiter(1, 1)
}

// Reserve implements scheduler.Limiter. It takes a token from every limit
// that applies only when all of them have one, so a message that must
// wait for one limit uses up none of the others. A reply (not bulk) is
// held only by the global limit and a pause: it answers the resident's own
// message, one for one.
func (l *Limiter) Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.pausedUntil.After(now) {
		return l.pausedUntil.Sub(now), nil
	}
	lims := []*rate.Limiter{l.global}
	if bulk {
		lims = append(lims, l.bulk, l.chat(chatID, group, now))
	}
	var wait time.Duration
	for _, lim := range lims {
		wait = max(wait, needs(lim, now))
	}
	if wait > 0 {
		return max(wait, time.Millisecond), nil
	}
	for _, lim := range lims {
		lim.AllowN(now, 1)
	}
	return 0, nil
}

// needs is how long lim needs until it has a token at now, 0 when it has.
func needs(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}

// chat returns the chat's limiter, creating it, and drops limiters idle
// for chatIdle (at most once per chatIdle), which bounds the memory to the
// chats of the last minutes.
func (l *Limiter) chat(chatID int64, group bool, now time.Time) *rate.Limiter {
	if now.Sub(l.lastSweep) >= chatIdle {
		for id, c := range l.chats {
			if now.Sub(c.used) > chatIdle {
				delete(l.chats, id)
			}
		}
		l.lastSweep = now
	}
	c := l.chats[chatID]
	if c == nil || c.group != group {
		c = &chatLimiter{lim: newChatLimiter(group), group: group}
		l.chats[chatID] = c
	}
	c.used = now
	return c.lim
}

// Pause implements scheduler.Limiter: every sender waits d. A pause only
// ever extends: two flood errors in a row must not let the shorter win.
func (l *Limiter) Pause(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.now().Add(d); until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	return nil
}
