package render

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// The buttons under an event and the notices to the people who signed up.
// The bot's replies and the scheduler's messages (reminders, the channel,
// notices) draw them here, so a button made by either is read the same
// way by the bot's callback codec.

// RSVPAction is the callback action of the sign-up buttons. Its argument
// is an operation, the event's id and the language the buttons are in:
// "y-42-de" going, "n-42-de" not going, "i-42-de" the counts (a tap tells
// the person where they stand), and for a row of a list "ly-42-de" and
// "ln-42-de". The language lets a tap redraw the buttons in the language
// of the message they sit on (a channel's, a group's), whatever the
// language of the person tapping. The bot's codec knows the action.
const RSVPAction = "at"

// The operations of a sign-up button.
const (
	RSVPOpGoing     = "y"
	RSVPOpNotGoing  = "n"
	RSVPOpInfo      = "i"
	RSVPOpListGoing = "ly"
	RSVPOpListNot   = "ln"
)

// RSVPData is a sign-up button's callback_data: at most 3 + 3 + 19 + 3
// bytes, far below Telegram's 64.
func RSVPData(op string, eventID int64, l store.Lang) string {
	return RSVPAction + ":" + op + "-" + strconv.FormatInt(eventID, 10) + "-" + string(l)
}

// ParseRSVPArg reads a sign-up button's argument; ok is false for
// anything RSVPData does not make.
func ParseRSVPArg(arg string) (op string, eventID int64, l store.Lang, ok bool) {
	parts := strings.Split(arg, "-")
	if len(parts) != 3 {
		return "", 0, "", false
	}
	switch parts[0] {
	case RSVPOpGoing, RSVPOpNotGoing, RSVPOpInfo, RSVPOpListGoing, RSVPOpListNot:
	default:
		return "", 0, "", false
	}
	digits := parts[1]
	if digits == "" || digits[0] == '0' || len(digits) > 18 {
		return "", 0, "", false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, "", false
	}
	l, valid := store.ParseLang(parts[2])
	if !valid || string(l) != parts[2] {
		return "", 0, "", false
	}
	return parts[0], id, l, true
}

// Button is an inline keyboard button with callback data (or a link), as
// Telegram's reply_markup encodes it.
type Button struct {
	Text string `json:"text"`
	Data string `json:"callback_data,omitempty"`
	URL  string `json:"url,omitempty"`
}

// KeyboardJSON is the reply_markup of an inline keyboard; "" for none.
func KeyboardJSON(rows [][]Button) string {
	if len(rows) == 0 {
		return ""
	}
	b, err := json.Marshal(struct {
		Rows [][]Button `json:"inline_keyboard"`
	}{rows})
	if err != nil {
		return "" // buttons of strings always encode
	}
	return string(b)
}

// SignUpOpen reports whether an event takes sign-ups now: a published,
// dated event that has not started.
func SignUpOpen(p store.Post, now time.Time) bool {
	return p.IsDatedEvent() && p.Visible() && p.StartsAt.After(now)
}

// EventRows are the buttons under one event: "I'm going" (or, when full,
// "Join the waiting list") and "Not going", then a row with the counts.
// An event that has started keeps only its counts; anything else gets no
// rows.
func (r *Renderer) EventRows(p store.Post, t store.Turnout, l store.Lang, now time.Time) [][]Button {
	if !p.IsDatedEvent() {
		return nil
	}
	info := []Button{{Text: r.CountLabel(t, l), Data: RSVPData(RSVPOpInfo, p.ID, l)}}
	if !SignUpOpen(p, now) {
		return [][]Button{info}
	}
	going := r.plain(l, "rsvp_going")
	if t.Full() {
		going = r.plain(l, "rsvp_join_waiting")
	}
	return [][]Button{
		{{Text: going, Data: RSVPData(RSVPOpGoing, p.ID, l)}, {Text: r.plain(l, "rsvp_not_going"), Data: RSVPData(RSVPOpNotGoing, p.ID, l)}},
		info,
	}
}

// EventKeyboard is EventRows as reply_markup JSON.
func (r *Renderer) EventKeyboard(p store.Post, t store.Turnout, l store.Lang, now time.Time) string {
	return KeyboardJSON(r.EventRows(p, t, l, now))
}

