package store

import (
	"context"
	"time"
)

// MessageKind tells what an outgoing message is, for metrics and stats.
type MessageKind string

// Kinds of outgoing messages that go through the outbox.
const (
	MsgDigest       MessageKind = "digest"
	MsgAnnouncement MessageKind = "announcement"
	MsgReminder     MessageKind = "reminder"
	// MsgChannel posts a post in the city's channel; MsgChannelEdit and
	// MsgChannelDelete change or remove it there.
	MsgChannel       MessageKind = "channel"
	MsgChannelEdit   MessageKind = "channel_edit"
	MsgChannelDelete MessageKind = "channel_delete"
	// MsgNotice tells officials something about the bot itself (the
	// channel's rights are missing).
	MsgNotice MessageKind = "notice"
	// MsgAttendee tells someone who signed up for an event that a place
	// became theirs, or that the event changed or was cancelled
	// (OutboxMessage.Notice); it is rendered when it goes out.
	MsgAttendee MessageKind = "attendee"
)

// Part is one Telegram message: a text, one photo with the text as its
// caption, an album of 2 to 10 photos (which takes no buttons), or a
// document with the text as its caption.
type Part struct {
	Photos []string `json:"photos,omitempty"`
	// Document, when set, is uploaded as a file.
	Document *Document `json:"document,omitempty"`
	// Text is HTML: the message, or the photo's caption.
	Text string `json:"text,omitempty"`
	// Keyboard is the reply_markup JSON, for a text or a single photo.
	Keyboard string `json:"keyboard,omitempty"`
}

