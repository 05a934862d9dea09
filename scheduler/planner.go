package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Planner fills the outbox with digests, reminders and announcements. Every
// message is enqueued together with a dedupe key, so running the same plan
// twice (two replicas, a restart halfway) sends nothing twice.
type Planner struct {
	Store    PlanStore
	Renderer Renderer
	Data     *store.Dataset
	Log      *slog.Logger
	Events   Events
	Now      store.NowFunc

	// PageSize is how many subscribers are read at a time; memory stays
	// flat in the number of subscribers.
	PageSize int
	// ReminderBefore is how long before an event its reminder goes out.
	ReminderBefore time.Duration
	// DedupeTTL is how long dedupe keys are kept: longer than any period.
	DedupeTTL time.Duration
	// ChannelID is the city's channel (CHANNEL_ID, resolved to its id); 0
	// when there is none.
	ChannelID int64

	mu       sync.Mutex
	reminded map[int64]bool // events fully fanned out since this process leads
}

func (p *Planner) defaults() {
	if p.PageSize <= 0 {
		p.PageSize = 500
	}
	if p.ReminderBefore <= 0 {
		p.ReminderBefore = 24 * time.Hour
	}
	if p.DedupeTTL <= 0 {
		p.DedupeTTL = 8 * 24 * time.Hour
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
}

// RunDigest plans the digest of one schedule slot for every active
// subscriber of that frequency. A run cut off halfway resumes from its
// cursor; a finished run does nothing.
func (p *Planner) RunDigest(ctx context.Context, freq store.Frequency, slot time.Time) (store.DigestRun, error) {
	p.defaults()
	began := p.Now()
	key := fmt.Sprintf("%s:%s", freq, slot.UTC().Format(time.RFC3339))
	// Group chats have negative ids: a fresh run starts below all of them.
	run, err := p.Store.StartRun(ctx, store.DigestRun{Key: key, Frequency: freq, Slot: slot, StartedAt: began, Cursor: math.MinInt64})
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
	for {
		subs, err := p.Store.ActiveSubscribersAfter(ctx, run.Cursor, p.PageSize)
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
		// The page's digests go to the store in one call (one round trip,
		// one commit), each under its own key as before.
		var page []store.OnceMessages
		for _, s := range subs {
			if !s.GetsDigest(freq) {
				continue
			}
			last, ok := cursors[s.ChatID]
			since := store.DigestSince(freq, last, ok, slot)
			if it, ok := p.digestOf(key, slot, s, store.SelectDigest(s, recent, since, slot)); ok {
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

// digestOf is one subscriber's digest of posts under its dedupe key, if
// there are any posts.
func (p *Planner) digestOf(runKey string, slot time.Time, s store.Subscriber, posts []store.Post) (store.OnceMessages, bool) {
	if len(posts) == 0 {
		return store.OnceMessages{}, false
	}
	texts := p.Renderer.DigestMessages(s, posts)
	msgs := make([]store.OutboxMessage, len(texts))
	for i, t := range texts {
		msgs[i] = store.OutboxMessage{Kind: store.MsgDigest, ChatID: s.ChatID, Group: store.IsGroup(s.ChatType),
			ThreadID: s.ThreadID, Text: t, CreatedAt: p.Now(), Ref: runKey}
	}
	once := store.Once{Key: "digest:" + runKey + ":" + strconv.FormatInt(s.ChatID, 10), TTL: p.DedupeTTL,
		CursorChat: s.ChatID, Cursor: slot}
	return store.OnceMessages{Once: once, Msgs: msgs}, true
}

// recentPosts reads the latest posts of the given cities (each with the
// posts for all cities), store.DigestPostLimit of each: what a digest
// chooses from.
func (p *Planner) recentPosts(ctx context.Context, cities []string) ([]store.Post, error) {
	var out []store.Post
	for _, c := range cities {
		posts, err := p.Store.LatestPosts(ctx, c, store.DigestPostLimit)
		if err != nil {
			return nil, fmt.Errorf("planner: posts of %s: %w", c, err)
		}
		out = append(out, posts...)
	}
	return out, nil
}

// PreviewDigest renders the digest sub would get if its schedule fired
// now: the planner's own window, posts and selection, so /digest_preview
// can never disagree with what is sent. It returns where the window
// starts too.
func (p *Planner) PreviewDigest(ctx context.Context, sub store.Subscriber) ([]string, time.Time, error) {
	p.defaults()
	now := p.Now()
	cursors, err := p.Store.DigestCursors(ctx, []int64{sub.ChatID})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("planner: preview for %d: %w", sub.ChatID, err)
	}
	last, ok := cursors[sub.ChatID]
	since := store.DigestSince(sub.Frequency, last, ok, now)
	recent, err := p.recentPosts(ctx, sub.Cities)
	if err != nil {
		return nil, since, err
	}
	return p.Renderer.DigestMessages(sub, store.SelectDigest(sub, recent, since, now)), since, nil
}

// RunReminders enqueues one reminder per subscriber for every event that
// starts within ReminderBefore and has not started. An event created later
// than that still gets its reminder, once.
func (p *Planner) RunReminders(ctx context.Context) (int, error) {
	p.defaults()
	now := p.Now()
	events, err := p.Store.EventsStartingBetween(ctx, now, now.Add(p.ReminderBefore))
	if err != nil {
		return 0, fmt.Errorf("planner: reminders: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// An event whose reminders all went into the outbox during this
	// leadership is not walked again every minute; after a restart it is,
	// once, and the per-chat keys keep that from sending anything twice.
	done := map[int64]bool{}
	total := 0
	for _, ev := range events {
		if p.reminded[ev.ID] {
			done[ev.ID] = true
			continue
		}
		n, err := p.fanOut(ctx, ev, store.MsgReminder, "reminder")
		if err != nil {
			p.reminded = done
			return total, err
		}
		done[ev.ID] = true
		total += n
	}
	p.reminded = done // events that left the window are forgotten
	return total, nil
}

// Announce pushes an announcement to its city's subscribers now. It is the
// Announcer the bot calls when an official publishes, and it may be called
// again for the same post (a retried update): each chat is keyed, so
// nobody gets it twice. It returns how many chats it is for.
func (p *Planner) Announce(ctx context.Context, post store.Post) (int, error) {
	p.defaults()
	return p.fanOut(ctx, post, store.MsgAnnouncement, "announce")
}

// fanOut enqueues a post for every active subscriber of its city (every
// partner for AllCities) who wants its kind, a chunk at a time, each
// message under its own (post, chat) key, so a repeated fan-out sends
// nothing twice however the city's subscribers changed in between. It
// returns how many chats the post is for, whether enqueued now or before.
func (p *Planner) fanOut(ctx context.Context, post store.Post, kind store.MessageKind, prefix string) (int, error) {
	cities := []string{post.City}
	if post.City == store.AllCities {
		cities = p.Data.PartnerSlugs()
	}
	rendered := map[store.Lang][]store.Part{}
	render := func(l store.Lang) []store.Part {
		if parts, ok := rendered[l]; ok {
			return parts
		}
		parts := p.Renderer.PostParts(post, l, "")
		if kind == store.MsgReminder {
			parts = p.Renderer.ReminderParts(post, l)
		}
		rendered[l] = parts
		return parts
	}
	// Keys outlive the time the fan-out can be repeated in: an update is
	// retried for a day, a reminder planned until its event starts.
	ttl := max(p.DedupeTTL, p.ReminderBefore+24*time.Hour)
	seen := map[int64]bool{}
	ref := fmt.Sprintf("%s:%d", prefix, post.ID)
	total, added := 0, 0
	for _, city := range cities {
		ids, err := p.Store.CitySubscribers(ctx, city)
		if err != nil {
			return total, fmt.Errorf("planner: %s subscribers of %s: %w", ref, city, err)
		}
		for chunk := range slices.Chunk(ids, p.PageSize) {
			// One read and one write per chunk, not per chat: an
			// announcement to 100,000 chats is answered to the official in
			// seconds.
			subs, err := p.Store.SubscribersByID(ctx, chunk)
			if err != nil {
				return total, fmt.Errorf("planner: %s: subscribers: %w", ref, err)
			}
			var msgs []store.OutboxMessage
			for _, s := range subs {
				if seen[s.ChatID] || !s.Active || !s.Matches(post) {
					continue
				}
				seen[s.ChatID] = true
				msgs = append(msgs, store.OutboxMessage{Kind: kind, ChatID: s.ChatID, Group: store.IsGroup(s.ChatType),
					ThreadID: s.ThreadID, Parts: render(s.Lang), CreatedAt: p.Now(), Ref: ref,
					Dedupe: ref + ":chat:" + strconv.FormatInt(s.ChatID, 10)})
			}
			n, err := p.Store.EnqueueEach(ctx, ttl, msgs...)
			added += n
			if err != nil {
				return total, fmt.Errorf("planner: %s: enqueue: %w", ref, err)
			}
			total += len(msgs)
		}
	}
	if added > 0 {
		p.Log.Info("fan-out enqueued", "ref", ref, "messages", added, "recipients", total)
	}
	return total, nil
}
