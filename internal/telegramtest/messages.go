package telegramtest

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// maxTextLength is Telegram's limit in code points, after entity parsing.
const maxTextLength = 4096

const errNotModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

// Content is what a message shows; kept as a unit so edits can be recorded
// as whole revisions.
type Content struct {
	// Text is the text parameter exactly as the bot sent it (with markup).
	Text string
	// Plain is what the user sees: markup removed, entities decoded,
	// surrounding whitespace trimmed. Assert on this for wording.
	Plain string
	// ParseMode is the parse_mode parameter as sent.
	ParseMode string
	// Entities are the formatting entities Telegram derived (UTF-16 offsets).
	Entities []tgbotapi.MessageEntity
	// ReplyMarkup is the inline keyboard, nil when there is none.
	ReplyMarkup InlineKeyboard
	// ReplyMarkupJSON is the reply_markup parameter as sent, for reply
	// keyboards and anything the parsed form does not keep.
	ReplyMarkupJSON string
	// DisablePreview is true when link previews were turned off, by either
	// disable_web_page_preview or link_preview_options.is_disabled.
	DisablePreview bool
}

// Message is a message the bot sent (sendMessage, sendPhoto, one item of
// sendMediaGroup), in its current state. For a media message the Content is
// its caption.
type Message struct {
	ChatID    int64
	MessageID int
	Content
	// Method is the method that sent it, as the client spelled it.
	Method string
	// Media is "photo", "video", "document", "audio", "voice" or "sticker"
	// for a media message, "" for a text message.
	Media string
	// FileID is the file_id the media was sent with.
	FileID string
	// FileName and Data are a document's name and, for one the bot
	// uploaded, its bytes (what a recipient would open).
	FileName string
	Data     []byte
	// MediaGroupID is shared by the messages of one album; "" otherwise
	// (also for a sendMediaGroup of one item, which Telegram sends alone).
	MediaGroupID string
	// ThreadID is the forum topic (message_thread_id) it was sent to, 0 for
	// none.
	ThreadID int
	// Params are the parameters of the sending call; edits are in Calls.
	// For an album item they are the call's, with "media" replaced by the
	// item's JSON.
	Params map[string]string
	// Time is when it was sent.
	Time time.Time
	// Edited is true once an edit succeeded.
	Edited bool
	// History holds earlier contents, oldest first, so a test can check
	// what the user saw before an edit.
	History []Content
	// Deleted is true after a successful deleteMessage (or once its forum
	// topic was deleted).
	Deleted bool
	// CopyOf is the message a copyMessage copied; zero for anything else.
	CopyOf MessageRef
}

func (m *Message) snapshot() Message {
	cp := *m
	cp.History = slices.Clone(m.History)
	return cp
}

type msgKey struct {
	chat int64
	id   int
}

type messageState struct {
	chats     map[int64]Chat
	chatErrs  map[int64]*APIError
	nextMsgID map[int64]int
	sent      []*Message
	byKey     map[msgKey]*Message
	// incoming holds the messages users sent, as in their update, so
	// copyMessage can copy them; deleted ones are removed.
	incoming map[msgKey]map[string]any

	nextMediaGroup      int
	ignoredAlbumMarkups int
}

func (m *messageState) init() {
	m.chats = map[int64]Chat{}
	m.chatErrs = map[int64]*APIError{}
	m.nextMsgID = map[int64]int{}
	m.byKey = map[msgKey]*Message{}
	m.incoming = map[msgKey]map[string]any{}
}

// nextMessageIDLocked numbers messages per chat, shared by the user and the
// bot, as in a real private chat.
func (s *Server) nextMessageIDLocked(chatID int64) int {
	s.nextMsgID[chatID]++
	return s.nextMsgID[chatID]
}

