package store

import (
	"slices"
	"time"
)

// Lang is a language code the bot speaks.
type Lang string

// The languages the bot speaks. Ukrainian is the default.
const (
	LangUK Lang = "uk"
	LangEN Lang = "en"
	LangDE Lang = "de"
	LangNL Lang = "nl"
)

// Langs lists the supported languages, default first. It returns a fresh
// slice: no caller can change the list for the others.
func Langs() []Lang { return []Lang{LangUK, LangEN, LangDE, LangNL} }

// ParseLang returns the supported language for a code such as "de" or a
// Telegram language_code such as "de-AT"; ok is false when unsupported.
func ParseLang(code string) (Lang, bool) {
	if len(code) >= 2 {
		l := Lang(toLowerASCII(code[:2]))
		if slices.Contains(Langs(), l) && (len(code) == 2 || code[2] == '-' || code[2] == '_') {
			return l, true
		}
	}
	return "", false
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Text is a text in several languages, keyed by language code.
type Text map[Lang]string

// In returns the text in l, falling back to Ukrainian, then English, then
// any language present.
func (t Text) In(l Lang) string {
	if s := t[l]; s != "" {
		return s
	}
	for _, f := range Langs() {
		if s := t[f]; s != "" {
			return s
		}
	}
	return ""
}

// Kind is the kind of a post.
type Kind string

// The kinds of posts.
const (
	KindVisit        Kind = "visit"
	KindAgreement    Kind = "agreement"
	KindEvent        Kind = "event"
	KindAnnouncement Kind = "announcement"
)

// Kinds lists every kind, in display order (a fresh slice).
func Kinds() []Kind { return []Kind{KindVisit, KindAgreement, KindEvent, KindAnnouncement} }

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds(), k) }

// Frequency is how often a subscriber gets a digest.
type Frequency string

// Digest frequencies. Daily is the default for a new subscriber.
const (
	FreqDaily  Frequency = "daily"
	FreqWeekly Frequency = "weekly"
	FreqOff    Frequency = "off"
)

// Frequencies lists every frequency (a fresh slice).
func Frequencies() []Frequency { return []Frequency{FreqDaily, FreqWeekly, FreqOff} }

// Valid reports whether f is one of Frequencies.
func (f Frequency) Valid() bool { return slices.Contains(Frequencies(), f) }

// AllCities is the City value of a post that concerns every partner city.
const AllCities = "all"

// City is the home city or one of its partners. Cities come from the
// dataset, not from storage.
type City struct {
	Slug         string            `json:"slug"`
	Flag         string            `json:"flag"`
	Name         Text              `json:"name"`
	Country      Text              `json:"country"`
	TimeZone     string            `json:"timezone"`
	PartnerSince string            `json:"partner_since,omitempty"`
	Areas        map[Lang][]string `json:"areas,omitempty"`
	Description  Text              `json:"description,omitempty"`
	Link         string            `json:"link,omitempty"`
	// Location is TimeZone loaded; set by the dataset loader.
	Location *time.Location `json:"-"`
}

// PostText is a post's title and body in one language.
type PostText struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Post is a visit, an agreement, an event or an announcement.
type Post struct {
	ID   int64  `json:"id"`
	Kind Kind   `json:"kind"`
	City string `json:"city"` // a city slug or AllCities
	// Title and Text are in Lang, the language the post was written in.
	Title string `json:"title"`
	Text  string `json:"text"`
	Lang  Lang   `json:"lang"`
	// Translations holds the post in other languages, when known.
	Translations map[Lang]PostText `json:"translations,omitempty"`
	// Date is the day the visit or agreement took place, or the publication
	// date; events use StartsAt.
	Date     time.Time  `json:"date"`
	StartsAt *time.Time `json:"starts_at,omitempty"`
	EndsAt   *time.Time `json:"ends_at,omitempty"`
	Place    string     `json:"place,omitempty"`
	// Capacity is how many places an event has (0: no limit); when they
	// are taken, residents who sign up join a waiting list.
	Capacity int `json:"capacity,omitempty"`
	// Author is the Telegram user id of the official who wrote it; 0 for
	// dataset posts.
	Author      int64     `json:"author,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// SeedKey identifies a post that came from the dataset.
	SeedKey string `json:"seed_key,omitempty"`
	// Photos are the post's pictures, as Telegram's file ids (kept, never
	// uploaded again), in the order the official sent them.
	Photos []Photo `json:"photos,omitempty"`
	// Channel is where the post stands in the city's channel, once posted.
	Channel *ChannelRef `json:"channel,omitempty"`

	// The publication workflow (workflow.go); all of it belongs to
	// TransitionPost, an edit keeps it as stored.
	//
	// Status is where the post stands; empty means published, so every
	// post stored before statuses existed reads as published.
	Status PostStatus `json:"status,omitempty"`
	// PublishAt is when a scheduled post is to be published (a pending
	// one: once approved). It stays on a post the clock published, so the
	// notice can say whether it came late.
	PublishAt *time.Time `json:"publish_at,omitempty"`
	// ScheduledBy is the official who set PublishAt: the clock publishes
	// on their behalf.
	ScheduledBy int64 `json:"scheduled_by,omitempty"`
	// Reviewer approved or rejected the post; Reason is why it was
	// rejected, for its author.
	Reviewer int64  `json:"reviewer,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Releasing is set while a post that became published still has its
	// announcement, channel post and notices to be queued: the planner
	// finishes them, so a crash in between loses none.
	Releasing bool `json:"releasing,omitempty"`
	// Revision counts the versions approvers may be sent: one more with
	// every edit (Post.Edited) and every time change that sends it back
	// for approval (Transition.Resubmit). An approval is
	// given for the revision the approver saw (Transition.Revision), so
	// one tapped under an older preview changes nothing.
	Revision int `json:"revision,omitempty"`
	// Urgent marks an announcement that reaches residents at once, even
	// inside their quiet hours.
	Urgent bool `json:"urgent,omitempty"`
}

