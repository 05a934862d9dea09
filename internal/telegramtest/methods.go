package telegramtest

import "context"

// dispatch runs the custom handler for method if one is installed, else the
// built-in one.
func (s *Server) dispatch(ctx context.Context, lower string, c *Call) reply {
	s.mu.Lock()
	custom := s.handlers[lower]
	s.mu.Unlock()
	if custom != nil {
		res, err := custom(c.snapshot())
		return resultReply(res, err)
	}
	h, ok := s.builtin(lower)
	if !ok {
		return errorReply(errNotFound)
	}
	res, err := h(ctx, c)
	return resultReply(res, err)
}

type builtinHandler func(ctx context.Context, c *Call) (any, error)

func (s *Server) builtin(method string) (builtinHandler, bool) {
	switch method {
	case "getme":
		return func(context.Context, *Call) (any, error) { return s.getMe(), nil }, true
	case "getupdates":
		return s.getUpdates, true
	case "deletewebhook":
		return s.deleteWebhook, true
	case "setwebhook":
		return s.setWebhook, true
	case "getwebhookinfo":
		return s.getWebhookInfo, true
	case "sendmessage":
		return s.sendMessage, true
	case "editmessagetext":
		return s.editMessageText, true
	case "editmessagereplymarkup":
		return s.editMessageReplyMarkup, true
	case "deletemessage":
		return s.deleteMessage, true
	case "answercallbackquery":
		return s.answerCallbackQuery, true
	case "setmycommands":
		return s.setMyCommands, true
	case "deletemycommands":
		return s.deleteMyCommands, true
	case "getmycommands":
		return s.getMyCommands, true
	case "getchat":
		return s.getChat, true
	case "sendphoto":
		return s.sendPhoto, true
	case "senddocument":
		return s.sendDocument, true
	case "sendmediagroup":
		return s.sendMediaGroup, true
	case "editmessagecaption":
		return s.editMessageCaption, true
	case "getfile":
		return s.getFile, true
	case "getchatmember":
		return s.getChatMember, true
	case "createforumtopic":
		return s.createForumTopic, true
	case "copymessage":
		return s.copyMessage, true
	case "answerinlinequery":
		return s.answerInlineQuery, true
	}
	if trivialMethods[method] {
		return s.trivial, true
	}
	return nil, false
}

// trivialMethods succeed with "true" and change nothing the fake models;
// they are accepted so a bot using them is not mistaken for a broken one.
var trivialMethods = map[string]bool{
	"sendchataction":                  true,
	"leavechat":                       true,
	"pinchatmessage":                  true,
	"unpinchatmessage":                true,
	"unpinallchatmessages":            true,
	"setmydescription":                true,
	"setmyshortdescription":           true,
	"setmyname":                       true,
	"setchatmenubutton":               true,
	"setmydefaultadministratorrights": true,
	"logout":                          true,
	"close":                           true,
}

func (s *Server) trivial(_ context.Context, c *Call) (any, error) {
	if raw, ok := c.Params["chat_id"]; ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		id, err := s.resolveChatLocked(raw)
		if err != nil {
			return nil, err
		}
		if err := s.chatErrorLocked(id); err != nil {
			return nil, err
		}
		if err := s.channelMemberLocked(id); err != nil {
			return nil, err
		}
	}
	return true, nil
}

func (s *Server) getMe() map[string]any {
	return map[string]any{
		"id":                          s.bot.ID,
		"is_bot":                      true,
		"first_name":                  s.bot.FirstName,
		"username":                    s.bot.Username,
		"can_join_groups":             true,
		"can_read_all_group_messages": false,
		"supports_inline_queries":     s.inlineMode,
	}
}

func (s *Server) getChat(_ context.Context, c *Call) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.resolveChatLocked(c.Params["chat_id"])
	if err != nil {
		return nil, err
	}
	if err := s.chatErrorLocked(id); err != nil {
		return nil, err
	}
	return s.chatLocked(id), nil
}
