package telegramtest

import "time"

// Telegram's service accounts. When a group's anonymous admin or a channel
// writes in a group, the Bot API fills "from" with one of these placeholder
// users and puts the real author in "sender_chat"; a bot that trusts
// from.id to decide who may do what must not mistake them for people.
const (
	// AnonymousAdminID is @GroupAnonymousBot, "from" of messages an
	// anonymous admin writes in their own group.
	AnonymousAdminID = 1087968824
	// ChannelBotID is @Channel_Bot, "from" of messages a channel writes in a
	// group (a linked channel's admin posting as the channel).
	ChannelBotID = 136817688
	// TelegramServiceID is the "Telegram" service account, "from" of the
	// automatic forwards of a channel's posts into its discussion group.
	TelegramServiceID = 777000
)

// AnonymousAdmin is the user Telegram puts in "from" for an anonymous
// group admin.
func AnonymousAdmin() User {
	return User{ID: AnonymousAdminID, IsBot: true, FirstName: "Group", Username: "GroupAnonymousBot"}
}

// ChannelBot is the user Telegram puts in "from" for a channel writing in a
// group.
func ChannelBot() User {
	return User{ID: ChannelBotID, IsBot: true, FirstName: "Channel", Username: "Channel_Bot"}
}

// TelegramService is the user Telegram puts in "from" of automatic
// forwards; unlike the other two it is not a bot.
func TelegramService() User {
	return User{ID: TelegramServiceID, FirstName: "Telegram"}
}

// SendTextAsChat queues a message written in chat (a group or supergroup) on
// behalf of sender: the group itself for an anonymous admin (from is
// GroupAnonymousBot), or a channel (from is Channel_Bot), with sender_chat =
// sender, as the Bot API server builds them. Commands get their bot_command
// entities as in SendText.
func (s *Server) SendTextAsChat(chat Chat, sender Chat, text string) int {
	s.tb.Helper()
	if chat.Type == "private" || chat.Type == "channel" {
		s.fatalf("SendTextAsChat: chat %d is a %s; only groups have messages sent as a chat (use SendChannelPost for channels)", chat.ID, chat.Type)
		return 0
	}
	if sender.Type == "private" {
		s.fatalf("SendTextAsChat: sender %d is a private chat; use SendText for users", sender.ID)
		return 0
	}
	from := ChannelBot()
	if sender.ID == chat.ID {
		from = AnonymousAdmin()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	s.rememberChatLocked(sender)
	m["sender_chat"] = sender
	setText(m, "text", text)
	return s.enqueueLocked("message", m)
}

// SendAutoForward queues the copy of a channel post that Telegram forwards
// automatically into the channel's discussion supergroup: from is the
// Telegram service account (777000), sender_chat the channel,
// is_automatic_forward true, and the forward origin points at a new post in
// the channel. Bots that treat it as an ordinary group message answer every
// channel post.
func (s *Server) SendAutoForward(chat Chat, channel Chat, text string) int {
	s.tb.Helper()
	if chat.Type != "supergroup" {
		s.fatalf("SendAutoForward: chat %d is a %s; automatic forwards only go to supergroups", chat.ID, chat.Type)
		return 0
	}
	if channel.Type != "channel" {
		s.fatalf("SendAutoForward: %d is a %s, not a channel", channel.ID, channel.Type)
		return 0
	}
	from := TelegramService()
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	s.rememberChatLocked(channel)
	post := s.nextMessageIDLocked(channel.ID)
	date := time.Now().Unix()
	m["sender_chat"] = channel
	m["is_automatic_forward"] = true
	// Both the current forward_origin and the legacy fields the library
	// (Bot API 5.5) reads: the server still sends both.
	m["forward_origin"] = map[string]any{"type": "channel", "chat": channel, "message_id": post, "date": date}
	m["forward_from_chat"] = channel
	m["forward_from_message_id"] = post
	m["forward_date"] = date
	setText(m, "text", text)
	return s.enqueueLocked("message", m)
}
