package scheduler

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// RunDigest plans the digest of one slot of an interval schedule
// ("@every 30s") for every active subscriber of that frequency, whatever
// their zone: such a schedule fires for everyone at once. A run cut off
// halfway resumes from its cursor; a finished run does nothing.
func (p *Planner) RunDigest(ctx context.Context, freq store.Frequency, slot time.Time) (store.DigestRun, error) {
	p.defaults()
	key := fmt.Sprintf("%s:%s", freq, slot.UTC().Format(time.RFC3339))
	plan := digestPlan{
		page: func(after int64) ([]store.Subscriber, error) {
			return p.Store.ActiveSubscribersAfter(ctx, after, p.PageSize)
		},
		once: func(s store.Subscriber, _ string) (store.Once, bool) {
			return store.Once{Key: "digest:" + key + ":" + strconv.FormatInt(s.ChatID, 10), TTL: p.DedupeTTL,
				CursorChat: s.ChatID, Cursor: slot}, true
		},
	}
	return p.runDigest(ctx, store.DigestRun{Key: key, Frequency: freq, Slot: slot}, plan)
}

// digestPlan is how a run finds its subscribers and keys their digests.
type digestPlan struct {
	// page returns the run's next page of subscribers after a chat id.
	page func(after int64) ([]store.Subscriber, error)
	// days: read each chat's last digest day for once (a zone's run).
	days bool
	// once is the chat's dedupe key, cursor and day, given its last
	// digest day; false when the chat is not due.
	once func(s store.Subscriber, lastDay string) (store.Once, bool)
}

// runDigest plans run: it pages through its subscribers and enqueues each
// one's digest of the posts since its last one, once.
func (p *Planner) runDigest(ctx context.Context, run store.DigestRun, plan digestPlan) (store.DigestRun, error) {
	began := p.Now()
	key, freq, slot := run.Key, run.Frequency, run.Slot
	// Group chats have negative ids: a fresh run starts below all of them.
	run.StartedAt, run.Cursor = began, math.MinInt64
	run, err := p.Store.StartRun(ctx, run)
	if err != nil {
		return run, fmt.Errorf("planner: start run %s: %w", key, err)
	}
	if !run.FinishedAt.IsZero() {
		return run, nil
	}
	recent, err := p.recentPosts(ctx, p.Data.PartnerSlugs())
	if err != nil {
		return run, err
	}
	turnouts, err := p.turnouts(ctx, recent)
	if err != nil {
		return run, err
	}
	for {
		subs, err := plan.page(run.Cursor)
		if err != nil {
			return run, fmt.Errorf("planner: run %s: page after %d: %w", key, run.Cursor, err)
		}
		if len(subs) == 0 {
			break
		}
		ids := make([]int64, len(subs))
		for i, s := range subs {
			ids[i] = s.ChatID
		}
		cursors, err := p.Store.DigestCursors(ctx, ids)
		if err != nil {
			return run, fmt.Errorf("planner: run %s: cursors: %w", key, err)
		}
		var days map[int64]string
		if plan.days {
			if days, err = p.Store.DigestDays(ctx, ids); err != nil {
				return run, fmt.Errorf("planner: run %s: days: %w", key, err)
			}
		}
		// The page's digests go to the store in one call (one round trip,
		// one commit), each under its own key as before.
		var page []store.OnceMessages
		for _, s := range subs {
			if !s.GetsDigest(freq) {
				continue
			}
			o, due := plan.once(s, days[s.ChatID])
			if !due {
				run.Skipped++
				continue
			}
			last, ok := cursors[s.ChatID]
			since := store.DigestSince(freq, last, ok, slot)
			if it, ok := p.digestOf(key, o, s, store.SelectDigest(s, recent, since, slot), turnouts); ok {
				page = append(page, it)
				run.Planned++
			} else {
				run.Skipped++
			}
		}
		if len(page) > 0 {
			if _, err := p.Store.EnqueueOnceMany(ctx, page); err != nil {
				return run, fmt.Errorf("planner: run %s: %d digests after %d: %w", key, len(page), run.Cursor, err)
			}
		}
		run.Cursor = subs[len(subs)-1].ChatID
		if err := p.Store.SaveRun(ctx, run); err != nil {
			return run, fmt.Errorf("planner: run %s: save progress: %w", key, err)
		}
	}
	run.FinishedAt = p.Now()
	if err := p.Store.SaveRun(ctx, run); err != nil {
		return run, fmt.Errorf("planner: run %s: finish: %w", key, err)
	}
	took := p.Now().Sub(began)
	p.Log.Info("digest planned", "run", key, "planned", run.Planned, "skipped", run.Skipped, "took", took.String())
	if p.Events.DigestRun != nil {
		p.Events.DigestRun(run, took)
	}
	return run, nil
}

// digestOf is one subscriber's digest of posts under once (its dedupe
// key, cursor and day), if there are any posts.
func (p *Planner) digestOf(runKey string, once store.Once, s store.Subscriber, posts []store.Post,
	turnouts map[int64]store.Turnout) (store.OnceMessages, bool) {
	if len(posts) == 0 {
		return store.OnceMessages{}, false
	}
	texts := p.Renderer.DigestMessages(s, posts)
	msgs := make([]store.OutboxMessage, len(texts))
	for i, t := range texts {
		msgs[i] = store.OutboxMessage{Kind: store.MsgDigest, ChatID: s.ChatID, Group: store.IsGroup(s.ChatType),
			ThreadID: s.ThreadID, Text: t, CreatedAt: p.Now(), Ref: runKey}
	}
	p.signUpRows(msgs, posts, turnouts, s.Lang)
	return store.OnceMessages{Once: once, Msgs: msgs}, true
}
