package telegramtest

import (
	"context"
	"strconv"
	"strings"
	"unicode"
)

// Forum topics. A topic's id (message_thread_id) is the id of the service
// message that opened it. The Bot API server checks message_thread_id only
// for forums and private chats (Client.cpp check_message_topic): in a forum
// an unknown or deleted topic, or the General topic (1), is "message thread
// not found"; in a private chat without topics too; elsewhere the parameter
// is ignored and the message goes to the chat itself.

const (
	maxTopicName     = 128 // TDLib MAX_FORUM_TOPIC_TITLE_LENGTH; longer names are cut
	generalTopicID   = 1   // Client.cpp GENERAL_FORUM_TOPIC_ID
	defaultTopicIcon = 7322096
	errThreadMissing = "message thread not found"
)

type forumTopic struct {
	name      string
	iconColor int
	deleted   bool
}

type topicState struct {
	topics      map[int64]map[int]*forumTopic
	topicRights map[int64]bool // chat -> the bot is an admin with can_manage_topics
}

func (t *topicState) init() {
	t.topics = map[int64]map[int]*forumTopic{}
	t.topicRights = map[int64]bool{}
}

// ForumGroup returns a supergroup with topics (is_forum). The fake knows it
// once it appears in an update or through KnowChat.
func ForumGroup(chatID int64, title string) Chat {
	return Chat{ID: chatID, Type: "supergroup", Title: title, IsForum: true}
}

// SetTopicRights makes the bot an administrator of the forum with
// can_manage_topics (true) or an ordinary member (false), which is what
// getChatMember reports and createForumTopic needs.
func (s *Server) SetTopicRights(chatID int64, canManageTopics bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.topicRights[chatID] = canManageTopics
	s.notifyLocked()
}

// CreateTopic opens a topic in a known forum, as a member would, and
// returns its message_thread_id. No update is queued for it.
func (s *Server) CreateTopic(chatID int64, name string) int {
	s.tb.Helper()
	s.mu.Lock()
	if c := s.chats[chatID]; !c.IsForum {
		s.mu.Unlock()
		s.fatalf("CreateTopic: chat %d is not a known forum; KnowChat(ForumGroup(...)) first", chatID)
		return 0
	}
	defer s.mu.Unlock()
	return s.newTopicLocked(chatID, name, defaultTopicIcon)
}

func (s *Server) newTopicLocked(chatID int64, name string, icon int) int {
	// Id 1 is the General topic's (a forum's first service message); a
	// new topic's id is that of the message that created it, after it.
	s.nextMsgID[chatID] = max(s.nextMsgID[chatID], generalTopicID)
	id := s.nextMessageIDLocked(chatID)
	if s.topics[chatID] == nil {
		s.topics[chatID] = map[int]*forumTopic{}
	}
	s.topics[chatID][id] = &forumTopic{name: name, iconColor: icon}
	s.notifyLocked()
	return id
}

// DeleteTopic deletes a topic with all its messages, as deleteForumTopic
// does: sending to it fails with "message thread not found" from now on,
// and the bot's messages in it are marked Deleted.
func (s *Server) DeleteTopic(chatID int64, threadID int) {
	s.tb.Helper()
	s.mu.Lock()
	t := s.topics[chatID][threadID]
	if t == nil {
		s.mu.Unlock()
		s.fatalf("DeleteTopic: chat %d has no topic %d", chatID, threadID)
		return
	}
	defer s.mu.Unlock()
	t.deleted = true
	for _, m := range s.sent {
		if m.ChatID == chatID && m.ThreadID == threadID {
			m.Deleted = true
		}
	}
	for k, m := range s.incoming {
		if k.chat == chatID && m["message_thread_id"] == threadID {
			delete(s.incoming, k)
		}
	}
	s.notifyLocked()
}

// threadLocked resolves message_thread_id for a send to chatID.
func (s *Server) threadLocked(chatID int64, p map[string]string) (int, error) {
	id, _ := strconv.Atoi(strings.TrimSpace(p["message_thread_id"]))
	if id <= 0 {
		return 0, nil
	}
	c, known := s.chats[chatID]
	switch {
	case known && c.Type == "supergroup" && c.IsForum:
		if t := s.topics[chatID][id]; id == generalTopicID || t == nil || t.deleted {
			return 0, badRequest(errThreadMissing)
		}
		return id, nil
	case known && c.Type == "private":
		return 0, badRequest(errThreadMissing)
	default:
		return 0, nil
	}
}

// createForumTopic follows TDLib's ForumTopicManager::create_forum_topic:
// the chat must be a forum, the bot needs can_manage_topics, and the name is
// cleaned and cut to 128 characters, not refused.
func (s *Server) createForumTopic(_ context.Context, c *Call) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	chatID, err := s.resolveChatLocked(c.Params["chat_id"])
	if err != nil {
		return nil, err
	}
	if err := s.chatErrorLocked(chatID); err != nil {
		return nil, err
	}
	if ch := s.chatLocked(chatID); ch.Type != "supergroup" || !ch.IsForum {
		return nil, badRequest("the chat is not a forum")
	}
	if !s.topicRights[chatID] {
		return nil, badRequest("not enough rights to create a topic")
	}
	name := cleanName(c.Params["name"], maxTopicName)
	if name == "" {
		return nil, badRequest("title must be non-empty")
	}
	icon := int(intParam(c.Params, "icon_color"))
	if icon < 0 || icon > 0xFFFFFF {
		return nil, badRequest("invalid icon color specified")
	}
	if icon == 0 {
		icon = defaultTopicIcon
	}
	id := s.newTopicLocked(chatID, name, icon)
	return map[string]any{"message_thread_id": id, "name": name, "icon_color": icon}, nil
}

// cleanName is TDLib's clean_name: control characters become spaces,
// surrounding space goes, and the result is cut to limit characters.
func cleanName(name string, limit int) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > limit {
		name = strings.TrimSpace(string(r[:limit]))
	}
	return name
}

// SendTextInTopic queues a message a user wrote in a forum topic: it
// carries message_thread_id, is_topic_message and, as on Telegram, a
// reply_to_message pointing at the topic's opening service message, which
// is not a reply the user made. Commands get their entities as in SendText.
func (s *Server) SendTextInTopic(chat Chat, from User, threadID int, text string) int {
	s.tb.Helper()
	s.mu.Lock()
	t := s.topics[chat.ID][threadID]
	if t == nil || t.deleted {
		s.mu.Unlock()
		s.fatalf("SendTextInTopic: chat %d has no open topic %d (CreateTopic first)", chat.ID, threadID)
		return 0
	}
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	m["message_thread_id"] = threadID
	m["is_topic_message"] = true
	m["reply_to_message"] = map[string]any{
		"message_id":          threadID,
		"from":                from,
		"chat":                chat,
		"date":                m["date"],
		"message_thread_id":   threadID,
		"forum_topic_created": map[string]any{"name": t.name, "icon_color": t.iconColor},
		"is_topic_message":    true,
	}
	setText(m, "text", text)
	return s.enqueueLocked("message", m)
}
