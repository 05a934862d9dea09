package store

import (
	"context"
	"errors"
	"slices"
	"time"
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
	// Claim names the outbox message that creates the topic (or gives it
	// its card) and goes first in it, until ClaimUntil: of two messages
	// that find no topic at once, only one creates it, and the other waits
	// until the first is in.
	Claim      string    `json:"claim,omitempty"`
	ClaimUntil time.Time `json:"claim_until,omitzero"`

	// Blocked residents' messages no longer reach the office; BlockTold
	// tells that they were told so (once).
	Blocked   bool      `json:"blocked,omitempty"`
	BlockedBy int64     `json:"blocked_by,omitempty"`
	BlockedAt time.Time `json:"blocked_at,omitzero"`
	BlockTold bool      `json:"block_told,omitempty"`

	// Recent are the messages counted against the contact rate, oldest
	// first, by their message id: the same message delivered again (its
	// update's confirmation was lost) is not counted twice.
	Recent []Stamp `json:"recent,omitempty"`

	// Messages go in order, each direction on its own: InSeq numbers the
	// resident's messages to the office and InSent is the last one the
	// office got; OutSeq and OutSent do the same for the office's answers,
	// and Answers keeps the latest answers' numbers by message, so an
	// answer handled again keeps its number.
	InSeq   int     `json:"in_seq,omitempty"`
	InSent  int     `json:"in_sent,omitempty"`
	OutSeq  int     `json:"out_seq,omitempty"`
	OutSent int     `json:"out_sent,omitempty"`
	Answers []Stamp `json:"answers,omitempty"`

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

// Stamp is one message: its chat (0: the resident's) and id there, when
// it came, and its number in the conversation's order.
type Stamp struct {
	Chat    int64     `json:"c,omitempty"`
	Message int       `json:"m"`
	At      time.Time `json:"at"`
	Seq     int       `json:"s,omitempty"`
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

// Verdict is what becomes of a resident's message to the office.
type Verdict int

// The verdicts of Conversation.Admit.
const (
	// Admitted: counted now, it goes to the office.
	Admitted Verdict = iota
	// AdmittedBefore: this very message was admitted before (Telegram
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

// Stored reports whether the conversation exists: every conversation
// begins with /contact (OpenAt), so one never opened is what
// UpdateConversation hands over when none is stored, or after /stop
// deleted it. Whoever may only change an existing one checks it, so that
// nothing brings back a conversation its resident deleted.
func (c Conversation) Stored() bool { return !c.OpenedAt.IsZero() }

// Clone returns a copy of c that shares no slice with it, for a store to
// hand fn while it keeps c as read.
func (c Conversation) Clone() Conversation {
	c.Recent, c.Answers = slices.Clone(c.Recent), slices.Clone(c.Answers)
	return c
}

// Admission is Admit's answer.
type Admission struct {
	Verdict
	// First tells that the message starts a wait for an answer (nothing
	// was waiting); RetryAt is when an over-limit resident may write
	// again; Seq is the message's number in the conversation's order.
	First   bool
	RetryAt time.Time
	Seq     int
}

// Admit decides about the resident's message (its id in their chat) at
// now, under rate, and records it: counted, numbered, waiting for an
// answer, and the conversation's start.
func (c *Conversation) Admit(message int, now time.Time, rate ContactRate) Admission {
	if c.Blocked {
		if c.BlockTold {
			return Admission{Verdict: BlockedQuiet}
		}
		c.BlockTold = true
		return Admission{Verdict: BlockedTell}
	}
	c.Recent = slices.DeleteFunc(c.Recent, func(s Stamp) bool { return !s.At.Add(rate.Per).After(now) })
	if i := slices.IndexFunc(c.Recent, func(s Stamp) bool { return s.Message == message }); i >= 0 {
		return Admission{Verdict: AdmittedBefore, Seq: c.Recent[i].Seq}
	}
	if len(c.Recent) >= rate.N {
		return Admission{Verdict: OverLimit, RetryAt: c.Recent[len(c.Recent)-rate.N].At.Add(rate.Per)}
	}
	c.InSeq++
	c.Recent = append(c.Recent, Stamp{Message: message, At: now, Seq: c.InSeq})
	a := Admission{Verdict: Admitted, Seq: c.InSeq}
	if c.StartedAt.IsZero() {
		c.StartedAt = now
	}
	if c.WaitingSince.IsZero() {
		c.WaitingSince, a.First = now, true
	}
	return a
}

// maxAnswers is how many answers' numbers a conversation keeps: enough for
// any answer still to be handled again.
const maxAnswers = 50

// AnswerSeq numbers the office's answer, message in chat, in the order of
// answers to the resident; the same answer again keeps its number.
func (c *Conversation) AnswerSeq(chat int64, message int, now time.Time) int {
	if i := slices.IndexFunc(c.Answers, func(s Stamp) bool { return s.Chat == chat && s.Message == message }); i >= 0 {
		return c.Answers[i].Seq
	}
	c.OutSeq++
	c.Answers = append(c.Answers, Stamp{Chat: chat, Message: message, At: now, Seq: c.OutSeq})
	if n := len(c.Answers); n > maxAnswers {
		c.Answers = slices.Delete(c.Answers, 0, n-maxAnswers)
	}
	return c.OutSeq
}

// Turn reports whether the message numbered seq (toResident: an answer)
// may go now: the one before it went. Unnumbered messages always may.
func (c Conversation) Turn(toResident bool, seq int) bool {
	sent := c.InSent
	if toResident {
		sent = c.OutSent
	}
	return seq <= sent+1
}

// Went records that the message numbered seq went (or was given up), so
// the next may follow.
func (c *Conversation) Went(toResident bool, seq int) {
	if toResident {
		c.OutSent = max(c.OutSent, seq)
	} else {
		c.InSent = max(c.InSent, seq)
	}
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

// Block stops the resident's messages from reaching the office (they are
// told so once, when they next write); false when they were blocked
// already.
func (c *Conversation) Block(by int64, now time.Time) bool {
	if c.Blocked {
		return false
	}
	c.Blocked, c.BlockedBy, c.BlockedAt, c.BlockTold = true, by, now, false
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
