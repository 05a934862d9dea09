package telegramtest

import (
	"fmt"
	"time"
)

// supergroupIDs is where Telegram's supergroup and channel ids begin
// (-100xxxxxxxxxx); basic groups have small negative ids.
const supergroupIDs = -1000000000000

// User is a Telegram user as it appears in updates. Its JSON is the real
// Bot API shape, so the library decodes it like a live update.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Chat is a Telegram chat as it appears in updates.
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	// IsForum is true for a supergroup with topics (ForumGroup).
	IsForum bool `json:"is_forum,omitempty"`
}

// NewUser returns a human user with a predictable name; lang becomes
// language_code, which is how residents get their language ("" omits it,
// as Telegram does for some clients).
func NewUser(id int64, lang string) User {
	return User{
		ID:           id,
		FirstName:    fmt.Sprintf("User%d", id),
		Username:     fmt.Sprintf("user%d", id),
		LanguageCode: lang,
	}
}

// PrivateChat returns a user and their private chat with the bot; in a
// private chat the chat id equals the user id.
func PrivateChat(userID int64, lang string) (Chat, User) {
	u := NewUser(userID, lang)
	return Chat{ID: userID, Type: "private", Username: u.Username, FirstName: u.FirstName}, u
}

// Group returns a group chat; ids at or below -1000000000000 are
// supergroups, as on Telegram.
func Group(chatID int64, title string) Chat {
	typ := "group"
	if chatID <= supergroupIDs {
		typ = "supergroup"
	}
	return Chat{ID: chatID, Type: typ, Title: title}
}

// Channel returns a channel chat, for channel_post updates.
func Channel(chatID int64, title string) Chat {
	return Chat{ID: chatID, Type: "channel", Title: title}
}

// userMessageLocked starts a message from a user (or, with from == nil, a
// channel post) with a fresh per-chat message_id.
func (s *Server) userMessageLocked(chat Chat, from *User) map[string]any {
	s.rememberChatLocked(chat)
	id := s.nextMessageIDLocked(chat.ID)
	m := map[string]any{
		"message_id": id,
		"chat":       chat,
		"date":       time.Now().Unix(),
	}
	s.incoming[msgKey{chat.ID, id}] = m
	if from != nil {
		m["from"] = *from
	} else {
		m["sender_chat"] = chat
	}
	return m
}

func setText(m map[string]any, field, text string) {
	m[field] = text
	if ents := detectEntities(text); len(ents) > 0 {
		if field == "caption" {
			m["caption_entities"] = ents
		} else {
			m["entities"] = ents
		}
	}
}

// SendText queues a text message from a user. Commands ("/start",
// "/start@bot payload") and @mentions get the entities Telegram adds, which
// is how the library's IsCommand and Command find them.
func (s *Server) SendText(chat Chat, from User, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	setText(m, "text", text)
	return s.enqueueLocked("message", m)
}

// SendEdited queues an edited_message: the user changed an earlier message
// (messageID from IncomingMessageID) to text.
func (s *Server) SendEdited(chat Chat, from User, messageID int, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rememberChatLocked(chat)
	now := time.Now().Unix()
	m := map[string]any{
		"message_id": messageID,
		"from":       from,
		"chat":       chat,
		"date":       now - 1,
		"edit_date":  now,
	}
	setText(m, "text", text)
	return s.enqueueLocked("edited_message", m)
}

// SendChannelPost queues a channel_post (no "from", a sender_chat instead).
func (s *Server) SendChannelPost(chat Chat, text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, nil)
	setText(m, "text", text)
	return s.enqueueLocked("channel_post", m)
}

// SendSticker queues a sticker message: a message without text, which a
// bot must not mistake for an empty command.
func (s *Server) SendSticker(chat Chat, from User, emoji string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	uid := fmt.Sprintf("AgADsticker%d", m["message_id"])
	m["sticker"] = map[string]any{
		"file_id":        "CAACAgIAAxkBAAE" + uid,
		"file_unique_id": uid,
		"type":           "regular",
		"width":          512,
		"height":         512,
		"is_animated":    false,
		"is_video":       false,
		"emoji":          emoji,
		"file_size":      23456,
	}
	return s.enqueueLocked("message", m)
}

// SendCallback queues a callback_query, as when the user presses an inline
// button with data under the bot's message messageID. It returns the update
// id and the callback query id to expect in answerCallbackQuery. The
// attached message is the stored bot message when known, so its text and
// keyboard are the current ones.
func (s *Server) SendCallback(chat Chat, from User, messageID int, data string) (updateID int, callbackID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rememberChatLocked(chat)
	var msg map[string]any
	if m := s.byKey[msgKey{chat.ID, messageID}]; m != nil {
		msg = s.messageJSONLocked(m)
	} else {
		msg = map[string]any{
			"message_id": messageID,
			"from":       s.bot,
			"chat":       chat,
			"date":       time.Now().Unix(),
		}
	}
	callbackID = s.newCallbackLocked(chat.ID)
	q := map[string]any{
		"id":            callbackID,
		"from":          from,
		"message":       msg,
		"chat_instance": fmt.Sprintf("%d", chatInstance(chat.ID)),
		"data":          data,
	}
	return s.enqueueLocked("callback_query", q), callbackID
}

// chatInstance mimics Telegram's opaque, stable per-chat number.
func chatInstance(chatID int64) uint64 {
	return uint64(chatID)*2654435761 + 0x5bd1e995
}

// SendMyChatMember queues a my_chat_member update: the bot's own status in
// chat changed from oldStatus to newStatus ("member", "kicked", "left",
// "administrator"), performed by from. The matching delivery behaviour is
// applied too, since that is what Telegram does: in a private chat "kicked"
// means the user blocked the bot (Block), in a group "kicked"/"left" means
// the bot was removed (Kick); "member"/"administrator" clears it.
func (s *Server) SendMyChatMember(chat Chat, from User, oldStatus, newStatus string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rememberChatLocked(chat)
	switch newStatus {
	case "kicked", "left":
		if chat.Type == "private" {
			s.chatErrs[chat.ID] = forbidden("bot was blocked by the user")
		} else {
			s.chatErrs[chat.ID] = s.kickedErrorLocked(chat.ID)
		}
	case "member", "administrator", "creator":
		delete(s.chatErrs, chat.ID)
	}
	member := func(status string) map[string]any {
		m := map[string]any{"user": s.bot, "status": status}
		if status == "kicked" {
			m["until_date"] = 0
		}
		return m
	}
	return s.enqueueLocked("my_chat_member", map[string]any{
		"chat":            chat,
		"from":            from,
		"date":            time.Now().Unix(),
		"old_chat_member": member(oldStatus),
		"new_chat_member": member(newStatus),
	})
}

// SendMigration simulates a group upgraded to a supergroup: the service
// message with migrate_to_chat_id in the old group, then the one with
// migrate_from_chat_id in the new supergroup. Sending to the old id fails
// with migrate_to_chat_id afterwards. It returns the first update's id.
func (s *Server) SendMigration(group Chat, from User, newChatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.migrateLocked(group.ID, newChatID)
	old := s.userMessageLocked(group, &from)
	old["migrate_to_chat_id"] = newChatID
	first := s.enqueueLocked("message", old)
	super := s.chatLocked(newChatID)
	m := s.userMessageLocked(super, &from)
	m["migrate_from_chat_id"] = group.ID
	s.enqueueLocked("message", m)
	return first
}