// EventListRow is an event's row in a list of several (a city card,
// /events): its title with the count, to sign up, and a button to cancel.
// Events not open for sign-up get none.
func (r *Renderer) EventListRow(p store.Post, t store.Turnout, l store.Lang, now time.Time) []Button {
	if !SignUpOpen(p, now) {
		return nil
	}
	count := strconv.Itoa(t.Going)
	if t.Capacity > 0 {
		count += "/" + strconv.Itoa(t.Capacity)
	}
	key := "rsvp_list_going"
	if t.Full() {
		key = "rsvp_list_waiting"
	}
	title := Truncate(p.DisplayTitle(l), 28)
	return []Button{
		{Text: PlainText(r.tr.T(l, key, "Title", title, "Count", count)), Data: RSVPData(RSVPOpListGoing, p.ID, l)},
		{Text: r.plain(l, "rsvp_list_not"), Data: RSVPData(RSVPOpListNot, p.ID, l)},
	}
}

// maxListRows bounds the sign-up rows under one message listing events:
// /events and a digest show at most ten events, a card three.
const maxListRows = 10

// EventListKeyboard is an EventListRow for each event among posts open
// for sign-up, in their order (at most maxListRows), as reply_markup JSON;
// "" when there is none.
func (r *Renderer) EventListKeyboard(posts []store.Post, turnouts map[int64]store.Turnout, l store.Lang, now time.Time) string {
	var rows [][]Button
	for _, p := range posts {
		if row := r.EventListRow(p, turnouts[p.ID], l, now); row != nil && len(rows) < maxListRows {
			rows = append(rows, row)
		}
	}
	return KeyboardJSON(rows)
}

// CountLabel is the count of who is going and, with a capacity, the
// places left or the waiting list: plain text for a button.
func (r *Renderer) CountLabel(t store.Turnout, l store.Lang) string {
	switch {
	case t.Capacity == 0:
		return PlainText(r.tr.T(l, "rsvp_count", "Going", t.Going))
	case t.Full():
		return PlainText(r.tr.T(l, "rsvp_count_full", "Going", t.Going, "Waiting", t.Waiting))
	}
	return PlainText(r.tr.T(l, "rsvp_count_left", "Going", t.Going, "Left", t.Left()))
}

func (r *Renderer) plain(l store.Lang, id string) string { return PlainText(r.tr.T(l, id)) }

// AttendeeNotice renders a notice to someone who signed up
// (store.MsgAttendee): current is the event as it is now (nil once
// deleted), keyboard its buttons. A notice whose event is gone, other
// than the cancellation, renders as nothing: the cancellation follows.
func (r *Renderer) AttendeeNotice(n store.AttendeeNotice, current *store.Post, keyboard string) []store.Part {
	l := n.Lang
	if l == "" {
		l = store.LangUK
	}
	if n.What == store.NoticeCancelled {
		if n.Was == nil {
			return nil
		}
		return []store.Part{{Text: r.tr.T(l, "notice_cancelled", "Title", n.Was.DisplayTitle(l)) + "\n\n" + r.EventItem(*n.Was, l)}}
	}
	if current == nil {
		return nil
	}
	p := *current
	var sb strings.Builder
	switch n.What {
	case store.NoticePromoted:
		sb.WriteString(r.tr.T(l, "notice_promoted", "Title", p.DisplayTitle(l)))
	case store.NoticeChanged:
		sb.WriteString(r.tr.T(l, "notice_changed", "Title", p.DisplayTitle(l)))
		if n.Was != nil {
			was := r.EventItem(*n.Was, l)
			sb.WriteString("\n\n" + r.tr.T(l, "notice_was") + "\n<s>" + strings.ReplaceAll(was, "\n", "</s>\n<s>") + "</s>")
		}
		sb.WriteString("\n\n" + r.tr.T(l, "notice_now"))
	default:
		return nil
	}
	sb.WriteString("\n" + r.EventItem(p, l) + "\n\n" + OpenLink(p.ID))
	return []store.Part{{Text: sb.String(), Keyboard: keyboard}}
}