// MaxPhotos is how many photos a post may have: what Telegram sends as one
// album.
const MaxPhotos = 10

// Photo is one picture of a post.
type Photo struct {
	// FileID sends the photo again; UniqueID names it for good (file ids
	// may change, unique ids do not), so it keys caches and duplicates.
	FileID   string `json:"file_id"`
	UniqueID string `json:"unique_id"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
}

// FileIDs lists the photos' file ids.
func (p Post) FileIDs() []string {
	out := make([]string, len(p.Photos))
	for i, ph := range p.Photos {
		out[i] = ph.FileID
	}
	return out
}

// ChannelRef is a post as it stands in the city's channel: the messages it
// took (an album's photos, then the text, or one photo with its caption).
type ChannelRef struct {
	Chat     string `json:"chat"`
	Messages []int  `json:"messages"`
	// TextID is the message holding the post's text; Caption tells
	// whether that is a photo's caption rather than a text message.
	TextID  int  `json:"text_id"`
	Caption bool `json:"caption,omitempty"`
	// Photos are the unique ids of the photos posted: when an edit
	// changes them, the post is posted anew.
	Photos []string `json:"photos,omitempty"`
	// PhotoCaption is the caption posted on a single photo whose text
	// went out as a message of its own (the post's title): an edit that
	// changes it edits the photo's caption too. Empty for other posts, and
	// for posts recorded before it was kept (an edit then edits the
	// caption anyway).
	PhotoCaption string `json:"photo_caption,omitempty"`
}

// HasLang reports whether the post is written in l, or translated into it.
func (p Post) HasLang(l Lang) bool {
	if p.Lang == l {
		return true
	}
	t, ok := p.Translations[l]
	return ok && (t.Title != "" || t.Text != "")
}

// In returns the post's title and text in l, or in its own language.
func (p Post) In(l Lang) PostText {
	if t, ok := p.Translations[l]; ok && (t.Title != "" || t.Text != "") {
		return t
	}
	return PostText{Title: p.Title, Text: p.Text}
}

// Subscriber is one chat's settings: what it follows and how it is reached.
// A chat that only chose a language has a record with no cities.
type Subscriber struct {
	ChatID   int64  `json:"chat_id"`
	ChatType string `json:"chat_type"` // private, group, supergroup
	// Lang is the chat's language; LangChosen tells whether it was chosen
	// with /lang (true) or taken from Telegram's language_code.
	Lang       Lang      `json:"lang"`
	LangChosen bool      `json:"lang_chosen"`
	Cities     []string  `json:"cities"`
	Kinds      []Kind    `json:"kinds"`
	Frequency  Frequency `json:"frequency"`
	// Active is false once the chat blocked the bot or removed it.
	Active bool `json:"active"`
	// InactiveSince is when the chat became inactive (zero while active):
	// retention counts from it, not from UpdatedAt, which any later change
	// to the record moves. SetActivity keeps it.
	InactiveSince time.Time `json:"inactive_since,omitzero"`
	// ThreadID is the forum topic of a group that subscribed from inside
	// one: its digests and announcements go there. TopicLost tells that
	// the topic was deleted and delivery fell back to the general topic.
	ThreadID  int  `json:"thread_id,omitempty"`
	TopicLost bool `json:"topic_lost,omitempty"`
	// TimeZone is the IANA zone the chat reads its digests' hour in; ""
	// is the home city's (TIMEZONE), as for records from before zones.
	TimeZone string `json:"timezone,omitempty"`
	// Quiet, when set, holds announcements and reminders back during
	// those hours of the chat's zone.
	Quiet     *QuietHours `json:"quiet,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// NewSubscriber returns the record a chat gets on first contact: all kinds,
// daily digests, active, no cities yet.
func NewSubscriber(chatID int64, chatType string, lang Lang, now time.Time) Subscriber {
	return Subscriber{
		ChatID:    chatID,
		ChatType:  chatType,
		Lang:      lang,
		Kinds:     Kinds(),
		Frequency: FreqDaily,
		Active:    true,
		CreatedAt: now,
		UpdatedAt: now,
	}
}

// Follows reports whether the subscriber follows city.
func (s Subscriber) Follows(city string) bool { return slices.Contains(s.Cities, city) }

// Wants reports whether the subscriber wants posts of kind k.
func (s Subscriber) Wants(k Kind) bool { return slices.Contains(s.Kinds, k) }
