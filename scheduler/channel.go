package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// The city's channel gets every published post once, through the outbox:
// the message carries only the post's id, and the worker renders the post
// as it is when it goes out, so an edit or a deletion made while the post
// waited (for the bot's rights in the channel, say) is never lost or
// undone.

// channelTTL keeps the dedupe keys of channel messages as long as a cause
// is remembered: a repeated publish, edit or delete finds them.
const channelTTL = store.CauseTTL

// ChannelPost queues the post for the channel, once per post.
func (p *Planner) ChannelPost(ctx context.Context, post store.Post) error {
	return p.channel(ctx, store.OutboxMessage{Kind: store.MsgChannel, PostID: post.ID,
		Ref: fmt.Sprintf("channel:%d", post.ID)})
}

// ChannelEdit queues an official's edit of the post for the channel, once
// per cause.
func (p *Planner) ChannelEdit(ctx context.Context, post store.Post, cause string) error {
	return p.channel(ctx, store.OutboxMessage{Kind: store.MsgChannelEdit, PostID: post.ID,
		Ref: fmt.Sprintf("channel-edit:%d:%s", post.ID, cause)})
}

// ChannelDelete queues the removal of a deleted post's channel messages.
func (p *Planner) ChannelDelete(ctx context.Context, post store.Post) error {
	if post.Channel == nil {
		return nil // never posted; the queued post finds it gone
	}
	return p.channel(ctx, store.OutboxMessage{Kind: store.MsgChannelDelete, PostID: post.ID,
		Targets: slices.Clone(post.Channel.Messages), Ref: fmt.Sprintf("channel-delete:%d", post.ID)})
}

func (p *Planner) channel(ctx context.Context, m store.OutboxMessage) error {
	p.defaults()
	if p.ChannelID == 0 {
		return nil
	}
	m.ChatID, m.Group, m.CreatedAt, m.Dedupe = p.ChannelID, true, p.Now(), m.Ref
	if _, err := p.Store.EnqueueEach(ctx, channelTTL, m); err != nil {
		return fmt.Errorf("planner: %s: %w", m.Ref, err)
	}
	return nil
}

