package web

import (
	"context"
	"sync"
	"time"
)

// channelCacheFor is how long /readyz reuses a check of the bot's rights
// in the city's channel: probes come every few seconds, and each check is
// a getChatMember call against the bot's own request budget.
const channelCacheFor = 30 * time.Second

// ChannelRights reports what the bot lacks in the city's channel ("post",
// "edit", "delete"); the Telegram client implements it.
type ChannelRights interface {
	MissingChannelRights(ctx context.Context, chatID int64) ([]string, error)
}

// ChannelStatus is the channel part of /readyz. A channel the bot cannot
// post to does not make the bot unready: residents are still served, and
// the channel's posts wait in the outbox.
type ChannelStatus struct {
	Channel string   `json:"channel"`
	OK      bool     `json:"ok"`
	Missing []string `json:"missing,omitempty"`
	// Error is set when Telegram did not say; never Telegram's own text,
	// which could name the request.
	Error string `json:"error,omitempty"`
}

// ChannelCheck checks the bot's rights in one channel, remembering the
// answer for a while.
type ChannelCheck struct {
	Name   string // CHANNEL_ID as configured
	ID     int64
	Rights ChannelRights

	mu   sync.Mutex
	at   time.Time
	last ChannelStatus
}

// Status returns the channel's status, checking again when the last
// answer is old.
func (c *ChannelCheck) Status(ctx context.Context, now time.Time) ChannelStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && now.Sub(c.at) < channelCacheFor {
		return c.last
	}
	st := ChannelStatus{Channel: c.Name}
	missing, err := c.Rights.MissingChannelRights(ctx, c.ID)
	switch {
	case err != nil:
		st.Error = "telegram did not say what the bot may do there"
		return st // not remembered: ask again on the next probe
	case len(missing) == 0:
		st.OK = true
	default:
		st.Missing = missing
	}
	c.at, c.last = now, st
	return st
}
