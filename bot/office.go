package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// The partnership office's inbox. Residents write to it (resident_contact.go),
// officials answer from it (official_office.go); what travels between them
// goes through the outbox as copies (scheduler/office.go).

// OfficeConfig is the office's inbox.
type OfficeConfig struct {
	// ChatID is OFFICE_CHAT_ID: a forum group where every resident gets a
	// topic. 0: residents' messages go to the owners' private chats.
	ChatID int64
	// Hours are OFFICE_HOURS (always open when empty), Rate CONTACT_RATE.
	Hours store.OfficeHours
	Rate  store.ContactRate
	// Lang is the language of what the bot writes in the office group:
	// residents' cards and notes.
	Lang store.Lang
	// Rights tells what the bot lacks in the group (the Telegram client).
	Rights TopicRights
}

// TopicRights tells what the bot lacks to keep a topic per resident in a
// group; the Telegram client implements it.
type TopicRights interface {
	MissingTopicRights(ctx context.Context, chatID int64) ([]string, error)
}

// officeOn reports whether residents can write to the office: there is a
// group, or owners to copy their messages to.
func (b *Bot) officeOn() bool { return b.office.ChatID != 0 || len(b.owners) > 0 }

// residentName is the sender's name as Telegram shows it.
func residentName(r *Request) string {
	return strings.TrimSpace(r.FirstName + " " + r.LastName)
}

// residentCard says, in language l, who a resident is: name, @username,
// id, language and subscriptions. Nothing else: the bot never sees a phone
// number, and passes on no shared contact.
func (b *Bot) residentCard(r *Request, l store.Lang) string {
	username := ""
	if r.Username != "" {
		username = " @" + r.Username
	}
	subs := b.tr.T(l, "office_card_no_subs")
	if r.Sub != nil && len(r.Sub.Cities) > 0 {
		subs = b.tr.T(l, "office_card_subs", "Cities", render.HTML(b.cityList(r.Sub.Cities, l)),
			"Frequency", b.tr.T(l, "freq_"+string(r.Sub.Frequency)))
	}
	name := residentName(r)
	if name == "" {
		name = "—"
	}
	return b.tr.T(l, "office_card", "Name", name, "Username", username, "ID", r.UserID,
		"Lang", b.tr.T(r.Lang, "lang_name"), "Subs", render.HTML(subs))
}

// officeRef names a resident's message copied to the office (to: the
// forum group or an owner), or an answer copied to a resident: by the
// message it copies, so the update handled again enqueues nothing twice.
func officeRef(kind store.MessageKind, r *Request, to int64) string {
	return fmt.Sprintf("%s:%d:%d:%d", kind, r.ChatID, r.MessageID, to)
}

// forwardToOffice queues the resident's message for the office: one copy
// to their topic in the group, or one to each owner with the resident's
// card before it. seq is the message's place in the resident's order.
func (b *Bot) forwardToOffice(ctx context.Context, r *Request, seq int) error {
	now := b.now()
	base := store.OutboxMessage{Kind: store.MsgOfficeIn, CreatedAt: now}
	var msgs []store.OutboxMessage
	if b.office.ChatID != 0 {
		m := base
		m.ChatID, m.Group = b.office.ChatID, true
		m.Ref = officeRef(store.MsgOfficeIn, r, m.ChatID)
		m.Office = &store.OfficeCopy{Resident: r.UserID, From: r.ChatID, Messages: r.MessageIDs, Seq: seq,
			TopicName: store.TopicName(residentName(r), r.UserID, r.Lang), Card: b.residentCard(r, b.office.Lang)}
		msgs = append(msgs, m)
	} else {
		for _, owner := range b.owners {
			l := b.chatLang(ctx, owner)
			m := base
			m.ChatID = owner
			m.Ref = officeRef(store.MsgOfficeIn, r, owner)
			m.Office = &store.OfficeCopy{Resident: r.UserID, From: r.ChatID, Messages: r.MessageIDs, Link: true, Seq: seq,
				Header: b.residentCard(r, l) + "\n\n" + b.tr.T(l, "office_card_reply")}
			msgs = append(msgs, m)
		}
	}
	for i := range msgs {
		msgs[i].Dedupe = msgs[i].Ref
	}
	if _, err := b.store.EnqueueEach(ctx, store.CauseTTL, msgs...); err != nil {
		return fmt.Errorf("office: queue message of %d: %w", r.UserID, err)
	}
	return nil
}

// chatLang is the language of a chat the bot writes to unasked (an
// owner's): its chosen one, else Ukrainian.
func (b *Bot) chatLang(ctx context.Context, chatID int64) store.Lang {
	if s, err := b.store.Subscriber(ctx, chatID); err == nil && s.Lang != "" {
		return s.Lang
	}
	return store.LangUK
}

// hoursNote tells the resident, when the office is closed at now, when it
// opens again; "" while it is open.
func (b *Bot) hoursNote(l store.Lang, now time.Time) string {
	h := b.office.Hours
	if h.OpenAt(now) {
		return ""
	}
	next := h.NextOpen(now).In(h.Location())
	when := b.tr.T(l, "weekday_"+strconv.Itoa(int(next.Weekday()))) + " " + next.Format(render.DateTimeLayout)
	return b.tr.T(l, "contact_office_closed", "When", when)
}
