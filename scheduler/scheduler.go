// Package scheduler turns posts into digests, reminders and announcements
// and delivers them: planners fill a durable outbox exactly once, workers
// drain it within Telegram's limits, and a leader lock makes sure only one
// replica plans (and polls) at a time.
package scheduler

import (
	"context"
	"errors"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Sender sends, edits and deletes messages; the Telegram client implements
// it. Errors are the Bot API's own, classified with internal/tgerr.
type Sender interface {
	SendPart(ctx context.Context, chatID int64, threadID int, p store.Part, bulk bool) ([]int, error)
	EditPart(ctx context.Context, chatID int64, messageID int, p store.Part, caption bool) error
	DeleteMessage(ctx context.Context, chatID int64, messageID int) error
}

// ChannelRights tells what the bot lacks in a channel, by the names below;
// the Telegram client implements it.
type ChannelRights interface {
	MissingChannelRights(ctx context.Context, chatID int64) ([]string, error)
}

// The rights ChannelRights names (those of bot/telegram).
const (
	RightMember = "member"
	RightEdit   = "edit"
	RightDelete = "delete"
)

// Renderer renders what residents read; the bot implements it, so digests
// and announcements look exactly like replies.
type Renderer interface {
	PostHTML(p store.Post, l store.Lang) string
	DigestMessages(sub store.Subscriber, posts []store.Post) []string
	ReminderHTML(p store.Post, l store.Lang) string
	// PostParts is the post as messages: its photos, then its text with
	// the given keyboard (JSON, "" for none); ReminderParts an event's
	// reminder so; ChannelParts the post as the city's channel shows it.
	PostParts(p store.Post, l store.Lang, keyboard string) []store.Part
	ReminderParts(p store.Post, l store.Lang, keyboard string) []store.Part
	ChannelParts(p store.Post, l store.Lang, keyboard string) []store.Part
	// EventKeyboard is the sign-up buttons of an event with its counts
	// ("" for a post that is no dated event).
	EventKeyboard(p store.Post, t store.Turnout, l store.Lang, now time.Time) string
	// EventListKeyboard is a sign-up row for each event among posts that
	// is still to come, for a message that lists several (a digest).
	EventListKeyboard(posts []store.Post, turnouts map[int64]store.Turnout, l store.Lang, now time.Time) string
	// AttendeeNotice is a notice to someone who signed up for an event
	// (store.MsgAttendee); current is the event now, nil once deleted. No
	// parts: nothing to tell any more.
	AttendeeNotice(n store.AttendeeNotice, current *store.Post, keyboard string) []store.Part
	// PublishedNotice tells an official that the clock published a
	// scheduled post (and how late).
	PublishedNotice(p store.Post, l store.Lang) string
}

// Limiter paces sends. Implementations share their state between replicas
// (Redis) or within one process (embedded store).
type Limiter interface {
	// Reserve asks to send one message to chatID now. It returns 0 when
	// the message may go, else how long to wait before asking again. Bulk
	// messages (outbox) use whatever of the global rate replies to
	// residents leave: replies always go first.
	Reserve(ctx context.Context, chatID int64, group, bulk bool) (time.Duration, error)
	// Flood records Telegram's 429 (retry after d) for a chat: that chat
	// waits, or every sender when the bot's global limit was hit.
	Flood(ctx context.Context, chatID int64, d time.Duration) (global bool, err error)
}

// PlanStore is what the planners read and write: subscribers a page or a
// chunk at a time (of all zones or of one), their digest cursors and
// days, the latest posts and upcoming events, the posts due for
// publishing and their transitions, run progress, and the outbox they
// fill exactly once.
type PlanStore interface {
	ActiveSubscribersAfter(ctx context.Context, after int64, limit int) ([]store.Subscriber, error)
	ActiveZones(ctx context.Context) (map[string]int, error)
	ZoneSubscribersAfter(ctx context.Context, zone string, after int64, limit int) ([]store.Subscriber, error)
	DigestCursors(ctx context.Context, chatIDs []int64) (map[int64]time.Time, error)
	DigestDays(ctx context.Context, chatIDs []int64) (map[int64]string, error)
	CitySubscribers(ctx context.Context, city string) ([]int64, error)
	SubscribersByID(ctx context.Context, chatIDs []int64) ([]store.Subscriber, error)
	LatestPosts(ctx context.Context, city string, limit int) ([]store.Post, error)
	EventsStartingBetween(ctx context.Context, from, to time.Time) ([]store.Post, error)
	DuePosts(ctx context.Context, now time.Time, limit int) ([]store.Post, error)
	TransitionPost(ctx context.Context, id int64, t store.Transition, c store.Change) (store.Post, bool, error)
	StartRun(ctx context.Context, r store.DigestRun) (store.DigestRun, error)
	SaveRun(ctx context.Context, r store.DigestRun) error
	EnqueueOnceMany(ctx context.Context, items []store.OnceMessages) ([]bool, error)
	EnqueueEach(ctx context.Context, ttl time.Duration, msgs ...store.OutboxMessage) (int, error)
	// Attendees is an event's sign-ups, whose reminders go to the people
	// going whether or not they follow its city; RSVPCounts the counts a
	// reminder's buttons show.
	Attendees(ctx context.Context, eventID int64) (store.RSVPList, error)
	RSVPCounts(ctx context.Context, eventIDs []int64) (map[int64]store.Turnout, error)
}

// OutboxStore is what the workers take messages from and settle them in,
// and the chat records a send's outcome changes (a chat gone, a group
// migrated).
type OutboxStore interface {
	Claim(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error)
	ClaimPersonal(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]store.OutboxMessage, error)
	Ack(ctx context.Context, id string) error
	AckMany(ctx context.Context, settled []store.Settled) error
	Retry(ctx context.Context, id string, m store.OutboxMessage, at time.Time) error
	Bury(ctx context.Context, id string, d store.DeadLetter) error
	PromoteDue(ctx context.Context, now time.Time) (int, error)
	store.ChatRecords
	// For channel messages: the post as it is now, where it stands in the
	// channel, and the follow-up messages an edit or a deletion needs.
	Post(ctx context.Context, id int64) (store.Post, error)
	SetChannelRef(ctx context.Context, id int64, ref *store.ChannelRef) error
	EnqueueEach(ctx context.Context, ttl time.Duration, msgs ...store.OutboxMessage) (int, error)
	// RSVPCounts gives an event's buttons their counts as they are when
	// its channel post or a notice goes out.
	RSVPCounts(ctx context.Context, eventIDs []int64) (map[int64]store.Turnout, error)
}

// Store is both, as one backend provides them.
type Store interface {
	PlanStore
	OutboxStore
}

// Events are hooks for metrics; every field may be nil.
type Events struct {
	// Sent is called after Telegram accepted an outbox message.
	Sent func(kind store.MessageKind)
	// Failed is called with a reason: rate_limited, gone, migrated,
	// transient, dead_lettered.
	Failed func(kind store.MessageKind, reason string)
	// DigestRun is called when a planning run ends.
	DigestRun func(r store.DigestRun, took time.Duration)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
