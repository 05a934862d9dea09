package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// AttendeesColumns returns the header of the /attendees CSV file, a new
// slice on each call, so no caller can change the file's columns.
func AttendeesColumns() []string {
	return []string{"status", "name", "username", "signed_up_at", "waiting_position"}
}

// handleAttendees sends the office an event's list: the counts as a
// message, everyone on the list as a CSV document. Only in a private chat:
// a group's members are residents, and the list names people.
func (b *Bot) handleAttendees(ctx context.Context, r *Request) error {
	if !r.Private() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_private_only"), nil)
	}
	id, ok := postID(r.Args)
	if !ok {
		return b.reply(ctx, r, b.tr.T(r.Lang, "attendees_usage"), nil)
	}
	p, err := b.store.Post(ctx, id)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", id), nil)
	}
	if err != nil {
		return err
	}
	if !p.IsDatedEvent() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "attendees_not_event", "ID", id), nil)
	}
	l, err := b.store.Attendees(ctx, id)
	if err != nil {
		return err
	}
	t := p.Turnout(l.Counts())
	text := b.tr.T(r.Lang, "attendees_summary", "ID", id, "Title", p.DisplayTitle(r.Lang), "Going", t.Going, "Waiting", t.Waiting)
	if t.Capacity > 0 {
		text += "\n" + b.tr.T(r.Lang, "attendees_capacity", "Capacity", t.Capacity, "Left", t.Left())
	}
	if l.Empty() {
		return b.reply(ctx, r, text+"\n\n"+b.tr.T(r.Lang, "attendees_empty"), nil)
	}
	data, err := AttendeesCSV(l, b.rd.Location(p.City))
	if err != nil {
		return err
	}
	b.reply(ctx, r, text, nil)
	b.replyDocument(r, fmt.Sprintf("attendees-%d.csv", id), data, b.tr.T(r.Lang, "attendees_file"))
	return nil
}

// AttendeesCSV is an event's list as a CSV file (RFC 4180, UTF-8 with a
// byte order mark so spreadsheet programs read names in any script):
// AttendeesColumns(), the people going first, then the waiting list, each in
// the order they signed up. Times are in the event's city's zone, with
// their offset; usernames go without the @. A name that a spreadsheet
// would take for a formula (=, +, -, @ first) is quoted with a ' first.
func AttendeesCSV(l store.RSVPList, loc *time.Location) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(AttendeesColumns()); err != nil {
		return nil, err
	}
	row := func(a store.Attendee, status string, pos int) []string {
		wait := ""
		if pos > 0 {
			wait = strconv.Itoa(pos)
		}
		return []string{status, spreadsheetSafe(render.Truncate(a.Name, 128)), strings.TrimPrefix(a.Username, "@"),
			a.At.In(loc).Format(time.RFC3339), wait}
	}
	for _, a := range l.Going {
		if err := w.Write(row(a, string(store.StatusGoing), 0)); err != nil {
			return nil, err
		}
	}
	for i, a := range l.Waiting {
		if err := w.Write(row(a, string(store.StatusWaiting), i+1)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("attendees csv: %w", err)
	}
	return buf.Bytes(), nil
}

// spreadsheetSafe keeps a spreadsheet from running a cell as a formula.
func spreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
