package scheduler

import (
	"context"
	"fmt"
	"log/slog"
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
	// Home is the zone of chats without one of their own (TIMEZONE);
	// nil takes the dataset's home city's.
	Home *time.Location

	mu       sync.Mutex
	reminded map[int64]bool // events fully fanned out since this process leads
	// setup fills in the defaults once: the bot's handlers and the cron
	// call into one Planner concurrently.
	setup sync.Once

	zonesMu sync.Mutex
	zones   map[string]*time.Location // loaded zones, by name (location)
}

func (p *Planner) defaults() { p.setup.Do(p.fillDefaults) }

func (p *Planner) fillDefaults() {
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
	if p.Home == nil {
		p.Home = time.UTC
		if p.Data != nil && p.Data.Home.Location != nil {
			p.Home = p.Data.Home.Location
		}
	}
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
func (p *Planner) PreviewDigest(ctx context.Context, sub store.Subscriber) ([]store.Part, time.Time, error) {
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
	posts := store.SelectDigest(sub, recent, since, now)
	turnouts, err := p.turnouts(ctx, posts)
	if err != nil {
		return nil, since, err
	}
	// The very messages a run would queue, sign-up buttons included.
	digest, _ := p.digestOf("", store.Once{}, sub, posts, turnouts)
	var parts []store.Part
	for _, m := range digest.Msgs {
		if len(m.Parts) > 0 {
			parts = append(parts, m.Parts...)
			continue
		}
		parts = append(parts, store.Part{Text: m.Text})
	}
	return parts, since, nil
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
	render, err := p.renderer(ctx, post, kind)
	if err != nil {
		return 0, err
	}
	// Keys outlive the time the fan-out can be repeated in: an update is
	// retried for a day, a reminder planned until its event starts.
	ttl := max(p.DedupeTTL, p.ReminderBefore+24*time.Hour)
	// A chat inside its quiet hours gets the message when they end,
	// unless an official marked the announcement urgent.
	now, urgent := p.Now(), kind == store.MsgAnnouncement && post.Urgent
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
					ThreadID: s.ThreadID, Parts: render(s.Lang), CreatedAt: now, Ref: ref,
					Dedupe:    ref + ":chat:" + strconv.FormatInt(s.ChatID, 10),
					NotBefore: s.HeldUntil(now, p.location(s.TimeZone), urgent)})
			}
			n, err := p.Store.EnqueueEach(ctx, ttl, msgs...)
			added += n
			if err != nil {
				return total, fmt.Errorf("planner: %s: enqueue: %w", ref, err)
			}
			total += len(msgs)
		}
	}
	if kind == store.MsgReminder {
		// People who signed up are reminded too, whatever they follow.
		n, err := p.remindAttendees(ctx, post, seen, render, ttl, ref)
		added += n
		if err != nil {
			return total, err
		}
	}
	if added > 0 {
		p.Log.Info("fan-out enqueued", "ref", ref, "messages", added, "recipients", total)
	}
	return total, nil
}