// prepare turns a claimed message into the parts to send. Channel messages
// are rendered now, from the post as it is; ok is false when the message
// was settled here (its post is gone, or it went out already).
func (w *Workers) prepare(ctx context.Context, log *slog.Logger, m *store.OutboxMessage) (parts []store.Part, post store.Post, ok bool) {
	switch m.Kind {
	case store.MsgChannel, store.MsgChannelEdit:
	case store.MsgChannelDelete:
		return make([]store.Part, len(m.Targets)), post, true
	case store.MsgAttendee:
		parts, ok := w.prepareNotice(ctx, log, *m)
		return parts, post, ok
	default:
		return m.AllParts(), post, true
	}
	post, err := w.Store.Post(ctx, m.PostID)
	switch {
	case isNotFound(err):
		if m.Kind == store.MsgChannel && len(m.Targets) > 0 {
			// Deleted after part of it went out (its text waited for a
			// retry): the post was never recorded as in the channel, so
			// only this message knows those parts to take them down.
			del := store.OutboxMessage{Kind: store.MsgChannelDelete, ChatID: m.ChatID, Group: true, PostID: m.PostID,
				Targets: m.Targets, CreatedAt: w.Now(), Ref: m.Ref + ":late-delete", Dedupe: m.Ref + ":late-delete"}
			if _, err := w.Store.EnqueueEach(ctx, channelTTL, del); err != nil {
				log.Warn("outbox: parts of a deleted post not taken down; retried", "post_id", m.PostID, "err", err)
				w.settle(ctx, log, w.Store.Retry(ctx, m.ID, *m, w.Now().Add(w.BackoffMin)))
				return nil, post, false
			}
		}
		log.Info("outbox: channel message for a deleted post dropped", "post_id", m.PostID)
		w.settle(ctx, log, w.Store.Ack(ctx, m.ID))
		return nil, post, false
	case err != nil:
		log.Warn("outbox: channel post not read; retried", "post_id", m.PostID, "err", err)
		w.settle(ctx, log, w.Store.Retry(ctx, m.ID, *m, w.Now().Add(w.BackoffMin)))
		return nil, post, false
	}
	if !post.Visible() {
		// Only a post's release queues it, after the post became
		// published; should anything else, the channel shows nothing
		// residents cannot see.
		log.Warn("outbox: channel message for an unpublished post dropped", "post_id", m.PostID, "status", string(post.State()))
		w.settle(ctx, log, w.Store.Ack(ctx, m.ID))
		return nil, post, false
	}
	// An event's buttons show the counts as they are when it goes out
	// (or is edited); a tap in the channel updates them there.
	keyboard := ""
	if post.IsDatedEvent() {
		counts, err := w.Store.RSVPCounts(ctx, []int64{post.ID})
		if err != nil {
			log.Warn("outbox: counts of a channel event not read; retried", "post_id", m.PostID, "err", err)
			w.settle(ctx, log, w.Store.Retry(ctx, m.ID, *m, w.Now().Add(w.BackoffMin)))
			return nil, post, false
		}
		keyboard = w.Renderer.EventKeyboard(post, post.Turnout(counts[post.ID]), w.ChannelLang, w.Now())
	}
	parts = w.Renderer.ChannelParts(post, w.ChannelLang, keyboard)
	if m.Kind == store.MsgChannel {
		if post.Channel != nil && m.Step == 0 {
			w.settle(ctx, log, w.Store.Ack(ctx, m.ID)) // posted already
			return nil, post, false
		}
		if m.Step > 0 && len(m.Parts) > 0 && !sentAsRendered(m.Parts, parts, m.Step) {
			// Edited, while its text waited for a retry, so that what went
			// out no longer fits (other photos, the text now a caption):
			// that is taken down and the post goes out anew.
			key := fmt.Sprintf("%s:restart:%v", m.Ref, m.Targets)
			del := store.OutboxMessage{Kind: store.MsgChannelDelete, ChatID: m.ChatID, Group: true, PostID: m.PostID,
				Targets: m.Targets, CreatedAt: w.Now(), Ref: key, Dedupe: key}
			if _, err := w.Store.EnqueueEach(ctx, channelTTL, del); err != nil {
				log.Warn("outbox: channel post not restarted; retried", "post_id", m.PostID, "err", err)
				w.settle(ctx, log, w.Store.Retry(ctx, m.ID, *m, w.Now().Add(w.BackoffMin)))
				return nil, post, false
			}
			m.Step, m.Targets = 0, nil
		}
		return parts, post, true
	}
	ref := post.Channel
	if ref == nil {
		// Not posted yet: the post goes out in its edited form.
		w.settle(ctx, log, w.Store.Ack(ctx, m.ID))
		return nil, post, false
	}
	last := parts[len(parts)-1]
	if !slices.Equal(ref.Photos, uniqueIDs(post)) || ref.Caption != (len(last.Photos) == 1) {
		w.repost(ctx, log, *m, post)
		return nil, post, false
	}
	m.Targets, m.Caption = []int{ref.TextID}, ref.Caption
	last.Photos = nil
	edits := []store.Part{last}
	if head := parts[0]; len(parts) == 2 && len(head.Photos) == 1 && len(ref.Messages) == 2 && head.Text != ref.PhotoCaption {
		// One photo, its caption the title, then the text: a changed
		// title is edited in the caption too. It comes after the text, so
		// a retry that finds the caption as posted has the text alone
		// left, at the same step.
		m.Targets = append(m.Targets, ref.Messages[0])
		edits = append(edits, head) // its photo marks a caption's edit
	}
	return edits, post, true
}

// repost replaces a channel post whose photos (or layout) changed: the old
// messages are deleted and the post goes out anew.
func (w *Workers) repost(ctx context.Context, log *slog.Logger, m store.OutboxMessage, post store.Post) {
	if err := w.Store.SetChannelRef(ctx, post.ID, nil); err != nil {
		log.Warn("outbox: channel repost not started; retried", "err", err)
		w.settle(ctx, log, w.Store.Retry(ctx, m.ID, m, w.Now().Add(w.BackoffMin)))
		return
	}
	del := store.OutboxMessage{Kind: store.MsgChannelDelete, ChatID: m.ChatID, Group: true, PostID: post.ID,
		Targets: post.Channel.Messages, CreatedAt: w.Now(), Ref: m.Ref + ":delete", Dedupe: m.Ref + ":delete"}
	again := store.OutboxMessage{Kind: store.MsgChannel, ChatID: m.ChatID, Group: true, PostID: post.ID,
		CreatedAt: w.Now(), Ref: m.Ref + ":post", Dedupe: m.Ref + ":post"}
	if _, err := w.Store.EnqueueEach(ctx, channelTTL, del, again); err != nil {
		log.Warn("outbox: channel repost not queued; retried", "err", err)
		w.settle(ctx, log, w.Store.Retry(ctx, m.ID, m, w.Now().Add(w.BackoffMin)))
		return
	}
	log.Info("outbox: channel post replaced: its photos changed", "post_id", post.ID)
	w.settle(ctx, log, w.Store.Ack(ctx, m.ID))
}