func (s *Server) sendMessage(_ context.Context, c *Call) (any, error) {
	p := c.Params
	s.mu.Lock()
	chatID, err := s.resolveChatLocked(p["chat_id"])
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if p["text"] == "" {
		return nil, badRequest("message text is empty")
	}
	content, apiErr := buildContent(p)
	if apiErr != nil {
		return nil, apiErr
	}
	if utf8.RuneCountInString(content.Plain) > maxTextLength {
		return nil, badRequest("message is too long")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	target, err := s.targetLocked(chatID, p)
	if err != nil {
		return nil, err
	}
	if err := validateKeyboard(content.ReplyMarkup); err != nil {
		return nil, err
	}
	m := s.storeSentLocked(target, c, content, p)
	return s.messageJSONLocked(m), nil
}

// buildContent parses text, parse_mode, entities and reply_markup.
func buildContent(p map[string]string) (Content, *APIError) {
	f, err := formatText(p["text"], p["parse_mode"], p["entities"])
	if err != nil {
		return Content{}, err
	}
	kb, err := parseReplyMarkup(p["reply_markup"])
	if err != nil {
		return Content{}, err
	}
	return Content{
		Text:            p["text"],
		Plain:           f.plain,
		ParseMode:       p["parse_mode"],
		Entities:        f.entities,
		ReplyMarkup:     kb,
		ReplyMarkupJSON: p["reply_markup"],
		DisablePreview:  previewDisabled(p),
	}, nil
}

func previewDisabled(p map[string]string) bool {
	if boolParam(p, "disable_web_page_preview") {
		return true
	}
	var opts struct {
		IsDisabled bool `json:"is_disabled"`
	}
	return decodeJSON(p["link_preview_options"], &opts) == nil && opts.IsDisabled
}

func (s *Server) editMessageText(_ context.Context, c *Call) (any, error) {
	if c.Params["text"] == "" {
		return nil, badRequest("message text is empty")
	}
	content, err := buildContent(c.Params)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(content.Plain) > maxTextLength {
		return nil, badRequest("message is too long")
	}
	return s.edit(c, func(m *Message) (Content, *APIError) {
		if m.Media != "" {
			return Content{}, badRequest("there is no text in the message to edit")
		}
		return content, nil
	})
}

func (s *Server) editMessageReplyMarkup(_ context.Context, c *Call) (any, error) {
	kb, err := parseReplyMarkup(c.Params["reply_markup"])
	if err != nil {
		return nil, err
	}
	return s.edit(c, func(m *Message) (Content, *APIError) {
		next := m.Content
		next.ReplyMarkup = kb
		next.ReplyMarkupJSON = c.Params["reply_markup"]
		return next, nil
	})
}

// edit applies change to a message the bot sent; change refuses edits that
// do not fit the message (text of a photo). Omitting reply_markup removes
// the keyboard, exactly like Telegram, which surprises bots that edit only
// the text.
func (s *Server) edit(c *Call, change func(*Message) (Content, *APIError)) (any, error) {
	p := c.Params
	if p["inline_message_id"] != "" {
		return nil, badRequest("MESSAGE_ID_INVALID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	chatID, err := s.resolveChatLocked(p["chat_id"])
	if err != nil {
		return nil, err
	}
	msgID := int(intParam(p, "message_id"))
	if msgID == 0 {
		return nil, badRequest("message identifier is not specified")
	}
	if err := s.chatErrorLocked(chatID); err != nil {
		return nil, err
	}
	if err := s.channelMemberLocked(chatID); err != nil {
		return nil, err
	}
	key := msgKey{chatID, msgID}
	m := s.byKey[key]
	if m == nil || m.Deleted {
		if s.incoming[key] != nil {
			return nil, badRequest("message can't be edited")
		}
		return nil, badRequest("message to edit not found")
	}
	if err := s.channelEditLocked(chatID); err != nil {
		return nil, err
	}
	next, apiErr := change(m)
	if apiErr != nil {
		return nil, apiErr
	}
	if err := validateKeyboard(next.ReplyMarkup); err != nil {
		return nil, err
	}
	if sameContent(m.Content, next) {
		return nil, badRequest(errNotModified)
	}
	m.History = append(m.History, m.Content)
	m.Content = next
	m.Edited = true
	s.notifyLocked()
	return s.messageJSONLocked(m), nil
}

func sameContent(a, b Content) bool {
	return a.Plain == b.Plain &&
		(len(a.Entities) == 0 && len(b.Entities) == 0 || canonicalJSON(a.Entities) == canonicalJSON(b.Entities)) &&
		canonicalJSON(inlineMarkup(a.ReplyMarkupJSON)) == canonicalJSON(inlineMarkup(b.ReplyMarkupJSON))
}

func (s *Server) deleteMessage(_ context.Context, c *Call) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	chatID, err := s.resolveChatLocked(c.Params["chat_id"])
	if err != nil {
		return nil, err
	}
	if err := s.chatErrorLocked(chatID); err != nil {
		return nil, err
	}
	if err := s.channelMemberLocked(chatID); err != nil {
		return nil, err
	}
	key := msgKey{chatID, int(intParam(c.Params, "message_id"))}
	if m := s.byKey[key]; m != nil && !m.Deleted {
		if err := s.channelDeleteLocked(chatID, true); err != nil {
			return nil, err
		}
		m.Deleted = true
		s.notifyLocked()
		return true, nil
	}
	if s.incoming[key] != nil {
		if err := s.channelDeleteLocked(chatID, false); err != nil {
			return nil, err
		}
		delete(s.incoming, key)
		return true, nil
	}
	return nil, badRequest("message to delete not found")
}
