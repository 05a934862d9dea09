package bot

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/store/pacing"
)

// InboundLimits bound how fast one person, or one group, may make the bot
// work. Telegram lets the bot send about one message a second to a chat and
// 20 a minute to a group: a resident who writes faster than that would
// otherwise draw Telegram's flood control onto the bot. Whatever comes in
// beyond the limits is dropped, with one polite notice.
type InboundLimits struct {
	// PerUser is one person's pace, in any chat; UserBurst what they may
	// send at once before it applies.
	PerUser   time.Duration
	UserBurst int
	// PerGroup is one group's pace (all its members together); GroupBurst
	// likewise.
	PerGroup   time.Duration
	GroupBurst int
}

// DefaultInbound is what InboundLimits' zero fields take: 8 at once, then
// one every 3 s (20 a minute) per person; 5 at once, then one every 6 s (10
// a minute) per group, leaving half of a group's sending limit for digests
// and announcements.
func DefaultInbound() InboundLimits {
	return InboundLimits{PerUser: 3 * time.Second, UserBurst: 8, PerGroup: 6 * time.Second, GroupBurst: 5}
}

// noticeEvery is how often one chat is told it is going too fast.
const noticeEvery = time.Minute

// inbound applies InboundLimits in this process: only one replica polls,
// so the state needs no sharing.
type inbound struct {
	limits InboundLimits
	now    func() time.Time

	mu        sync.Mutex
	users     map[int64]time.Time // the cell rate algorithm's arrival times
	groups    map[int64]time.Time
	noticed   map[int64]time.Time // chat → last notice
	lastSweep time.Time
}

func newInbound(l InboundLimits) *inbound {
	d := DefaultInbound()
	if l.PerUser <= 0 || l.UserBurst <= 0 {
		l.PerUser, l.UserBurst = d.PerUser, d.UserBurst
	}
	if l.PerGroup <= 0 || l.GroupBurst <= 0 {
		l.PerGroup, l.GroupBurst = d.PerGroup, d.GroupBurst
	}
	return &inbound{limits: l, now: time.Now, users: map[int64]time.Time{}, groups: map[int64]time.Time{}, noticed: map[int64]time.Time{}}
}

// allow takes a token for the sender and, in a group, for the group; it
// takes none when either is spent, and then names which ("user_rate",
// "chat_rate"). notify is true for a chat's first refusal in noticeEvery.
func (in *inbound) allow(userID, chatID int64, group bool) (ok, notify bool, reason string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	now := in.now()
	in.sweep(now)
	userNext, userWait := pacing.Allow(in.users[userID], now, pacing.Bucket{Every: in.limits.PerUser, Burst: in.limits.UserBurst})
	var groupNext time.Time
	var groupWait time.Duration
	if group {
		groupNext, groupWait = pacing.Allow(in.groups[chatID], now, pacing.Bucket{Every: in.limits.PerGroup, Burst: in.limits.GroupBurst})
	}
	switch {
	case userWait > 0:
		reason = "user_rate"
	case groupWait > 0:
		reason = "chat_rate"
	default:
		in.users[userID] = userNext
		if group {
			in.groups[chatID] = groupNext
		}
		return true, false, ""
	}
	if last, seen := in.noticed[chatID]; !seen || now.Sub(last) >= noticeEvery {
		in.noticed[chatID] = now
		return false, true, reason
	}
	return false, false, reason
}

// sweep forgets, once a minute, whoever has been quiet long enough to have
// a full allowance again, which bounds memory to recent writers.
func (in *inbound) sweep(now time.Time) {
	if now.Sub(in.lastSweep) < time.Minute {
		return
	}
	in.lastSweep = now
	for _, m := range []map[int64]time.Time{in.users, in.groups} {
		for id, tat := range m {
			if now.After(tat) {
				delete(m, id)
			}
		}
	}
	for id, at := range in.noticed {
		if now.Sub(at) >= noticeEvery {
			delete(in.noticed, id)
		}
	}
}

// costs reports whether an update makes the bot answer, and so counts:
// group chatter, commands for other bots, membership changes and
// migrations do not.
func (b *Bot) costs(r *Request) bool {
	switch r.Kind {
	case KindCallback:
		return true
	case KindCommand:
		_, known := b.commands[r.Command]
		return r.Private() || r.Addressed || known
	case KindText, KindOther:
		return r.Private()
	}
	return false
}

// admit applies the inbound limits; a refused update gets at most one
// notice (a toast for a button) and counts as handled.
func (b *Bot) admit(ctx context.Context, r *Request) bool {
	if !b.costs(r) {
		return true
	}
	// A tap on an event's sign-up buttons in a group or the channel costs
	// the chat nothing it must wait for (a toast, and a redraw only when
	// the chat can take one: BestEffort), so only the person's own pace
	// bounds it: a popular event's sign-ups are not ten a minute.
	group := !r.Private() && !strings.HasPrefix(r.Data, cbRSVP+":")
	ok, notify, reason := b.inbound.allow(r.UserID, r.ChatID, group)
	if ok {
		return true
	}
	if b.obs != nil {
		b.obs.UpdateDropped(reason)
	}
	b.log.Info("update dropped: over the inbound limit", "update_id", r.UpdateID, "chat_id", r.ChatID,
		"user_id", r.UserID, "reason", reason)
	b.resolve(ctx, r)
	if r.Kind == KindCallback {
		b.answer(ctx, r, b.tr.T(r.Lang, "too_fast_toast"))
	} else if notify {
		b.reply(ctx, r, b.tr.T(r.Lang, "too_fast"), nil)
	}
	return false
}
