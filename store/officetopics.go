package store

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A resident's topic in the office's forum group: made by the first of
// their messages that finds none (which claims it, so two never make two),
// named after them, with their card as its first message; made anew when
// it was deleted. Without a forum, copies go to the owners' private chats
// and are linked to the resident there.

// TopicIn returns the resident's topic in the forum office and whether it
// is ready for their messages; 0 when they have none there.
func (c Conversation) TopicIn(office int64) (topic int, ready bool) {
	if c.Office != office || c.Topic == 0 {
		return 0, false
	}
	return c.Topic, c.Ready
}

// ClaimTopic lets owner (an outbox message) create the topic and go first
// in it, until now+ttl; false while another owner's claim runs. The owner
// renews its own claim.
func (c *Conversation) ClaimTopic(owner string, now time.Time, ttl time.Duration) bool {
	if c.Claim != "" && c.Claim != owner && now.Before(c.ClaimUntil) {
		return false
	}
	c.Claim, c.ClaimUntil = owner, now.Add(ttl)
	return true
}

// ReleaseTopic ends owner's claim; false when it holds none.
func (c *Conversation) ReleaseTopic(owner string) bool {
	if c.Claim != owner {
		return false
	}
	c.Claim, c.ClaimUntil = "", time.Time{}
	return true
}

// Deliverable returns the topic in office that a message (owner) may go to
// now: the topic is ready, and nobody else's claim runs (a message that is
// creating it goes first). ok is false when the message must claim the
// topic, or wait for the claim of another.
func (c Conversation) Deliverable(office int64, owner string, now time.Time) (topic int, ok bool) {
	topic, ready := c.TopicIn(office)
	claimed := c.Claim != "" && c.Claim != owner && now.Before(c.ClaimUntil)
	return topic, ready && !claimed
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

// Kinds of the office's outbox messages: a resident's message copied to
// the office, an official's answer copied to the resident.
const (
	MsgOfficeIn  MessageKind = "office_in"
	MsgOfficeOut MessageKind = "office_out"
)

// OfficeCopy is what an office outbox message carries: messages copied
// (copyMessage) from one chat to another, with what goes around them.
type OfficeCopy struct {
	Resident int64 `json:"resident"`
	// From is the chat the messages are copied from, Messages their ids,
	// in order (an album's several).
	From     int64 `json:"from"`
	Messages []int `json:"messages"`
	// Header (HTML) goes before the copies: the resident's card in an
	// owner's private chat, "the partnership office answers" to a
	// resident.
	Header string `json:"header,omitempty"`
	// TopicName and Card are for the office's forum: the name of the
	// resident's topic and its first message, should it have to be made.
	// Claimed tells that this message claimed the topic (Conversation.Claim).
	TopicName string `json:"topic_name,omitempty"`
	Card      string `json:"card,omitempty"`
	Claimed   bool   `json:"claimed,omitempty"`
	// Seq is the message's number in its direction's order (0: none);
	// Waits counts the tries it waited for the one before it.
	Seq   int `json:"seq,omitempty"`
	Waits int `json:"waits,omitempty"`
	// Link records what is sent as the resident's (LinkOfficeMessage), so
	// an owner's reply to it reaches them.
	Link bool `json:"link,omitempty"`
	// NoteChat and NoteThread are where the office is told, in Lang, that
	// an answer waits because the resident blocked the bot; Told that it
	// was told.
	NoteChat   int64 `json:"note_chat,omitempty"`
	NoteThread int   `json:"note_thread,omitempty"`
	Lang       Lang  `json:"lang,omitempty"`
	Told       bool  `json:"told,omitempty"`
}

// Steps is how many sends the message takes: the header, then a copy of
// each message.
func (o OfficeCopy) Steps() int {
	n := len(o.Messages)
	if o.Header != "" {
		n++
	}
	return n
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
