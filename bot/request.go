package bot

import (
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/store"
)

// UpdateKind tells what an update carries, as far as the bot cares.
type UpdateKind string

// The kinds of updates the router tells apart.
const (
	KindCommand     UpdateKind = "command"
	KindText        UpdateKind = "text"
	KindOther       UpdateKind = "other_message" // stickers, photos, service messages
	KindEdited      UpdateKind = "edited_message"
	KindChannelPost UpdateKind = "channel_post"
	KindCallback    UpdateKind = "callback"
	KindMember      UpdateKind = "my_chat_member"
	KindMigrated    UpdateKind = "migrated"
	KindInline      UpdateKind = "inline_query"
	KindUnknown     UpdateKind = "unknown"
)

// Request is an update reduced to what handlers need. Handlers never see
// tgbotapi types: the conversion happens once, here.
type Request struct {
	UpdateID int
	Kind     UpdateKind
	ChatID   int64
	ChatType string // private, group, supergroup, channel
	UserID   int64
	Username string
	// Name is the sender's first and last name as Telegram shows them.
	Name string
	// FirstName and LastName are the sender's name as Telegram shows it.
	FirstName, LastName string
	// UserLang is Telegram's language_code of the sender, maybe empty.
	UserLang string

	// Command is the command name without slash and @BotName; Args the rest
	// of the text, trimmed. Addressed is true when the command named this
	// bot explicitly (/cmd@ThisBot).
	Command   string
	Args      string
	Addressed bool
	Text      string

	// Callback fields. Data is the button's raw callback_data; Action and
	// Arg are what it decodes to (set by the router).
	CallbackID string
	MessageID  int
	Data       string
	Action     string
	Arg        string
	// Markup is the inline keyboard of the message the button sits on, as
	// it is now (nil when Telegram did not send the message): a tap can
	// redraw its own rows and leave the others as they are.
	Markup [][]MarkupButton

	// SenderChat is set when a message was sent on behalf of a chat (an
	// anonymous group admin, a channel): no person can be held to it.
	SenderChat int64

	// Inline query fields: the query's id, what was typed and the page
	// asked for (next_offset of the previous answer).
	InlineID     string
	InlineQuery  string
	InlineOffset string

	// ThreadID is the forum topic the update came from (replies go there);
	// InTopic tells that the message was written inside a topic.
	ThreadID int
	InTopic  bool
	// Photos are the photos the message (or album) holds, the largest
	// size of each; Attachment is set when it holds a file of another
	// kind (a document, a video) instead.
	Photos     []store.Photo
	Attachment bool
	// MessageIDs are the ids of the message and the rest of its album, in
	// order; Copyable tells that they hold something copyMessage can copy
	// (a text or a file), not a service message.
	MessageIDs []int
	Copyable   bool
	// SharedContact is set for a contact the user shared: it holds a
	// phone number, which the bot never passes on.
	SharedContact bool
	// ReplyTo is the message this one replies to, 0 for none; in a forum
	// topic, a reply to the topic's opening message is none.
	ReplyTo int

	// MemberStatus is the bot's new status in a my_chat_member update.
	MemberStatus string
	// MigrateTo is the new chat id of a group upgraded to a supergroup.
	MigrateTo int64

	// Set by the router before the handler runs.
	Lang store.Lang
	// Sub is the chat's stored record, nil when there is none (or storage
	// could not be read).
	Sub *store.Subscriber

	// What the handler answers, sent once it returns (see deliver): a
	// retried update re-sends these without running the handler again.
	out []Reply
	// toast is the text of the callback's answer, "" for a silent one.
	toast string
	// forget is set by /stop: nothing about the sender may be stored.
	forget bool
	// role is the sender's role once looked up; official is false for
	// residents.
	role     store.Role
	official bool
	roleRead bool
}

// Cause names the update as the cause of the changes it makes, so a
// retried update finds them made (store.Change).
func (r *Request) Cause() string { return "u" + strconv.Itoa(r.UpdateID) }

// Private reports whether the request comes from a private chat.
func (r *Request) Private() bool { return !store.IsGroup(r.ChatType) }

