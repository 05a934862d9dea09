package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

// SetPaidBroadcast makes bulk sends carry allow_paid_broadcast, which
// raises Telegram's limit to 1000 messages a second for a fee.
func (c *Client) SetPaidBroadcast(on bool) { c.paid = on }

// SendPart sends one part of a message to chatID, in forum topic threadID
// (0: none): a text, a photo with the text as its caption, or an album. It
// returns the ids of the messages Telegram made. bulk marks bulk delivery
// from the outbox (not its personal messages: store.OutboxMessage.Personal),
// which carries allow_paid_broadcast when paid broadcasts are on. Errors
// are the Bot API's own (redacted), for internal/tgerr.
//
// The fields newer than the library (message_thread_id,
// allow_paid_broadcast) are why every send goes through MakeRequest.
func (c *Client) SendPart(ctx context.Context, chatID int64, threadID int, p store.Part, bulk bool) ([]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	params := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10)}
	if threadID > 0 {
		params["message_thread_id"] = strconv.Itoa(threadID)
	}
	if bulk && c.paid {
		params["allow_paid_broadcast"] = "true"
	}
	if p.Document != nil {
		return c.sendDocument(ctx, params, p)
	}
	method := "sendMessage"
	switch len(p.Photos) {
	case 0:
		params["text"] = p.Text
		params["parse_mode"] = tgbotapi.ModeHTML
		params["disable_web_page_preview"] = "true"
		params.AddNonEmpty("reply_markup", p.Keyboard)
	case 1:
		method = "sendPhoto"
		params["photo"] = p.Photos[0]
		params.AddNonEmpty("caption", p.Text)
		params["parse_mode"] = tgbotapi.ModeHTML
		params.AddNonEmpty("reply_markup", p.Keyboard)
	default:
		method = "sendMediaGroup"
		media := make([]map[string]string, len(p.Photos))
		for i, id := range p.Photos {
			media[i] = map[string]string{"type": "photo", "media": id}
		}
		raw, err := json.Marshal(media)
		if err != nil {
			return nil, fmt.Errorf("telegram: %s: %w", method, err)
		}
		params["media"] = string(raw)
	}
	resp, err := c.withContext(ctx, c.sendHTTP).MakeRequest(method, params)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s: %w", method, c.redact(err))
	}
	return messageIDs(resp.Result), nil
}

// MaxUploadSize is the largest file a bot may upload: 50 MB.
const MaxUploadSize = 50 << 20

// sendDocument uploads p's document (multipart, the library's UploadFiles)
// with p's text as its caption. The library leaves the error code out of
// upload errors; it is put back from the response, so a blocked chat is
// "gone" here as for any other send. A file over Telegram's limit is
// refused here, as Telegram would (413), rather than uploaded in vain.
func (c *Client) sendDocument(ctx context.Context, params tgbotapi.Params, p store.Part) ([]int, error) {
	const method = "sendDocument"
	if n := len(p.Document.Data); n > MaxUploadSize {
		return nil, fmt.Errorf("telegram: %s: %w", method,
			&tgbotapi.Error{Code: 413, Message: fmt.Sprintf("Request Entity Too Large (not sent: %d bytes, at most %d)", n, MaxUploadSize)})
	}
	params.AddNonEmpty("caption", p.Text)
	if p.Text != "" {
		params["parse_mode"] = tgbotapi.ModeHTML
	}
	params.AddNonEmpty("reply_markup", p.Keyboard)
	file := tgbotapi.RequestFile{Name: "document", Data: tgbotapi.FileBytes{Name: p.Document.Name, Bytes: p.Document.Data}}
	resp, err := c.withContext(ctx, c.sendHTTP).UploadFiles(method, params, []tgbotapi.RequestFile{file})
	if e, ok := APIError(err); ok && e.Code == 0 && resp != nil {
		e.Code = resp.ErrorCode
	}
	if err != nil {
		return nil, fmt.Errorf("telegram: %s: %w", method, c.redact(err))
	}
	return messageIDs(resp.Result), nil
}

// messageIDs reads the ids of the message (or album) Telegram returned; a
// result it cannot read gives none, since the send itself succeeded.
func messageIDs(raw json.RawMessage) []int {
	var one struct {
		MessageID int `json:"message_id"`
	}
	if json.Unmarshal(raw, &one) == nil && one.MessageID != 0 {
		return []int{one.MessageID}
	}
	var many []struct {
		MessageID int `json:"message_id"`
	}
	_ = json.Unmarshal(raw, &many)
	ids := make([]int, 0, len(many))
	for _, m := range many {
		ids = append(ids, m.MessageID)
	}
	return ids
}

// EditPart replaces the text (or, when caption is set, the photo's
// caption) and the keyboard of a message the bot sent.
func (c *Client) EditPart(ctx context.Context, chatID int64, messageID int, p store.Part, caption bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	method, field := "editMessageText", "text"
	if caption {
		method, field = "editMessageCaption", "caption"
	}
	params := tgbotapi.Params{
		"chat_id":    strconv.FormatInt(chatID, 10),
		"message_id": strconv.Itoa(messageID),
		field:        p.Text,
		"parse_mode": tgbotapi.ModeHTML,
	}
	if !caption {
		params["disable_web_page_preview"] = "true"
	}
	params.AddNonEmpty("reply_markup", p.Keyboard)
	if _, err := c.withContext(ctx, c.sendHTTP).MakeRequest(method, params); err != nil {
		return fmt.Errorf("telegram: %s: %w", method, c.redact(err))
	}
	return nil
}

// EditMarkup replaces only the inline keyboard of a message the bot sent
// (editMessageReplyMarkup): a text, a photo with a caption or a channel
// post alike, its text untouched. An empty keyboard removes it.
func (c *Client) EditMarkup(ctx context.Context, chatID int64, messageID int, keyboard string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	params := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10), "message_id": strconv.Itoa(messageID)}
	params.AddNonEmpty("reply_markup", keyboard)
	if _, err := c.withContext(ctx, c.sendHTTP).MakeRequest("editMessageReplyMarkup", params); err != nil {
		return fmt.Errorf("telegram: editMessageReplyMarkup: %w", c.redact(err))
	}
	return nil
}

// DeleteMessage deletes a message the bot sent.
func (c *Client) DeleteMessage(ctx context.Context, chatID int64, messageID int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	params := tgbotapi.Params{"chat_id": strconv.FormatInt(chatID, 10), "message_id": strconv.Itoa(messageID)}
	if _, err := c.withContext(ctx, c.sendHTTP).MakeRequest("deleteMessage", params); err != nil {
		return fmt.Errorf("telegram: deleteMessage: %w", c.redact(err))
	}
	return nil
}

// SendHTML sends one HTML text message (a part of text alone).
func (c *Client) SendHTML(ctx context.Context, chatID int64, html string) error {
	_, err := c.SendPart(ctx, chatID, 0, store.Part{Text: html}, true)
	return err
}
