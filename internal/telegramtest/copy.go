package telegramtest

import (
	"context"
	"fmt"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// copyMessage follows the Bot API server's process_copy_message_query: the
// message to copy is looked up in from_chat_id first ("message to copy not
// found" for one that is not there, or was deleted), then the target is
// checked like any send (the chat, the forum topic, the rights). Media are
// copied with their file and, unless a caption parameter is given (even an
// empty one), their caption; a text message keeps its text and entities
// (TDLib replaces only a media message's caption). Service messages cannot
// be copied. The result is a MessageId, {"message_id": N}, not a Message.
func (s *Server) copyMessage(_ context.Context, c *Call) (any, error) {
	p := c.Params
	s.mu.Lock()
	defer s.mu.Unlock()
	chatID, err := s.resolveChatLocked(p["chat_id"])
	if err != nil {
		return nil, err
	}
	if p["from_chat_id"] == "" {
		return nil, badRequest("parameter \"from_chat_id\" is required")
	}
	fromID, err := s.resolveChatLocked(p["from_chat_id"])
	if err != nil {
		return nil, err
	}
	msgID := int(intParam(p, "message_id"))
	src, ok := s.copySourceLocked(fromID, msgID)
	if !ok {
		return nil, badRequest("message to copy not found")
	}
	if src.Media == "" && src.Plain == "" {
		return nil, badRequest("message can't be copied")
	}
	target, err := s.targetLocked(chatID, p)
	if err != nil {
		return nil, err
	}
	content := Content{Text: src.Text, Plain: src.Plain, ParseMode: src.ParseMode, Entities: src.Entities}
	if _, replace := p["caption"]; replace && src.Media != "" {
		var apiErr *APIError
		if content, apiErr = buildCaption(p); apiErr != nil {
			return nil, apiErr
		}
		if captionTooLong(content) {
			return nil, badRequest(errCaptionTooLong)
		}
	}
	kb, apiErr := parseReplyMarkup(p["reply_markup"])
	if apiErr != nil {
		return nil, apiErr
	}
	if err := validateKeyboard(kb); err != nil {
		return nil, err
	}
	content.ReplyMarkup, content.ReplyMarkupJSON = kb, p["reply_markup"]
	m := s.storeSentLocked(target, c, content, p)
	m.Media, m.FileID, m.FileName = src.Media, src.FileID, src.FileName
	m.CopyOf = MessageRef{ChatID: fromID, MessageID: msgID}
	return map[string]any{"message_id": m.MessageID}, nil
}

// MessageRef names a message: its chat and its id there.
type MessageRef struct {
	ChatID    int64
	MessageID int
}

// copySourceLocked returns what a message shows, whoever sent it: one of
// the bot's (not deleted) or one a user sent (still there).
func (s *Server) copySourceLocked(chatID int64, msgID int) (Message, bool) {
	key := msgKey{chatID, msgID}
	if m := s.byKey[key]; m != nil {
		if m.Deleted {
			return Message{}, false
		}
		return m.snapshot(), true
	}
	in := s.incoming[key]
	if in == nil {
		return Message{}, false
	}
	out := Message{ChatID: chatID, MessageID: msgID}
	text, _ := in["text"].(string)
	ents, _ := in["entities"].([]tgbotapi.MessageEntity)
	for _, media := range []string{"photo", "document", "voice", "video", "sticker"} {
		if v, ok := in[media]; ok {
			out.Media, out.FileID, out.FileName = media, incomingFileID(v), incomingFileName(v)
			text, _ = in["caption"].(string)
			ents, _ = in["caption_entities"].([]tgbotapi.MessageEntity)
			break
		}
	}
	out.Text, out.Plain, out.Entities = text, text, ents
	return out, true
}

// incomingFileID reads the file_id of an update's media field: the largest
// size of a photo, the file of anything else.
func incomingFileID(v any) string {
	switch m := v.(type) {
	case []map[string]any:
		if len(m) > 0 {
			id, _ := m[len(m)-1]["file_id"].(string)
			return id
		}
	case map[string]any:
		id, _ := m["file_id"].(string)
		return id
	}
	return ""
}

func incomingFileName(v any) string {
	if m, ok := v.(map[string]any); ok {
		name, _ := m["file_name"].(string)
		return name
	}
	return ""
}

// Incoming is a message a user writes, for SendIncoming: a text, or a
// photo, a document or a voice message with an optional caption, in a
// forum topic (ThreadID) or as a reply (ReplyTo, a message id in the same
// chat).
type Incoming struct {
	Text     string
	Photo    bool
	Document string // file name of a document
	Voice    bool
	// Contact is a phone number the user shares as their own contact
	// (the message's contact, as Telegram's "Share my contact" sends it).
	Contact  string
	Caption  string
	ThreadID int
	ReplyTo  int
}

// SendIncoming queues a message from a user as Telegram delivers it. Like
// Telegram's clients it keeps to Telegram's limits: a text of 1 to 4096
// characters, a caption of at most 1024; a topic must exist (CreateTopic,
// or one the bot created) and a reply must name a message of the chat.
// Inside a topic the message carries message_thread_id and
// is_topic_message, and a reply_to_message: the message replied to, else
// the topic's opening service message. It returns the update id.
func (s *Server) SendIncoming(chat Chat, from User, in Incoming) int {
	s.tb.Helper()
	media := in.Photo || in.Document != "" || in.Voice || in.Contact != ""
	switch {
	case !media && (in.Text == "" || utf8.RuneCountInString(in.Text) > maxTextLength):
		s.fatalf("SendIncoming: a text has 1 to %d characters, not %d", maxTextLength, utf8.RuneCountInString(in.Text))
		return 0
	case media && in.Text != "":
		s.fatalf("SendIncoming: a photo, document or voice message has a caption, not a text")
		return 0
	case in.Contact != "" && in.Caption != "":
		s.fatalf("SendIncoming: a contact has no caption")
		return 0
	case utf8.RuneCountInString(in.Caption) > maxCaptionLength:
		s.fatalf("SendIncoming: a caption has at most %d characters", maxCaptionLength)
		return 0
	}
	s.mu.Lock()
	var topic *forumTopic
	if in.ThreadID != 0 {
		if topic = s.topics[chat.ID][in.ThreadID]; topic == nil || topic.deleted {
			s.mu.Unlock()
			s.fatalf("SendIncoming: chat %d has no open topic %d", chat.ID, in.ThreadID)
			return 0
		}
	}
	var replyTo map[string]any
	if in.ReplyTo != 0 {
		if replyTo = s.messageByIDLocked(chat.ID, in.ReplyTo); replyTo == nil {
			s.mu.Unlock()
			s.fatalf("SendIncoming: chat %d has no message %d to reply to", chat.ID, in.ReplyTo)
			return 0
		}
	}
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	uid := fmt.Sprintf("%d_%d", chat.ID, m["message_id"])
	switch {
	case in.Photo:
		m["photo"] = s.photoLocked("AQADphoto" + uid)
	case in.Document != "":
		f := s.registerFileLocked("BQACAgIAAxkBAAE"+"AgADdoc"+uid, "AgADdoc"+uid, kindDocument, 73219, 0, 0, "")
		f.name = in.Document
		m["document"] = map[string]any{"file_id": f.id, "file_unique_id": f.uniqueID, "file_name": in.Document,
			"mime_type": mimeType(in.Document), "file_size": f.size}
	case in.Voice:
		f := s.registerFileLocked("AwACAgIAAxkBAAE"+"AgADvoice"+uid, "AgADvoice"+uid, kindVoice, 9182, 0, 0, "")
		m["voice"] = map[string]any{"file_id": f.id, "file_unique_id": f.uniqueID, "duration": 3,
			"mime_type": "audio/ogg", "file_size": f.size}
	case in.Contact != "":
		m["contact"] = map[string]any{"phone_number": in.Contact, "first_name": from.FirstName, "user_id": from.ID}
	default:
		setText(m, "text", in.Text)
	}
	if media && in.Caption != "" {
		setText(m, "caption", in.Caption)
	}
	if topic != nil {
		m["message_thread_id"] = in.ThreadID
		m["is_topic_message"] = true
		if replyTo == nil {
			replyTo = map[string]any{"message_id": in.ThreadID, "from": from, "chat": chat, "date": m["date"],
				"message_thread_id": in.ThreadID, "is_topic_message": true,
				"forum_topic_created": map[string]any{"name": topic.name, "icon_color": topic.iconColor}}
		}
	}
	if replyTo != nil {
		m["reply_to_message"] = replyTo
	}
	return s.enqueueLocked("message", m)
}

// messageByIDLocked renders a message of the chat as a reply_to_message:
// one the bot sent, or one a user sent.
func (s *Server) messageByIDLocked(chatID int64, msgID int) map[string]any {
	key := msgKey{chatID, msgID}
	if m := s.byKey[key]; m != nil && !m.Deleted {
		return s.messageJSONLocked(m)
	}
	if in := s.incoming[key]; in != nil {
		cp := make(map[string]any, len(in))
		for k, v := range in {
			if k != "reply_to_message" {
				cp[k] = v
			}
		}
		return cp
	}
	return nil
}

// HasCopyOf matches messages the bot made with copyMessage from message
// msgID of chat fromChat.
func HasCopyOf(fromChat int64, msgID int) func(Message) bool {
	return func(m Message) bool { return m.CopyOf == MessageRef{ChatID: fromChat, MessageID: msgID} }
}
