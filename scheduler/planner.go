package scheduler

import (
	"context"
	"errors"
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
	Store    Store
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

// recentPosts is how many posts per city a run considers; a digest covers
// at most a week, far fewer posts than this in practice.
const recentPosts = 200

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
	byCity, err := p.recentByCity(ctx)
	if err != nil {
		return run, err
	}
	fallback := 24 * time.Hour
	if freq == store.FreqWeekly {
		fallback = 7 * 24 * time.Hour
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
		for _, s := range subs {
			if s.Frequency != freq || len(s.Cities) == 0 {
				continue
			}
			since, ok := cursors[s.ChatID]
			if !ok {
				since = slot.Add(-fallback)
			}
			planned, err := p.planOne(ctx, key, slot, s, since, byCity)
			if err != nil {
				return run, fmt.Errorf("planner: run %s: chat %d: %w", key, s.ChatID, err)
			}
			if planned {
				run.Planned++
			} else {
				run.Skipped++
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

// planOne enqueues one subscriber's digest, if there is anything new.
func (p *Planner) planOne(ctx context.Context, runKey string, slot time.Time, s store.Subscriber, since time.Time, byCity map[string][]store.Post) (bool, error) {
	var posts []store.Post
	seen := map[int64]bool{}
	for _, city := range append(slices.Clone(s.Cities), store.AllCities) {
		for _, post := range byCity[city] {
			if seen[post.ID] || !post.PublishedAt.After(since) || post.PublishedAt.After(slot) || !s.Wants(post.Kind) {
				continue
			}
			seen[post.ID] = true
			posts = append(posts, post)
		}
	}
	if len(posts) == 0 {
		return false, nil
	}
	texts := p.Renderer.DigestMessages(s, posts)
	msgs := make([]store.OutboxMessage, len(texts))
	for i, t := range texts {
		msgs[i] = store.OutboxMessage{Kind: store.MsgDigest, ChatID: s.ChatID, Group: s.ChatType != "private",
			Text: t, CreatedAt: p.Now(), Ref: runKey}
	}
	once := store.Once{Key: "digest:" + runKey + ":" + strconv.FormatInt(s.ChatID, 10), TTL: p.DedupeTTL,
		CursorChat: s.ChatID, Cursor: slot}
	_, err := p.Store.EnqueueOnce(ctx, once, msgs...)
	return err == nil, err
}

// recentByCity reads the latest posts of every partner (and of all cities)
// once per run; announcements are left out, they were pushed already.
func (p *Planner) recentByCity(ctx context.Context) (map[string][]store.Post, error) {
	out := map[string][]store.Post{}
	for _, c := range append(p.Data.PartnerSlugs(), store.AllCities) {
		posts, err := p.Store.LatestPosts(ctx, c, recentPosts)
		if err != nil {
			return nil, fmt.Errorf("planner: posts of %s: %w", c, err)
		}
		for _, post := range posts {
			if post.Kind != store.KindAnnouncement && post.City == c {
				out[c] = append(out[c], post)
			}
		}
	}
	return out, nil
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
// Announcer the bot calls when an official publishes.
func (p *Planner) Announce(ctx context.Context, post store.Post) (int, error) {
	p.defaults()
	return p.fanOut(ctx, post, store.MsgAnnouncement, "announce")
}

// fanOut enqueues a post for every active subscriber of its city (every
// partner for AllCities) who wants its kind, in chunks, each chunk under
// its own dedupe key so a repeat enqueues nothing twice.
func (p *Planner) fanOut(ctx context.Context, post store.Post, kind store.MessageKind, prefix string) (int, error) {
	cities := []string{post.City}
	if post.City == store.AllCities {
		cities = p.Data.PartnerSlugs()
	}
	want := store.KindAnnouncement
	if kind == store.MsgReminder {
		want = store.KindEvent
	}
	texts := map[store.Lang]string{}
	render := func(l store.Lang) string {
		if t, ok := texts[l]; ok {
			return t
		}
		t := p.Renderer.PostHTML(post, l)
		if kind == store.MsgReminder {
			t = p.Renderer.ReminderHTML(post, l)
		}
		texts[l] = t
		return t
	}
	seen := map[int64]bool{}
	ref := fmt.Sprintf("%s:%d", prefix, post.ID)
	total := 0
	for _, city := range cities {
		ids, err := p.Store.CitySubscribers(ctx, city)
		if err != nil {
			return total, fmt.Errorf("planner: %s subscribers of %s: %w", ref, city, err)
		}
		for chunk := range slices.Chunk(ids, p.PageSize) {
			// One read per chunk, not per chat: an announcement to 100,000
			// chats is answered to the official in seconds.
			subs, err := p.Store.SubscribersByID(ctx, chunk)
			if err != nil {
				return total, fmt.Errorf("planner: %s: subscribers: %w", ref, err)
			}
			var msgs []store.OutboxMessage
			for _, s := range subs {
				if seen[s.ChatID] || !s.Active || !s.Wants(want) {
					continue
				}
				seen[s.ChatID] = true
				msgs = append(msgs, store.OutboxMessage{Kind: kind, ChatID: s.ChatID, Group: s.ChatType != "private",
					Text: render(s.Lang), CreatedAt: p.Now(), Ref: ref})
			}
			if len(msgs) == 0 {
				continue
			}
			if kind == store.MsgReminder {
				// Reminders are planned again every few minutes while the
				// event is upcoming, and the city's subscribers change in
				// between: a key per chunk (named by its first chat) would
				// change with them and remind the whole chunk again. So
				// each chat has its own key.
				n, err := p.remindEach(ctx, ref, msgs)
				total += n
				if err != nil {
					return total, err
				}
				continue
			}
			once := store.Once{Key: fmt.Sprintf("%s:%s:%d", ref, city, chunk[0]), TTL: p.DedupeTTL}
			ok, err := p.Store.EnqueueOnce(ctx, once, msgs...)
			if err != nil {
				return total, fmt.Errorf("planner: %s: enqueue: %w", ref, err)
			}
			if ok {
				total += len(msgs)
			}
		}
	}
	if total > 0 {
		p.Log.Info("fan-out enqueued", "ref", ref, "messages", total)
	}
	return total, nil
}

// remindEach enqueues each reminder under its own (event, chat) key, kept
// at least as long as the event can be reminded of, and reports how many
// were new.
func (p *Planner) remindEach(ctx context.Context, ref string, msgs []store.OutboxMessage) (int, error) {
	ttl := max(p.DedupeTTL, p.ReminderBefore+24*time.Hour)
	n := 0
	for _, m := range msgs {
		once := store.Once{Key: fmt.Sprintf("%s:chat:%d", ref, m.ChatID), TTL: ttl}
		ok, err := p.Store.EnqueueOnce(ctx, once, m)
		if err != nil {
			return n, fmt.Errorf("planner: %s: enqueue for chat %d: %w", ref, m.ChatID, err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
