package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Publishing later: a scheduled post is published by the planner (on the
// leader replica) once its time has come, and every post that became
// published through the workflow (by the clock, an approval, "publish
// now") is released: its announcement fanned out, its channel post and
// the notices queued. Both steps are keyed — the publishing by the post
// and its time, every message by its recipient — and a post stays in the
// store's due listing until its release is done, so replicas, restarts and
// leader changes can repeat any step but never its effects, and a crash in
// between loses none.

// duePage is how many due posts are read at a time; duePages bounds the
// pages of one run, so a post that keeps failing cannot hold the planner.
const (
	duePage  = 100
	duePages = 10
)

// PublishDue publishes the scheduled posts whose time has come and
// finishes releasing the published ones whose release was cut off. The
// leader runs it every few seconds and at start, so a time missed while
// the bot was down is published then, and its official is told how late.
// It returns how many posts it released.
func (p *Planner) PublishDue(ctx context.Context) (int, error) {
	p.defaults()
	now := p.Now()
	released := 0
	for range duePages {
		posts, err := p.Store.DuePosts(ctx, now, duePage)
		if err != nil {
			return released, fmt.Errorf("planner: due posts: %w", err)
		}
		for _, post := range posts {
			if post.State() == store.StatusScheduled {
				post, err = p.publishScheduled(ctx, post, now)
				if errors.Is(err, store.ErrStateChanged) {
					continue // rescheduled, cancelled or published meanwhile
				}
				if err != nil {
					return released, err
				}
			}
			if !post.Visible() || !post.Releasing {
				continue // released by someone else meanwhile
			}
			if _, err := p.Release(ctx, post); err != nil {
				return released, err
			}
			released++
		}
		if len(posts) < duePage {
			break
		}
	}
	return released, nil
}

// publishScheduled makes a due post published, keyed by the post and its
// time: whoever repeats it finds it done.
func (p *Planner) publishScheduled(ctx context.Context, post store.Post, now time.Time) (store.Post, error) {
	due := *post.PublishAt
	by := post.ScheduledBy
	if by == 0 {
		by = post.Author
	}
	entry := store.AuditEntry{UserID: by, At: now, Action: store.ActionPublished,
		Changes: []string{"publish_at: " + due.UTC().Format(time.RFC3339)}}
	if late := now.Sub(due); late > store.LateAfter {
		entry.Changes = append(entry.Changes, "late: "+late.Round(time.Second).String())
	}
	cause := "publish:" + strconv.FormatInt(post.ID, 10) + ":" + strconv.FormatInt(due.UnixMilli(), 10)
	t := store.Transition{From: store.StatusScheduled, To: store.StatusPublished, At: now, Due: due}
	saved, applied, err := p.Store.TransitionPost(ctx, post.ID, t, store.Change{Cause: cause, Audit: entry})
	if err != nil {
		return saved, fmt.Errorf("planner: publish post %d due %s: %w", post.ID, due.Format(time.RFC3339), err)
	}
	if applied {
		p.Log.Info("scheduled post published", "post_id", post.ID, "due", due, "late", now.Sub(due).Round(time.Second).String())
	}
	return saved, nil
}

// Release does what publishing post entails, once it is published: the
// announcement to its city's subscribers, the post in the city's channel,
// the notice to the officials who scheduled it; then it marks the post
// released. Every step is keyed, so the bot (right after an approval) and
// the planner (after a crash) may both run it: nobody gets anything twice.
// It returns how many chats an announcement is for.
func (p *Planner) Release(ctx context.Context, post store.Post) (int, error) {
	p.defaults()
	if !post.Visible() {
		return 0, fmt.Errorf("planner: release post %d: it is %s, not published", post.ID, post.State())
	}
	n := 0
	if post.Kind == store.KindAnnouncement {
		var err error
		if n, err = p.Announce(ctx, post); err != nil {
			return n, err
		}
	}
	if err := p.ChannelPost(ctx, post); err != nil {
		return n, err
	}
	if err := p.notifyPublished(ctx, post); err != nil {
		return n, err
	}
	if !post.Releasing {
		return n, nil
	}
	cause := "released:" + strconv.FormatInt(post.ID, 10) + ":" + strconv.FormatInt(post.PublishedAt.UnixMilli(), 10)
	t := store.Transition{From: store.StatusPublished, To: store.StatusPublished, At: p.Now()}
	if _, _, err := p.Store.TransitionPost(ctx, post.ID, t, store.Change{Cause: cause}); err != nil &&
		!errors.Is(err, store.ErrStateChanged) && !errors.Is(err, store.ErrNotFound) {
		return n, fmt.Errorf("planner: post %d released, not marked: %w", post.ID, err)
	}
	return n, nil
}

// notifyPublished tells the author, and the official who scheduled the
// post if someone else, that the clock published it (and whether late),
// through the outbox, once each. A post a person published has no notice:
// that person was answered.
func (p *Planner) notifyPublished(ctx context.Context, post store.Post) error {
	if post.PublishAt == nil {
		return nil
	}
	var ids []int64
	for _, id := range []int64{post.Author, post.ScheduledBy} {
		if id > 0 && (len(ids) == 0 || ids[0] != id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	langs := map[int64]store.Lang{}
	subs, err := p.Store.SubscribersByID(ctx, ids)
	if err != nil {
		return fmt.Errorf("planner: notice of post %d: %w", post.ID, err)
	}
	for _, s := range subs {
		langs[s.ChatID] = s.Lang
	}
	ref := "published:" + strconv.FormatInt(post.ID, 10) + ":" + strconv.FormatInt(post.PublishAt.UnixMilli(), 10)
	msgs := make([]store.OutboxMessage, 0, len(ids))
	for _, id := range ids {
		l := langs[id]
		if l == "" {
			l = post.Lang
		}
		if l == "" {
			l = store.LangUK
		}
		msgs = append(msgs, store.OutboxMessage{Kind: store.MsgNotice, ChatID: id, Text: p.Renderer.PublishedNotice(post, l),
			CreatedAt: p.Now(), Ref: ref, Dedupe: ref + ":" + strconv.FormatInt(id, 10)})
	}
	if _, err := p.Store.EnqueueEach(ctx, store.CauseTTL, msgs...); err != nil {
		return fmt.Errorf("planner: notice of post %d: %w", post.ID, err)
	}
	return nil
}
