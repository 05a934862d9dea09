package telegramtest

import (
	"context"
	"strconv"
)

// Channels. A bot writes in a channel only as an administrator with
// can_post_messages; without membership the Bot API server refuses before
// TDLib is asked (Client.cpp check_chat_access), without the right TDLib
// refuses (can_send_message). Its own posts it may edit with
// can_edit_messages or can_post_messages (TDLib can_edit_message) and delete
// with can_delete_messages or can_post_messages (can_delete_channel_message).

// ChannelRights are the bot's place in a channel. A bot is in a channel
// only as an administrator, so Member means "administrator with these
// rights"; without Member it has left (or was never added).
type ChannelRights struct {
	Member            bool
	CanPostMessages   bool
	CanEditMessages   bool
	CanDeleteMessages bool
}

type channelState struct {
	rights map[int64]ChannelRights // absent: not enforced, the bot may do anything
}

func (c *channelState) init() { c.rights = map[int64]ChannelRights{} }

// PublicChannel returns a channel with a @username, which chat_id may name
// ("@" + username) once the fake knows the chat (KnowChat,
// SetChannelRights, an update).
func PublicChannel(chatID int64, title, username string) Chat {
	c := Channel(chatID, title)
	c.Username = username
	return c
}

// SetChannelRights sets the bot's membership and rights in a channel and
// enforces them from now on; changing them later lets waiting posts go out.
// Channels never given rights behave as if the bot could do everything, as
// before rights were modelled. An unknown id becomes a known channel.
func (s *Server) SetChannelRights(chatID int64, r ChannelRights) {
	s.tb.Helper()
	s.mu.Lock()
	c, known := s.chats[chatID]
	if known && c.Type != "channel" {
		s.mu.Unlock()
		s.fatalf("SetChannelRights: chat %d is a %s, not a channel", chatID, c.Type)
		return
	}
	if !known {
		s.rememberChatLocked(Channel(chatID, "Channel "+strconv.FormatInt(-chatID, 10)))
	}
	s.rights[chatID] = r
	s.notifyLocked()
	s.mu.Unlock()
}

func (s *Server) channelRightsLocked(chatID int64) (ChannelRights, bool) {
	r, ok := s.rights[chatID]
	return r, ok && s.chatLocked(chatID).Type == "channel"
}

// channelMemberLocked is the Bot API server's membership check for writing,
// editing and deleting.
func (s *Server) channelMemberLocked(chatID int64) error {
	if r, ok := s.channelRightsLocked(chatID); ok && !r.Member {
		return forbidden("bot is not a member of the channel chat")
	}
	return nil
}

func (s *Server) channelPostLocked(chatID int64) error {
	if r, ok := s.channelRightsLocked(chatID); ok && !r.CanPostMessages {
		return badRequest("need administrator rights in the channel chat")
	}
	return nil
}

func (s *Server) channelEditLocked(chatID int64) error {
	if r, ok := s.channelRightsLocked(chatID); ok && !r.CanEditMessages && !r.CanPostMessages {
		return badRequest("message can't be edited")
	}
	return nil
}

// channelDeleteLocked: the bot's own posts go with can_post_messages too,
// others' only with can_delete_messages.
func (s *Server) channelDeleteLocked(chatID int64, own bool) error {
	if r, ok := s.channelRightsLocked(chatID); ok && !r.CanDeleteMessages && !(own && r.CanPostMessages) {
		return badRequest("message can't be deleted")
	}
	return nil
}

// getChatMember answers for the bot itself from the rights the test set
// (SetChannelRights, SetTopicRights), in the Bot API's ChatMember shape;
// anyone else is an ordinary member.
func (s *Server) getChatMember(_ context.Context, c *Call) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	chatID, err := s.resolveChatLocked(c.Params["chat_id"])
	if err != nil {
		return nil, err
	}
	userID := intParam(c.Params, "user_id")
	if userID <= 0 {
		return nil, badRequest("invalid user_id specified")
	}
	if err := s.chatErrorLocked(chatID); err != nil {
		return nil, err
	}
	chat := s.chatLocked(chatID)
	r, enforced := s.channelRightsLocked(chatID)
	if chat.Type == "channel" && enforced && !r.Member && chat.Username == "" {
		// A private channel cannot even be read by a non-member.
		return nil, forbidden("bot is not a member of the channel chat")
	}
	if userID != s.bot.ID {
		return map[string]any{"user": NewUser(userID, ""), "status": "member"}, nil
	}
	switch {
	case chat.Type == "channel" && !enforced:
		return adminJSON(s.bot, chat.Type, map[string]bool{"can_post_messages": true, "can_edit_messages": true, "can_delete_messages": true}), nil
	case chat.Type == "channel" && !r.Member:
		return map[string]any{"user": s.bot, "status": "left"}, nil
	case chat.Type == "channel":
		return adminJSON(s.bot, chat.Type, map[string]bool{
			"can_post_messages": r.CanPostMessages, "can_edit_messages": r.CanEditMessages, "can_delete_messages": r.CanDeleteMessages,
		}), nil
	}
	if manage, ok := s.topicRights[chatID]; ok && manage {
		return adminJSON(s.bot, chat.Type, map[string]bool{"can_manage_topics": true}), nil
	}
	return map[string]any{"user": s.bot, "status": "member"}, nil
}

// adminJSON renders an administrator the way the Bot API server's
// json_store_administrator_rights does: which fields appear depends on the
// kind of chat; granted lists the rights that are true.
func adminJSON(u User, chatType string, granted map[string]bool) map[string]any {
	j := map[string]any{"user": u, "status": "administrator", "can_be_edited": false}
	fields := []string{"can_manage_chat", "can_change_info"}
	if chatType == "channel" {
		fields = append(fields, "can_post_messages", "can_edit_messages")
	}
	fields = append(fields, "can_delete_messages", "can_invite_users", "can_restrict_members")
	if chatType != "channel" {
		fields = append(fields, "can_pin_messages")
	}
	if chatType == "supergroup" {
		fields = append(fields, "can_manage_topics")
	}
	fields = append(fields, "can_promote_members", "can_manage_video_chats",
		"can_post_stories", "can_edit_stories", "can_delete_stories", "is_anonymous", "can_manage_voice_chats")
	for _, f := range fields {
		j[f] = granted[f]
	}
	j["can_manage_chat"] = true
	return j
}
