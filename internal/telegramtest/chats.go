package telegramtest

// Per-chat failures. They model the permanent delivery errors a sender must
// map to subscriber changes (see internal/tgerr, which classifies them). They apply to every method addressed to the chat: sending,
// editing, deleting, chat actions.

// Block makes the chat fail like a user who blocked the bot.
func (s *Server) Block(chatID int64) {
	s.setChatError(chatID, forbidden("bot was blocked by the user"))
}

// Deactivate makes the chat fail like a deleted account.
func (s *Server) Deactivate(chatID int64) {
	s.setChatError(chatID, forbidden("user is deactivated"))
}

// Kick makes the chat fail like a group the bot was removed from; the
// wording follows the chat's type (group, supergroup, channel).
func (s *Server) Kick(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatErrs[chatID] = s.kickedErrorLocked(chatID)
	s.notifyLocked()
}

func (s *Server) kickedErrorLocked(chatID int64) *APIError {
	switch s.chatLocked(chatID).Type {
	case "supergroup":
		return forbidden("bot was kicked from the supergroup chat")
	case "channel":
		return forbidden("bot was kicked from the channel chat")
	default:
		return forbidden("bot was kicked from the group chat")
	}
}

// ChatNotFound makes the chat fail like an id Telegram does not know.
func (s *Server) ChatNotFound(chatID int64) {
	s.setChatError(chatID, badRequest("chat not found"))
}

// Migrate makes the group fail like one upgraded to a supergroup: 400 with
// parameters.migrate_to_chat_id, the only way a sender learns the new id.
// The new chat becomes a known supergroup with the same title.
func (s *Server) Migrate(chatID, newChatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.migrateLocked(chatID, newChatID)
}

func (s *Server) migrateLocked(chatID, newChatID int64) {
	e := badRequest("group chat was upgraded to a supergroup chat")
	e.MigrateToChatID = newChatID
	s.chatErrs[chatID] = e
	old := s.chatLocked(chatID)
	s.rememberChatLocked(Chat{ID: newChatID, Type: "supergroup", Title: old.Title, Username: old.Username})
	s.notifyLocked()
}

// FailChat makes every request addressed to the chat fail with the given
// error, for failures without a dedicated helper (e.g. 403 "Forbidden: bot
// can't initiate conversation with a user").
func (s *Server) FailChat(chatID int64, err *APIError) {
	s.setChatError(chatID, err)
}

// Unblock clears any failure set on the chat.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.chatErrs, chatID)
	s.notifyLocked()
}

func (s *Server) setChatError(chatID int64, e *APIError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatErrs[chatID] = e
	s.notifyLocked()
}

func (s *Server) chatErrorLocked(chatID int64) error {
	if e, ok := s.chatErrs[chatID]; ok {
		cp := *e
		return &cp
	}
	return nil
}
