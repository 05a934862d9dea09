package telegramtest

import "strconv"

// The chats the bot knows: every chat that appeared in an incoming update
// (or was declared with KnowChat). Sending works to any id, as the bot may
// write to someone who started it before the test began, but Telegram looks
// some chats up first and fails for strangers.

// resolveChatLocked parses chat_id: a number, or @username of a known chat.
func (s *Server) resolveChatLocked(raw string) (int64, error) {
	if raw == "" {
		return 0, badRequest("chat_id is empty")
	}
	if raw[0] == '@' {
		for id, c := range s.chats {
			if c.Username != "" && "@"+c.Username == raw {
				return id, nil
			}
		}
		return 0, badRequest("chat not found")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

// chatLocked returns the chat as Telegram would describe it. Unknown ids
// are accepted (the bot may write to anyone who started it earlier) and
// get a plausible chat object derived from the id's sign and range.
func (s *Server) chatLocked(id int64) Chat {
	if c, ok := s.chats[id]; ok {
		return c
	}
	switch {
	case id > 0:
		c, _ := PrivateChat(id, "")
		return c
	default:
		return Group(id, "Group "+strconv.FormatInt(-id, 10))
	}
}

func (s *Server) rememberChatLocked(c Chat) {
	s.chats[c.ID] = c
}

// knownScopeLocked fails like Telegram for a per-chat scope naming a chat
// the bot has never seen: the Bot API server looks the chat up before it
// stores anything, and a private chat exists for the bot only once the user
// wrote to it. So a menu cannot be prepared for an official who has not
// written yet.
func (s *Server) knownScopeLocked(chatID int64) *APIError {
	if chatID == 0 {
		return nil
	}
	if _, ok := s.chats[chatID]; !ok {
		return badRequest("chat not found")
	}
	return nil
}

// KnowChat makes the chat known to the bot without queuing an update, as if
// it had written long ago (before the test began); per-chat command scopes
// need it.
func (s *Server) KnowChat(chat Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rememberChatLocked(chat)
	s.notifyLocked()
}
