package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Residents write to the partnership office: every message they send while
// their conversation is open is copied to the office's inbox (a topic of
// their own in a forum group, or the owners' private chats), and the
// office's answers are copied back. What the bot keeps about it is one
// Conversation per resident; the rules that change it are the methods
// below, the backends only store it (UpdateConversation) and keep its
// indexes.

// Conversation is a resident's thread with the partnership office. It
// holds no message: the messages themselves stay in Telegram.
type Conversation struct {
	// Resident is the resident's user id, which is their private chat's id.
	Resident int64 `json:"resident"`
	// Lang is the resident's language when they last wrote: the office's
	// answers are announced to them in it.
	Lang Lang `json:"lang,omitempty"`
	// Open: the resident's messages go to the office until they close it.
	Open     bool      `json:"open,omitempty"`
	OpenedAt time.Time `json:"opened_at,omitzero"`

	// Office is the forum group the resident's topic is in, Topic the
	// topic's message_thread_id (0: none yet, or it was deleted). Ready
	// tells that the topic's first message (the resident's card) is in it,
	// so the resident's messages may follow.
	Office int64 `json:"office,omitempty"`
	Topic  int   `json:"topic,omitempty"`
	Ready  bool  `json:"ready,omitempty"`

	// Blocked residents' messages no longer reach the office; BlockTold
	// tells that they were told so (once).
	Blocked   bool      `json:"blocked,omitempty"`
	BlockedBy int64     `json:"blocked_by,omitempty"`
	BlockedAt time.Time `json:"blocked_at,omitzero"`
	BlockTold bool      `json:"block_told,omitempty"`

	// Recent are the messages counted against the contact rate, oldest
	// first, by the update that brought them: the same update delivered
	// again is not counted twice.
	Recent []Stamp `json:"recent,omitempty"`

	// StartedAt is the resident's first message of the conversation (since
	// /contact opened it), FirstAnsweredAt the office's first answer to
	// it: /stats takes the median of the time between them.
	StartedAt       time.Time `json:"started_at,omitzero"`
	FirstAnsweredAt time.Time `json:"first_answered_at,omitzero"`
	// WaitingSince is the resident's oldest message the office has not
	// answered yet; zero when nothing waits.
	WaitingSince time.Time `json:"waiting_since,omitzero"`

	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Stamp is one counted message: the update that brought it and when.
type Stamp struct {
	Update int       `json:"u"`
	At     time.Time `json:"at"`
}

// ErrUnchanged, returned by UpdateConversation's fn, means there is
// nothing to write.
var ErrUnchanged = errors.New("unchanged")

// OfficeStats are the figures of /stats about the office.
type OfficeStats struct {
	// Open counts conversations residents have open; Unanswered those
	// whose latest messages wait for an answer (open or not).
	Open       int
	Unanswered int
	// Answered counts conversations that got a first answer, Median is
	// the median time it took (0 when none did).
	Answered int
	Median   time.Duration
}

// Office keeps residents' conversations with the partnership office.
type Office interface {
	// Conversation returns the resident's conversation, or ErrNotFound.
	Conversation(ctx context.Context, resident int64) (Conversation, error)
	// UpdateConversation reads the resident's conversation (a new one
	// holding only Resident when there is none), lets fn change it and
	// stores it, in one atomic step, and returns it as stored. fn may run
	// more than once (when another writer got in between) and must change
	// only c. When fn returns ErrUnchanged nothing is written and the
	// conversation is returned as read; any other error is returned, and
	// nothing written. The store keeps its indexes in step with the
	// record: the link from (Office, Topic) to the resident, and the lists
	// OfficeStats counts (Open, Waiting, FirstAnswer).
	UpdateConversation(ctx context.Context, resident int64, fn func(c *Conversation) error) (Conversation, error)
	// DeleteConversation removes the conversation with its topic link and
	// its place in the stats; no error when there is none.
	DeleteConversation(ctx context.Context, resident int64) error
	// TopicResident returns the resident whose conversation is in topic
	// of the forum office, or ErrNotFound.
	TopicResident(ctx context.Context, office int64, topic int) (int64, error)
	// OfficeStats counts the conversations for /stats.
	OfficeStats(ctx context.Context) (OfficeStats, error)
}

// Admission is what becomes of a resident's message to the office.
type Admission int

// The outcomes of Conversation.Admit.
const (
	// Admitted: counted now, it goes to the office.
	Admitted Admission = iota
	// AdmittedBefore: this very update was admitted before (Telegram
	// delivered it again): it goes again, and the outbox's dedupe key
	// keeps the office from getting it twice.
	AdmittedBefore
	// OverLimit: the resident sent the contact rate's worth already.
	OverLimit
	// BlockedTell: the resident is blocked and hears it now, once.
	BlockedTell
	// BlockedQuiet: the resident is blocked and was told before.
	BlockedQuiet
)

// Admit decides about the resident's message brought by update at now,
// under rate, and records it: counted, waiting for an answer, and the
// conversation's start. first reports that the message starts a wait for
// an answer (nothing was waiting), retryAt when an over-limit resident may
// write again.
func (c *Conversation) Admit(update int, now time.Time, rate ContactRate) (a Admission, first bool, retryAt time.Time) {
	if c.Blocked {
		if c.BlockTold {
			return BlockedQuiet, false, time.Time{}
		}
		c.BlockTold = true
		return BlockedTell, false, time.Time{}
	}
	c.Recent = slices.DeleteFunc(c.Recent, func(s Stamp) bool { return !s.At.Add(rate.Per).After(now) })
	if slices.ContainsFunc(c.Recent, func(s Stamp) bool { return s.Update == update }) {
		return AdmittedBefore, false, time.Time{}
	}
	if len(c.Recent) >= rate.N {
		return OverLimit, false, c.Recent[len(c.Recent)-rate.N].At.Add(rate.Per)
	}
	c.Recent = append(c.Recent, Stamp{Update: update, At: now})
	if c.StartedAt.IsZero() {
		c.StartedAt = now
	}
	if c.WaitingSince.IsZero() {
		c.WaitingSince, first = now, true
	}
	return Admitted, first, time.Time{}
}

// OpenAt opens the conversation for the resident (/contact). Opening a
// closed one starts a new conversation for the stats; opening an open one
// changes nothing and reports false.
func (c *Conversation) OpenAt(now time.Time) bool {
	if c.Open {
		return false
	}
	c.Open, c.OpenedAt = true, now
	c.StartedAt, c.FirstAnsweredAt = time.Time{}, time.Time{}
	return true
}

// Close closes the conversation (/done); false when it was not open.
func (c *Conversation) Close() bool {
	if !c.Open {
		return false
	}
	c.Open = false
	return true
}

// Answered records an answer of the office at now: nothing waits any more,
// the conversation's first answer is noted, and the conversation is open
// again, so the resident's reply reaches the office. A blocked resident's
// conversation stays closed.
func (c *Conversation) Answered(now time.Time) {
	c.WaitingSince = time.Time{}
	if !c.StartedAt.IsZero() && c.FirstAnsweredAt.IsZero() {
		c.FirstAnsweredAt = now
	}
	if !c.Open && !c.Blocked {
		c.Open, c.OpenedAt = true, now
	}
}

// Block stops the resident's messages from reaching the office; false when
// they were blocked already.
func (c *Conversation) Block(by int64, now time.Time) bool {
	if c.Blocked {
		return false
	}
	c.Blocked, c.BlockedBy, c.BlockedAt, c.BlockTold = true, by, now, false
	c.Open = false
	return true
}

// Unblock lets the resident write again; false when they were not blocked.
func (c *Conversation) Unblock() bool {
	if !c.Blocked {
		return false
	}
	c.Blocked, c.BlockedBy, c.BlockedAt, c.BlockTold = false, 0, time.Time{}, false
	c.Recent = nil
	return true
}

// Waiting reports whether a message of the resident waits for an answer.
func (c Conversation) Waiting() bool { return !c.WaitingSince.IsZero() }

// FirstAnswer is how long the office took to answer the conversation's
// first message; ok is false until it did.
func (c Conversation) FirstAnswer() (d time.Duration, ok bool) {
	if c.StartedAt.IsZero() || c.FirstAnsweredAt.IsZero() {
		return 0, false
	}
	return max(c.FirstAnsweredAt.Sub(c.StartedAt), 0), true
}

// TopicIn returns the resident's topic in the forum office and whether it
// is ready for their messages; 0 when they have none there.
func (c Conversation) TopicIn(office int64) (topic int, ready bool) {
	if c.Office != office || c.Topic == 0 {
		return 0, false
	}
	return c.Topic, c.Ready
}

// SetTopic records a topic just created for the resident in office; its
// card is still to come.
func (c *Conversation) SetTopic(office int64, topic int) {
	c.Office, c.Topic, c.Ready = office, topic, false
}

// TopicReady records that the topic's card is in it; false when the
// conversation has another topic by now.
func (c *Conversation) TopicReady(office int64, topic int) bool {
	if c.Office != office || c.Topic != topic {
		return false
	}
	c.Ready = true
	return true
}

// TopicGone records that the topic was deleted, so the next message
// creates a new one. It changes nothing (false) when the conversation has
// moved to another topic already: messages that still named the old one
// find the new one.
func (c *Conversation) TopicGone(office int64, topic int) bool {
	if c.Office != office || c.Topic != topic {
		return false
	}
	c.Topic, c.Ready = 0, false
	return true
}

// MaxTopicName is Telegram's limit on a forum topic's name, in characters.
const MaxTopicName = 128

// TopicName is the name of a resident's topic: their name and language,
// within Telegram's 128 characters (the name is cut, the language kept).
// Control characters become spaces; a resident without a usable name is
// named by their id.
func TopicName(name string, resident int64, lang Lang) string {
	name = strings.Join(strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if name == "" {
		name = "#" + strconv.FormatInt(resident, 10)
	}
	suffix := ""
	if lang != "" {
		suffix = " · " + strings.ToUpper(string(lang))
	}
	if r := []rune(name); len(r)+len([]rune(suffix)) > MaxTopicName {
		name = strings.TrimSpace(string(r[:MaxTopicName-len([]rune(suffix))-1])) + "…"
	}
	return name + suffix
}

// Median is the median of ds (sorted or not), 0 for none: the middle one,
// or the mean of the two middle ones. Backends may pass only the one or
// two middle values of a longer sorted list.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1] + (s[n/2]-s[n/2-1])/2
}

// Messages copied to the office's owners in their private chats (when
// there is no office group) are linked to the resident they came from, so
// an owner's reply to one reaches that resident. The links are memos.

// OfficeLinkTTL is how long a copied message can be answered by a reply.
const OfficeLinkTTL = 30 * 24 * time.Hour

func officeLinkKey(chat int64, message int) string {
	return "office-link:" + strconv.FormatInt(chat, 10) + ":" + strconv.Itoa(message)
}

// LinkOfficeMessage records that message in chat (an owner's private chat)
// is a copy of resident's, or their card.
func LinkOfficeMessage(ctx context.Context, m Memos, chat int64, message int, resident int64) error {
	return m.SaveMemo(ctx, officeLinkKey(chat, message), []byte(strconv.FormatInt(resident, 10)), OfficeLinkTTL)
}

// LinkedResident returns the resident whose message (or card) message in
// chat is, or ErrNotFound.
func LinkedResident(ctx context.Context, m Memos, chat int64, message int) (int64, error) {
	raw, err := m.Memo(ctx, officeLinkKey(chat, message))
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || id <= 0 {
		return 0, ErrNotFound
	}
	return id, nil
}

// ClaimTopic claims the creation of the resident's topic for owner (an
// outbox message) for ttl, through the store's locks: of two messages that
// find no topic at once, only one creates it. It renews a claim owner
// holds.
func ClaimTopic(ctx context.Context, l Locks, resident int64, owner string, ttl time.Duration) (bool, error) {
	return l.TryLock(ctx, topicClaim(resident), owner, ttl)
}

// ReleaseTopic gives a claim up once the topic is ready.
func ReleaseTopic(ctx context.Context, l Locks, resident int64, owner string) error {
	return l.Unlock(ctx, topicClaim(resident), owner)
}

func topicClaim(resident int64) string { return "office-topic:" + strconv.FormatInt(resident, 10) }
