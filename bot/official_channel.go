package bot

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// ChannelRights tells what the bot may not do in the city's channel; the
// Telegram client implements it.
type ChannelRights interface {
	MissingChannelRights(ctx context.Context, chatID int64) ([]string, error)
}

// ChannelInfo is the city's channel as the bot checks it.
type ChannelInfo struct {
	Name   string // CHANNEL_ID as configured
	ID     int64
	Rights ChannelRights
}

// channelStatus says, in language l, whether the bot can post, edit and
// delete in the channel, and what it lacks; "" when there is no channel.
func (b *Bot) channelStatus(ctx context.Context, l store.Lang) string {
	if b.chanInfo.ID == 0 {
		return ""
	}
	missing, err := b.chanInfo.Rights.MissingChannelRights(ctx, b.chanInfo.ID)
	if err != nil {
		return b.tr.T(l, "channel_unknown", "Channel", b.chanInfo.Name)
	}
	if len(missing) == 0 {
		return b.tr.T(l, "channel_ok", "Channel", b.chanInfo.Name)
	}
	return b.tr.T(l, "channel_missing", "Channel", b.chanInfo.Name, "Missing", b.rightsList(missing, l))
}

func (b *Bot) rightsList(missing []string, l store.Lang) string {
	names := make([]string, len(missing))
	for i, m := range missing {
		names[i] = b.tr.T(l, "right_"+m)
	}
	return strings.Join(names, ", ")
}

// CheckChannel looks at the bot's rights in the channel at start. When
// some are missing, every owner is told which (once a day, through the
// outbox, so restarts do not repeat it); posts still reach subscribers and
// the channel's wait in the outbox until the rights are granted. It
// returns what is missing, for the log.
func (b *Bot) CheckChannel(ctx context.Context) ([]string, error) {
	if b.chanInfo.ID == 0 {
		return nil, nil
	}
	missing, err := b.chanInfo.Rights.MissingChannelRights(ctx, b.chanInfo.ID)
	if err != nil || len(missing) == 0 {
		return missing, err
	}
	day := b.now().UTC().Format(time.DateOnly)
	var msgs []store.OutboxMessage
	for _, owner := range b.owners {
		l := store.LangUK
		if s, err := b.store.Subscriber(ctx, owner); err == nil {
			l = s.Lang
		}
		text := b.tr.T(l, "channel_missing_notice", "Channel", b.chanInfo.Name, "Missing", b.rightsList(missing, l))
		msgs = append(msgs, store.OutboxMessage{Kind: store.MsgNotice, ChatID: owner, Text: text, CreatedAt: b.now(),
			Ref: "channel-rights", Dedupe: "channel-rights:" + day + ":" + strconv.FormatInt(owner, 10)})
	}
	_, err = b.store.EnqueueEach(ctx, 36*time.Hour, msgs...)
	return missing, err
}
