package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// What a resident can know and decide about their data: /privacy says what
// is stored, why and for how long; /mydata sends all of it; /stop deletes
// it. /mydata and /stop walk the same records (store.CollectChatData and
// store.Forget), so what is exported is what is deleted.

// handlePrivacy shows the privacy notice: the municipality's own
// (PRIVACY_FILE or the dataset) or the bot's, then the retention periods
// actually configured and the commands to see and delete one's data.
func (b *Bot) handlePrivacy(ctx context.Context, r *Request) error {
	l := r.Lang
	notice := b.tr.T(l, "privacy_default", "Home", b.data.Home.Name.In(l))
	if t := b.privacy.In(l); t != "" {
		notice = render.Esc(t) // the city's text is plain: never markup
	}
	return b.replyBlocks(ctx, r, []string{
		"<b>" + b.tr.T(l, "privacy_title") + "</b>",
		notice,
		b.tr.T(l, "privacy_retention", "Days", b.retention.ChatDays, "AuditDays", b.retention.AuditDays),
		b.tr.T(l, "privacy_commands"),
	}, nil)
}

// person is whose data a request may see or delete: the chat and, in a
// private chat, its person; in a group only the group's record, so no
// member's data goes to the others.
func person(r *Request) store.Person {
	if r.Private() {
		return store.Person{ChatID: r.ChatID, UserID: r.UserID}
	}
	return store.Person{ChatID: r.ChatID}
}

// handleMyData sends everything stored about the chat (and, in private,
// its person) as a JSON file. The file goes out as a reply, so a send that
// fails is retried from the update's journal with the same bytes, and a
// repeated update sends nothing new.
func (b *Bot) handleMyData(ctx context.Context, r *Request) error {
	who := person(r)
	var role store.Role
	if who.UserID != 0 {
		got, ok, err := b.requestRole(ctx, r)
		if err != nil {
			return err
		}
		if ok {
			role = got
		}
	}
	now := b.now()
	d, err := store.CollectChatData(ctx, b.store, who, role, now)
	if err != nil {
		return err
	}
	if !d.Personal() && d.Role == "" && len(d.Audit) == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "mydata_nothing"), nil)
	}
	data, err := d.JSON()
	if err != nil {
		return err
	}
	caption := b.tr.T(r.Lang, "mydata_caption", "Time", now.In(b.tz).Format(render.DateTimeLayout))
	b.replyDocument(r, fmt.Sprintf("partnerbot-mydata-%d.json", r.ChatID), data, caption)
	return nil
}

// handleStop deletes everything stored about the chat (and, in private,
// about its person) and says what it was. Each deletion is idempotent, so
// a retried /stop finishes what an interrupted one began.
func (b *Bot) handleStop(ctx context.Context, r *Request) error {
	l := r.Lang
	r.forget = r.Private()
	d, err := store.Forget(ctx, b.store, person(r), b.now())
	if err != nil {
		return err
	}
	if !d.Personal() {
		return b.reply(ctx, r, b.tr.T(l, "stop_nothing"), nil)
	}
	r.Sub = nil
	var also []string
	if d.User != nil {
		also = append(also, "• "+b.tr.T(l, "stop_item_user"))
	}
	if d.Draft != nil {
		also = append(also, "• "+b.tr.T(l, "stop_item_draft"))
	}
	if n := len(d.SignUps); n > 0 {
		also = append(also, "• "+b.tr.T(l, "stop_item_signups", "Count", n))
	}
	if d.Conversation != nil {
		also = append(also, "• "+b.tr.T(l, "stop_item_conversation"))
	}
	if d.Subscriber == nil {
		return b.reply(ctx, r, b.tr.T(l, "stop_done_person", "Items", render.HTML(strings.Join(also, "\n"))), nil)
	}
	old := *d.Subscriber
	cities := b.cityList(old.Cities, l)
	if len(old.Cities) == 0 {
		cities = b.tr.T(l, "none")
	}
	extra := ""
	if len(also) > 0 {
		extra = "\n" + strings.Join(also, "\n")
	}
	return b.reply(ctx, r, b.tr.T(l, "stop_done",
		"Cities", render.HTML(cities),
		"Kinds", render.HTML(b.kindList(old.Kinds, l)),
		"Frequency", b.tr.T(l, "freq_"+string(old.Frequency)),
		"Language", b.tr.T(old.Lang, "lang_name"),
		"Also", render.HTML(extra)), nil)
}