// finish records where a channel post went, once all its parts are out.
func (w *Workers) finish(ctx context.Context, log *slog.Logger, m store.OutboxMessage, parts []store.Part, post store.Post) {
	if m.Kind != store.MsgChannel || len(m.Targets) == 0 {
		return
	}
	ref := &store.ChannelRef{Chat: strconv.FormatInt(m.ChatID, 10), Messages: m.Targets,
		TextID: m.Targets[len(m.Targets)-1], Caption: len(parts[len(parts)-1].Photos) == 1, Photos: uniqueIDs(post)}
	if len(parts) == 2 && len(parts[0].Photos) == 1 {
		ref.PhotoCaption = parts[0].Text
	}
	err := w.Store.SetChannelRef(ctx, post.ID, ref)
	if isNotFound(err) {
		// Deleted while it was being posted: take it down again.
		del := store.OutboxMessage{Kind: store.MsgChannelDelete, ChatID: m.ChatID, Group: true, PostID: post.ID,
			Targets: m.Targets, CreatedAt: time.Now(), Ref: m.Ref + ":late-delete", Dedupe: m.Ref + ":late-delete"}
		_, err = w.Store.EnqueueEach(ctx, channelTTL, del)
		if err != nil {
			log.Error("outbox: parts of a deleted post not taken down", "post_id", post.ID, "err", err)
		}
		return
	}
	if err != nil {
		log.Error("outbox: channel post not recorded; edits will not reach it", "post_id", post.ID, "err", err)
		return
	}
	w.catchUp(ctx, log, m, parts, post.ID)
}

// catchUp edits a channel post that went out as it was rendered if the
// post changed since. An edit whose message was prepared before the
// reference was recorded found none and was settled, counting on the
// post going out in its edited form; but it was rendered before. Read
// after the reference was written, the post shows every such edit (the
// edit came first), and any later edit finds the reference and goes out
// itself. Keyed by the channel message, so it is queued once.
func (w *Workers) catchUp(ctx context.Context, log *slog.Logger, m store.OutboxMessage, sent []store.Part, postID int64) {
	now, err := w.Store.Post(ctx, postID)
	switch {
	case isNotFound(err):
		return // deleted meanwhile: its deletion finds the reference
	case err == nil:
		if !now.Visible() {
			return
		}
		rendered := w.Renderer.ChannelParts(now, w.ChannelLang, "")
		if len(rendered) == len(sent) && sentAsRendered(sent, rendered, len(sent)) {
			return
		}
	default:
		// Not known whether it changed: the edit finds out ("not modified").
		log.Warn("outbox: channel post not read again after posting; edited to be sure", "post_id", postID, "err", err)
	}
	key := m.Ref + ":catch-up"
	edit := store.OutboxMessage{Kind: store.MsgChannelEdit, ChatID: m.ChatID, Group: true, PostID: postID,
		CreatedAt: w.Now(), Ref: key, Dedupe: key}
	if _, err := w.Store.EnqueueEach(ctx, channelTTL, edit); err != nil {
		log.Error("outbox: channel post edited while it went out, edit not queued", "post_id", postID, "err", err)
		return
	}
	log.Info("outbox: channel post edited while it went out; edit queued", "post_id", postID)
}

// sentAsRendered reports whether the first n parts that went out are
// still what the post renders to.
func sentAsRendered(sent, now []store.Part, n int) bool {
	if len(sent) < n || len(now) < n {
		return false
	}
	for i := range n {
		if !slices.Equal(sent[i].Photos, now[i].Photos) || sent[i].Text != now[i].Text {
			return false
		}
	}
	return true
}

func uniqueIDs(p store.Post) []string {
	out := make([]string, len(p.Photos))
	for i, ph := range p.Photos {
		out[i] = ph.UniqueID
	}
	return out
}