// Document is a file the bot makes and uploads (a resident's /mydata). Its
// bytes travel with the part (base64 in JSON), so a reply kept in an
// update's journal sends the very same file again: keep documents small.
type Document struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// OutboxMessage is one message waiting to be sent. It stays in the outbox
// until Telegram accepted it or it failed for good.
type OutboxMessage struct {
	// ID is set by the outbox when the message is claimed.
	ID     string      `json:"-"`
	Kind   MessageKind `json:"kind"`
	ChatID int64       `json:"chat_id"`
	// Group is true for group chats, which have a lower per-chat limit.
	Group bool `json:"group,omitempty"`
	// ThreadID is the forum topic to post in, 0 for none.
	ThreadID int `json:"thread_id,omitempty"`
	// Text is a message of one HTML text; Parts, when set, replaces it
	// with messages sent in order (photos, then the text).
	Text  string `json:"text,omitempty"`
	Parts []Part `json:"parts,omitempty"`
	// Step is how many parts went out already: a retry sends the rest.
	Step int `json:"step,omitempty"`
	// PostID and Targets are for channel messages: the post, and the
	// channel messages an edit or a delete concerns (Caption: the text
	// is a photo's caption).
	PostID  int64 `json:"post_id,omitempty"`
	Targets []int `json:"targets,omitempty"`
	Caption bool  `json:"caption,omitempty"`
	// Notice, for MsgAttendee, is what to tell about the event PostID.
	Notice *AttendeeNotice `json:"notice,omitempty"`
	// Office is set for messages between residents and the partnership
	// office (MsgOfficeIn, MsgOfficeOut).
	Office *OfficeCopy `json:"office,omitempty"`
	// Attempts counts failed sends so far.
	Attempts  int       `json:"attempts,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Ref names what the message belongs to (a run or a post), for logs.
	Ref string `json:"ref,omitempty"`
	// NotBefore, when set, keeps the message out of the queue until then
	// (a resident's quiet hours): every enqueue puts it with the delayed
	// messages, and PromoteDue moves it to the queue once it is due.
	NotBefore time.Time `json:"not_before,omitzero"`
	// Dedupe, for EnqueueEach, names the message so that enqueueing it
	// again (a retried announcement, a reminder planned once more) adds
	// nothing.
	Dedupe string `json:"-"`
}

// WaitingSince is when the message was meant to go out: when it was
// created, or its NotBefore if later. The outbox's age is measured from it,
// so a message held for quiet hours does not look stuck.
func (m OutboxMessage) WaitingSince() time.Time {
	if m.NotBefore.After(m.CreatedAt) {
		return m.NotBefore
	}
	return m.CreatedAt
}

// AllParts is what the message sends: its Parts, or its Text alone.
func (m OutboxMessage) AllParts() []Part {
	if len(m.Parts) > 0 {
		return m.Parts
	}
	return []Part{{Text: m.Text}}
}

// Once is the dedupe key of an EnqueueOnce, and the digest cursor to move
// with it.
type Once struct {
	Key string
	TTL time.Duration
	// CursorChat, when not 0, gets its digest cursor set to Cursor, and,
	// when Day is not empty, its digest day (store.DigestDay) set to Day.
	CursorChat int64
	Cursor     time.Time
	Day        string
}

// OnceMessages is one item of Outbox.EnqueueOnceMany: messages enqueued
// under a dedupe key, as EnqueueOnce does.
type OnceMessages struct {
	Once Once
	Msgs []OutboxMessage
}

// DeadLetter is a message that failed for good.
type DeadLetter struct {
	Message OutboxMessage `json:"message"`
	Reason  string        `json:"reason"`
	At      time.Time     `json:"at"`
}

// Settled is one message the outbox is done with, for Outbox.AckMany.
type Settled struct {
	// ID is the claimed message to remove; "" for one settled otherwise
	// (buried as a dead letter), which is only counted.
	ID string
	// RunKey is the digest run whose figures count the message ("" for
	// none): sent, or failed for good.
	RunKey string
	Sent   bool
}

// OutboxStats describes the outbox for /stats and metrics.
type OutboxStats struct {
	Ready   int64 // waiting to be claimed, personal messages included
	Pending int64 // claimed by a worker, not yet acknowledged
	Delayed int64 // waiting for a retry time
	Dead    int64 // dead letters
	// OldestAge is the age of the oldest message not yet sent.
	OldestAge time.Duration
}

// Outbox is the durable queue of outgoing messages shared by all replicas.
type Outbox interface {
	// Enqueue adds messages.
	Enqueue(ctx context.Context, msgs ...OutboxMessage) error
	// EnqueueOnce adds msgs, sets the dedupe key and (when once.CursorChat
	// is set) that chat's digest cursor in one atomic step, unless the key
	// is already set; it reports whether it enqueued. This makes planning
	// exactly-once across replicas and restarts.
	EnqueueOnce(ctx context.Context, once Once, msgs ...OutboxMessage) (bool, error)
	// EnqueueOnceMany is EnqueueOnce for each item, in order, in one round
	// trip (one commit on the embedded store); each item is atomic as
	// EnqueueOnce is, and it reports for each whether it enqueued. The
	// digest planner plans a page of subscribers with one call.
	EnqueueOnceMany(ctx context.Context, items []OnceMessages) ([]bool, error)
	// EnqueueEach adds each message unless its Dedupe key was set before,
	// setting the keys (kept for ttl), in one atomic step, and reports how
	// many it added. Fan-outs use it: one key per recipient keeps a
	// repeated fan-out from sending anyone anything twice, however the
	// recipients changed in between.
	EnqueueEach(ctx context.Context, ttl time.Duration, msgs ...OutboxMessage) (int, error)
	// Claim returns up to max messages for consumer: first messages another
	// consumer claimed more than minIdle ago and never acknowledged (its
	// worker died), then new ones, waiting up to block for new ones. In
	// each of the two, personal messages (OutboxMessage.Personal) come
	// before all others, whenever they were enqueued; each kind keeps its
	// enqueue order.
	Claim(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]OutboxMessage, error)
	// ClaimPersonal is Claim of personal messages only: a worker that
	// waits for them alone picks one up at once, however many bulk
	// messages the other workers hold.
	ClaimPersonal(ctx context.Context, consumer string, max int, block, minIdle time.Duration) ([]OutboxMessage, error)
	// Ack removes a sent message.
	Ack(ctx context.Context, id string) error
	// AckMany settles several messages in one step (one round trip, one
	// commit): it removes each one with an ID, and counts each one with
	// a RunKey in that run's figures (see Digests.CountDelivery); a run
	// that does not exist is not counted, and that is no error. The
	// outbox workers gather what they settle within a few milliseconds
	// into one call.
	AckMany(ctx context.Context, settled []Settled) error
	// Retry acknowledges the claimed message and schedules m (with its
	// updated Attempts) again at the given time.
	Retry(ctx context.Context, id string, m OutboxMessage, at time.Time) error
	// Bury acknowledges the claimed message and keeps it as a dead letter.
	Bury(ctx context.Context, id string, d DeadLetter) error
	// PromoteDue moves delayed messages whose time has come back to the
	// queue (a personal message to the personal queue, so a retried
	// answer still goes first) and reports how many.
	PromoteDue(ctx context.Context, now time.Time) (int, error)
	// OutboxStats describes the queue.
	OutboxStats(ctx context.Context, now time.Time) (OutboxStats, error)
	// DeadLetters returns the newest dead letters, at most limit.
	DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error)
}

// Locks are leases shared by all replicas: one poller, one planner.
type Locks interface {
	// TryLock takes the named lock for owner for ttl, or renews it when
	// owner holds it already; it reports whether owner holds it now.
	TryLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	// Unlock releases the lock if owner holds it.
	Unlock(ctx context.Context, name, owner string) error
}

// DigestRun is one planning run of a schedule slot.
type DigestRun struct {
	// Key names the run: schedule, zone and slot, e.g.
	// "daily:Europe/Berlin:2026-11-27T08:00:00Z" (an interval schedule,
	// for every zone at once: "daily:2026-11-27T09:00:00Z").
	Key       string    `json:"key"`
	Frequency Frequency `json:"frequency"`
	// Zone is the time zone whose subscribers the run plans ("" with
	// Key's "home": the home city's; unset for an interval schedule).
	Zone      string    `json:"zone,omitempty"`
	Slot      time.Time `json:"slot"`
	StartedAt time.Time `json:"started_at"`
	// FinishedAt is zero while planning is going on (or was cut off).
	FinishedAt time.Time `json:"finished_at"`
	// Cursor is the last chat id planned, so a cut-off run resumes.
	Cursor int64 `json:"cursor"`
	// Planned counts subscribers that got a digest; Skipped those with
	// nothing new.
	Planned int `json:"planned"`
	Skipped int `json:"skipped"`
	// Sent and Failed count the run's messages as workers settle them.
	Sent   int `json:"sent"`
	Failed int `json:"failed"`
}

// Digests keeps planning state.
type Digests interface {
	// StartRun creates the run if it does not exist and returns it as
	// stored (an existing run comes back with its cursor).
	StartRun(ctx context.Context, r DigestRun) (DigestRun, error)
	// SaveRun stores run progress.
	SaveRun(ctx context.Context, r DigestRun) error
	// Run returns a run by key, or ErrNotFound.
	Run(ctx context.Context, key string) (DigestRun, error)
	// CountDelivery counts one settled message of a run (by run key):
	// sent, or failed for good. Run and LastRun report the counts.
	CountDelivery(ctx context.Context, runKey string, sent bool) error
	// LastRun returns the most recently started run, or ErrNotFound.
	LastRun(ctx context.Context) (DigestRun, error)
	// ActiveSubscribersAfter pages through active subscribers in chat id
	// order, starting after the given id; at most limit.
	ActiveSubscribersAfter(ctx context.Context, after int64, limit int) ([]Subscriber, error)
	// ActiveZones counts the active subscribers of every time zone in use
	// (Subscriber.TimeZone; "" for the home zone) from an index kept with
	// the records, without reading them. Zones without any are left out.
	ActiveZones(ctx context.Context) (map[string]int, error)
	// ZoneSubscribersAfter pages like ActiveSubscribersAfter through the
	// active subscribers whose TimeZone is zone, reading only that zone's
	// part of the index.
	ZoneSubscribersAfter(ctx context.Context, zone string, after int64, limit int) ([]Subscriber, error)
	// DigestDays returns the day (Once.Day) of each chat's last digest
	// planned with one; chats without are absent. One round trip.
	DigestDays(ctx context.Context, chatIDs []int64) (map[int64]string, error)
	// DigestCursors returns when each chat's last digest was planned;
	// chats that never got one are absent from the map. One round trip
	// for a page of subscribers.
	DigestCursors(ctx context.Context, chatIDs []int64) (map[int64]time.Time, error)
	// EventsStartingBetween lists events with from <= StartsAt < to,
	// soonest first.
	EventsStartingBetween(ctx context.Context, from, to time.Time) ([]Post, error)
	// MarkOnce sets a flag key (e.g. "reminder:42") unless set; it
	// reports whether this call set it.
	MarkOnce(ctx context.Context, key string, ttl time.Duration) (bool, error)
}