// newRequest converts an update. botUsername decides whether a command is
// addressed to another bot in a group.
func newRequest(u telegram.Update, botUsername string) *Request {
	r := &Request{UpdateID: u.UpdateID, Kind: KindUnknown, ThreadID: u.ThreadID, InTopic: u.IsTopic}
	switch {
	case u.Message != nil:
		m := u.Message
		r.fromMessage(m)
		r.fromMedia(append([]*tgbotapi.Message{m}, u.Album...))
		if m.ReplyToMessage != nil && !(u.IsTopic && m.ReplyToMessage.MessageID == u.ThreadID) {
			r.ReplyTo = m.ReplyToMessage.MessageID
		}
		text := m.Text
		if text == "" {
			text = m.Caption // a photo's caption may hold a one-line form
		}
		switch {
		case m.MigrateToChatID != 0:
			r.Kind, r.MigrateTo = KindMigrated, m.MigrateToChatID
		case text != "":
			r.Text = text
			if cmd, ok := ParseCommand(text, botUsername); ok {
				r.Kind, r.Command, r.Args, r.Addressed = KindCommand, cmd.Name, cmd.Args, cmd.Addressed
				if cmd.OtherBot {
					r.Kind = KindText // meant for another bot: plain text to us
				}
			} else {
				r.Kind = KindText
			}
		default:
			r.Kind = KindOther
		}
	case u.EditedMessage != nil:
		r.fromMessage(u.EditedMessage)
		r.Kind = KindEdited
	case u.ChannelPost != nil:
		r.fromMessage(u.ChannelPost)
		r.Kind = KindChannelPost
	case u.EditedChannelPost != nil:
		r.fromMessage(u.EditedChannelPost)
		r.Kind = KindChannelPost
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		r.Kind, r.CallbackID, r.Data = KindCallback, q.ID, q.Data
		r.fromUser(q.From)
		if q.Message != nil && q.Message.Chat != nil {
			r.ChatID, r.ChatType, r.MessageID = q.Message.Chat.ID, q.Message.Chat.Type, q.Message.MessageID
			r.Markup = markupOf(q.Message.ReplyMarkup)
		}
	case u.InlineQuery != nil:
		q := u.InlineQuery
		r.Kind, r.InlineID, r.InlineQuery, r.InlineOffset = KindInline, q.ID, q.Query, q.Offset
		r.fromUser(q.From)
	case u.MyChatMember != nil:
		m := u.MyChatMember
		r.Kind = KindMember
		r.ChatID, r.ChatType = m.Chat.ID, m.Chat.Type
		r.fromUser(&m.From)
		r.MemberStatus = m.NewChatMember.Status
	}
	return r
}

func (r *Request) fromMessage(m *tgbotapi.Message) {
	if m.Chat != nil {
		r.ChatID, r.ChatType = m.Chat.ID, m.Chat.Type
	}
	if m.SenderChat != nil {
		r.SenderChat = m.SenderChat.ID
	}
	r.MessageID = m.MessageID
	r.fromUser(m.From)
}

// fromMedia collects the photos of a message and of the rest of its album.
func (r *Request) fromMedia(msgs []*tgbotapi.Message) {
	for _, m := range msgs {
		if m == nil {
			continue
		}
		r.MessageIDs = append(r.MessageIDs, m.MessageID)
		if m.Contact != nil {
			r.SharedContact = true
		}
		if m.Text != "" || m.Photo != nil || m.Document != nil || m.Voice != nil || m.Video != nil || m.Audio != nil ||
			m.Animation != nil || m.VideoNote != nil || m.Sticker != nil || m.Location != nil || m.Venue != nil || m.Poll != nil {
			r.Copyable = true
		}
		if n := len(m.Photo); n > 0 {
			largest := m.Photo[n-1] // Telegram lists sizes smallest first
			r.Photos = append(r.Photos, store.Photo{FileID: largest.FileID, UniqueID: largest.FileUniqueID,
				Width: largest.Width, Height: largest.Height})
			continue
		}
		if m.Document != nil || m.Video != nil || m.Animation != nil || m.Audio != nil || m.Voice != nil || m.VideoNote != nil {
			r.Attachment = true
		}
	}
}

func (r *Request) fromUser(u *tgbotapi.User) {
	if u == nil {
		return
	}
	r.UserID, r.Username, r.UserLang = u.ID, u.UserName, u.LanguageCode
	r.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	r.FirstName, r.LastName = u.FirstName, u.LastName
}

// MarkupButton is one button of an inline keyboard: callback data or a
// link.
type MarkupButton struct {
	Text string
	Data string
	URL  string
}

func markupOf(kb *tgbotapi.InlineKeyboardMarkup) [][]MarkupButton {
	if kb == nil {
		return nil
	}
	rows := make([][]MarkupButton, 0, len(kb.InlineKeyboard))
	for _, row := range kb.InlineKeyboard {
		out := make([]MarkupButton, 0, len(row))
		for _, b := range row {
			mb := MarkupButton{Text: b.Text}
			if b.CallbackData != nil {
				mb.Data = *b.CallbackData
			}
			if b.URL != nil {
				mb.URL = *b.URL
			}
			out = append(out, mb)
		}
		rows = append(rows, out)
	}
	return rows
}
