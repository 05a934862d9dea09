package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The partnership office's inbox: a forum group where every resident has a
// topic. The library (Bot API 5.5) knows neither topics nor copyMessage's
// thread, so these go through MakeRequest.

// CreateForumTopic opens a topic named name in the forum chatID and
// returns its message_thread_id. Telegram cuts a name longer than 128
// characters; store.TopicName keeps within it.
func (c *Client) CreateForumTopic(ctx context.Context, chatID int64, name string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	params := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10), "name": name}
	resp, err := c.withContext(ctx, c.sendHTTP).MakeRequest("createForumTopic", params)
	if err != nil {
		return 0, fmt.Errorf("telegram: createForumTopic: %w", c.redact(err))
	}
	var topic struct {
		ID int `json:"message_thread_id"`
	}
	if err := json.Unmarshal(resp.Result, &topic); err != nil || topic.ID == 0 {
		return 0, fmt.Errorf("telegram: createForumTopic: no message_thread_id in %s", resp.Result)
	}
	return topic.ID, nil
}

// CopyMessage copies message messageID of fromChat to chatID, in forum
// topic threadID (0: none), and returns the new message's id. A photo, a
// document or a voice message is copied with its file; its caption is kept.
// bulk marks bulk delivery, as for SendPart: the office's own copies are
// personal messages and never bulk, so they never carry
// allow_paid_broadcast.
func (c *Client) CopyMessage(ctx context.Context, chatID int64, threadID int, fromChat int64, messageID int, bulk bool) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	params := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10), "from_chat_id": strconv.FormatInt(fromChat, 10),
		"message_id": strconv.Itoa(messageID)}
	if threadID > 0 {
		params["message_thread_id"] = strconv.Itoa(threadID)
	}
	if bulk && c.paid {
		params["allow_paid_broadcast"] = "true"
	}
	resp, err := c.withContext(ctx, c.sendHTTP).MakeRequest("copyMessage", params)
	if err != nil {
		return 0, fmt.Errorf("telegram: copyMessage: %w", c.redact(err))
	}
	var id struct {
		MessageID int `json:"message_id"`
	}
	_ = json.Unmarshal(resp.Result, &id) // copied either way; without the id only a reply to it cannot be linked
	return id.MessageID, nil
}

// What the bot needs in the office group, as MissingTopicRights names it.
const (
	RightInGroup      = "in_group"      // the bot is in the group (Telegram shows it the group)
	RightForum        = "forum"         // the group has topics turned on
	RightAdmin        = "admin"         // the bot is an administrator
	RightManageTopics = "manage_topics" // ... allowed to manage topics
)

// MissingTopicRights asks Telegram whether the bot can keep a topic per
// resident in the group chatID: that the bot is in it, that it is a forum,
// and that the bot is an administrator with can_manage_topics. It returns
// what is missing, none when nothing is; an error only when Telegram could
// not be asked.
func (c *Client) MissingTopicRights(ctx context.Context, chatID int64) ([]string, error) {
	id := strconv.FormatInt(chatID, 10)
	resp, err := c.withContext(ctx, c.sendHTTP).MakeRequest("getChat", tgbotapi.Params{"chat_id": id})
	if e, ok := APIError(err); ok && (e.Code == 400 || e.Code == 403) {
		return []string{RightInGroup}, nil // "chat not found", "bot was kicked": it is not there
	}
	if err != nil {
		return nil, fmt.Errorf("telegram: getChat: %w", c.redact(err))
	}
	var chat struct {
		IsForum bool `json:"is_forum"`
	}
	if err := json.Unmarshal(resp.Result, &chat); err != nil {
		return nil, fmt.Errorf("telegram: getChat: %w", err)
	}
	var missing []string
	if !chat.IsForum {
		missing = append(missing, RightForum)
	}
	resp, err = c.withContext(ctx, c.sendHTTP).MakeRequest("getChatMember", tgbotapi.Params{"chat_id": id, "user_id": strconv.FormatInt(c.ID(), 10)})
	if err != nil {
		return nil, fmt.Errorf("telegram: getChatMember: %w", c.redact(err))
	}
	var m struct {
		Status       string `json:"status"`
		ManageTopics bool   `json:"can_manage_topics"`
	}
	if err := json.Unmarshal(resp.Result, &m); err != nil {
		return nil, fmt.Errorf("telegram: getChatMember: %w", err)
	}
	switch {
	case m.Status == "creator":
	case m.Status != "administrator":
		missing = append(missing, RightAdmin)
	case !m.ManageTopics:
		missing = append(missing, RightManageTopics)
	}
	return missing, nil
}
