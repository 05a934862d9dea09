package bot

// What the bot needs from the rest of partnerbot, declared here where it
// is used: the store methods it calls, the limiter, the scheduler's
// fan-out and preview, and metrics. cmd/partnerbot wires them.

import (
	"context"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Store is what the bot reads and writes: a chat's record, posts and
// officials' changes to them, wizard drafts, officials and users, update
// journals, the figures of /stats and sign-ups for events. It holds store.PersonalData, what
// /mydata exports and /stop deletes. Both storage backends provide it.
type Store interface {
	store.ChatRecords
	Post(ctx context.Context, id int64) (store.Post, error)
	LatestPosts(ctx context.Context, city string, limit int) ([]store.Post, error)
	UpcomingEvents(ctx context.Context, city string, from time.Time, limit int) ([]store.Post, error)
	store.Publishing
	TransitionPost(ctx context.Context, id int64, t store.Transition, c store.Change) (store.Post, bool, error)
	PostsByStatus(ctx context.Context, status store.PostStatus, limit int) ([]store.Post, error)
	AuditLog(ctx context.Context, postID int64, limit int) ([]store.AuditEntry, error)
	UserAudit(ctx context.Context, userID int64, limit int) ([]store.AuditEntry, error)
	store.Drafts
	store.Memos
	store.Officials
	store.Users
	store.Stats
	store.Office
	LastRun(ctx context.Context) (store.DigestRun, error)
	EnqueueEach(ctx context.Context, ttl time.Duration, msgs ...store.OutboxMessage) (int, error)
	OutboxStats(ctx context.Context, now time.Time) (store.OutboxStats, error)
	// Sign-ups for events: the taps on an event's buttons, the counts
	// its buttons show, the office's list; /mydata and /stop read and
	// delete a person's.
	store.RSVPs
}

// Pacer paces every send within Telegram's limits; store/pacing's
// limiter implements it. Replies ask as non-bulk, so they go before any
// bulk delivery (which only takes what replies leave of the rate), and
// they count against their chat's limit like everything else sent there.
type Pacer interface {
	Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error)
	Flood(ctx context.Context, chatID int64, d time.Duration) (global bool, err error)
}

// Observer hears about handled updates and replies; metrics implement it.
type Observer interface {
	UpdateHandled(kind, command string, d time.Duration)
	// UpdateDropped: an update over the inbound limits (user_rate,
	// chat_rate) was not handled.
	UpdateDropped(reason string)
	Sent(kind string)
	Failed(kind, reason string)
}

// Releaser does what publishing entails for a post that became published
// (by an official, the clock, an approval, "publish now"): its announcement,
// channel post and notices, each once, however often it is called; the
// scheduler's Planner implements it and finishes a release cut short.
type Releaser interface {
	Release(ctx context.Context, p store.Post) (recipients int, err error)
}

// Channel passes changes of a published post to the city's channel
// (through the outbox): an edit, the deletion. Each may be called again for
// the same cause and then changes nothing. The post itself goes there with
// its release (Releaser).
type Channel interface {
	ChannelEdit(ctx context.Context, p store.Post, cause string) error
	ChannelDelete(ctx context.Context, p store.Post) error
}

// DigestPreviewer renders the digest a subscriber would get now, exactly
// as the scheduler would plan it; the scheduler implements it.
type DigestPreviewer interface {
	PreviewDigest(ctx context.Context, sub store.Subscriber) (msgs []store.Part, since time.Time, err error)
}
