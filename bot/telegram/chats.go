package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ResolveChat returns the numeric id of a chat named by @username (or
// given by id already).
func (c *Client) ResolveChat(ctx context.Context, chat string) (int64, error) {
	if id, err := strconv.ParseInt(chat, 10, 64); err == nil {
		return id, nil
	}
	resp, err := c.withContext(ctx, c.sendHTTP).MakeRequest("getChat", tgbotapi.Params{"chat_id": chat})
	if err != nil {
		return 0, fmt.Errorf("telegram: getChat %s: %w", chat, c.redact(err))
	}
	var got struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(resp.Result, &got); err != nil || got.ID == 0 {
		return 0, fmt.Errorf("telegram: getChat %s: no chat id in the answer", chat)
	}
	return got.ID, nil
}

// Channel rights the bot needs in the city's channel.
const (
	RightMember = "member"
	RightPost   = "post"
	RightEdit   = "edit"
	RightDelete = "delete"
)

// MissingChannelRights asks Telegram what the bot may do in a channel and
// returns what it lacks of posting, editing and deleting messages
// (RightMember alone when it is no administrator at all); none when it has
// everything.
func (c *Client) MissingChannelRights(ctx context.Context, chatID int64) ([]string, error) {
	params := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10), "user_id": strconv.FormatInt(c.ID(), 10)}
	resp, err := c.withContext(ctx, c.sendHTTP).MakeRequest("getChatMember", params)
	if err != nil {
		return nil, fmt.Errorf("telegram: getChatMember: %w", c.redact(err))
	}
	var m struct {
		Status    string `json:"status"`
		CanPost   bool   `json:"can_post_messages"`
		CanEdit   bool   `json:"can_edit_messages"`
		CanDelete bool   `json:"can_delete_messages"`
	}
	if err := json.Unmarshal(resp.Result, &m); err != nil {
		return nil, fmt.Errorf("telegram: getChatMember: %w", err)
	}
	switch m.Status {
	case "creator":
		return nil, nil
	case "administrator":
	default:
		return []string{RightMember}, nil
	}
	var missing []string
	for _, r := range []struct {
		has  bool
		name string
	}{{m.CanPost, RightPost}, {m.CanEdit, RightEdit}, {m.CanDelete, RightDelete}} {
		if !r.has {
			missing = append(missing, r.name)
		}
	}
	return missing, nil
}
