package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Limits on command menus (Bots FAQ).
const (
	maxCommands          = 100
	maxCommandLength     = 32
	maxCommandDescLength = 256
)

// commandKey identifies one menu: Telegram keeps a separate list per scope
// and language, and getMyCommands does not fall back between them.
type commandKey struct {
	scope string
	lang  string
}

type commandState struct {
	commands map[commandKey][]tgbotapi.BotCommand
}

func (c *commandState) init() {
	c.commands = map[commandKey][]tgbotapi.BotCommand{}
}

// Commands returns the menu stored for a scope type ("default",
// "all_private_chats", "chat", ...), chat id (0 unless the scope needs one)
// and language ("" for all languages); nil when none is set.
func (s *Server) Commands(scopeType string, chatID int64, lang string) []tgbotapi.BotCommand {
	return s.CommandsFor(tgbotapi.BotCommandScope{Type: scopeType, ChatID: chatID}, lang)
}

// CommandsFor is Commands for scopes that also need a user id
// (chat_member).
func (s *Server) CommandsFor(scope tgbotapi.BotCommandScope, lang string) []tgbotapi.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[commandKey{scopeString(scope), lang}])
}

func scopeString(sc tgbotapi.BotCommandScope) string {
	if sc.Type == "" {
		sc.Type = "default"
	}
	return fmt.Sprintf("%s/%d/%d", sc.Type, sc.ChatID, sc.UserID)
}

var scopeNeeds = map[string]struct{ chat, user bool }{
	"default":                 {},
	"all_private_chats":       {},
	"all_group_chats":         {},
	"all_chat_administrators": {},
	"chat":                    {chat: true},
	"chat_administrators":     {chat: true},
	"chat_member":             {chat: true, user: true},
}

// parseCommandKey validates scope and language_code the way every
// *MyCommands method needs them. chatID is the scope's chat (0 for scopes
// without one), which must still be checked with knownScopeLocked.
func parseCommandKey(p map[string]string) (key commandKey, chatID int64, apiErr *APIError) {
	lang := p["language_code"]
	if lang != "" && (len(lang) != 2 || !isAlpha(lang[0]) || !isAlpha(lang[1])) {
		return commandKey{}, 0, badRequest("invalid language code specified")
	}
	var sc tgbotapi.BotCommandScope
	if raw := p["scope"]; raw != "" {
		var wire struct {
			Type   string          `json:"type"`
			ChatID json.RawMessage `json:"chat_id"`
			UserID int64           `json:"user_id"`
		}
		if err := json.Unmarshal([]byte(raw), &wire); err != nil {
			return commandKey{}, 0, badRequest("can't parse BotCommandScope JSON object")
		}
		need, ok := scopeNeeds[wire.Type]
		if !ok {
			return commandKey{}, 0, badRequest("unsupported bot command scope type specified")
		}
		sc.Type, sc.UserID = wire.Type, wire.UserID
		if len(wire.ChatID) > 0 {
			var str string
			if json.Unmarshal(wire.ChatID, &str) == nil {
				wire.ChatID = json.RawMessage(str)
			}
			sc.ChatID, _ = strconv.ParseInt(string(wire.ChatID), 10, 64)
		}
		if need.chat && sc.ChatID == 0 {
			return commandKey{}, 0, badRequest("chat not found")
		}
		if need.user && sc.UserID == 0 {
			return commandKey{}, 0, badRequest("user not found")
		}
		if !need.chat {
			sc.ChatID = 0
		}
		if !need.user {
			sc.UserID = 0
		}
	}
	return commandKey{scopeString(sc), lang}, sc.ChatID, nil
}

func (s *Server) setMyCommands(_ context.Context, c *Call) (any, error) {
	key, chatID, apiErr := parseCommandKey(c.Params)
	if apiErr != nil {
		return nil, apiErr
	}
	raw, ok := c.Params["commands"]
	if !ok {
		return nil, badRequest("parameter \"commands\" is required")
	}
	var cmds []tgbotapi.BotCommand
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	// The chat is looked up before Telegram validates the commands.
	s.mu.Lock()
	apiErr = s.knownScopeLocked(chatID)
	s.mu.Unlock()
	if apiErr != nil {
		return nil, apiErr
	}
	if len(cmds) > maxCommands {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, cmd := range cmds {
		if !validCommand(cmd.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(cmd.Description); n < 1 || n > maxCommandDescLength {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	s.notifyLocked()
	return true, nil
}

func validCommand(cmd string) bool {
	if len(cmd) < 1 || len(cmd) > maxCommandLength {
		return false
	}
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (s *Server) deleteMyCommands(_ context.Context, c *Call) (any, error) {
	key, chatID, apiErr := parseCommandKey(c.Params)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if apiErr := s.knownScopeLocked(chatID); apiErr != nil {
		return nil, apiErr
	}
	delete(s.commands, key)
	s.notifyLocked()
	return true, nil
}

func (s *Server) getMyCommands(_ context.Context, c *Call) (any, error) {
	key, chatID, apiErr := parseCommandKey(c.Params)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if apiErr := s.knownScopeLocked(chatID); apiErr != nil {
		return nil, apiErr
	}
	cmds := s.commands[key]
	if cmds == nil {
		return []tgbotapi.BotCommand{}, nil
	}
	return slices.Clone(cmds), nil
}
