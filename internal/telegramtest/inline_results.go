package telegramtest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Parsing of answerInlineQuery results, after the Bot API server's
// get_inline_query_results and get_inline_query_result, with their texts.

// inlineTypes are the result types the Bot API server accepts besides
// article and photo, which are parsed in full.
var inlineTypes = map[string]bool{
	"audio": true, "contact": true, "game": true, "document": true, "gif": true, "location": true,
	"mpeg4_gif": true, "sticker": true, "venue": true, "video": true, "voice": true,
}

func parseInlineResults(raw string) ([]InlineResult, *APIError) {
	if raw == "" {
		return nil, nil
	}
	var value any
	if err := json.Unmarshal([]byte(raw), &value); err != nil {
		return nil, badRequest("can't parse JSON encoded inline query results: " + err.Error())
	}
	if value == nil {
		return nil, nil
	}
	var items []json.RawMessage
	if _, ok := value.([]any); !ok || json.Unmarshal([]byte(raw), &items) != nil {
		return nil, badRequest("expected an Array of inline query results")
	}
	if len(items) > maxInlineResults {
		return nil, badRequest("too many inline query results specified")
	}
	out := make([]InlineResult, 0, len(items))
	for _, item := range items {
		r, why := parseInlineResult(item)
		if why != "" {
			return nil, badRequest("can't parse inline query result: " + why)
		}
		out = append(out, r)
	}
	return out, nil
}

// jsonObject reads fields the way TDLib's JsonObject does: a number is
// accepted where a string is expected.
type jsonObject map[string]json.RawMessage

func (o jsonObject) str(key string, required bool) (string, string) {
	raw, ok := o[key]
	if !ok || string(raw) == "null" {
		if required {
			return "", fmt.Sprintf("Can't find field %q", key)
		}
		return "", ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, ""
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), ""
	}
	return "", fmt.Sprintf("Field %q must be of type String", key)
}

func parseInlineResult(raw json.RawMessage) (InlineResult, string) {
	var o jsonObject
	if json.Unmarshal(raw, &o) != nil || o == nil {
		return InlineResult{}, "Inline query result must be an object"
	}
	var r InlineResult
	var why string
	if r.Type, why = o.str("type", true); why != "" {
		return r, why
	}
	r.Type = strings.ToLower(r.Type)
	if r.ID, why = o.str("id", true); why != "" {
		return r, why
	}
	if why = r.parseMessage(o); why != "" {
		return r, why
	}
	caption, _ := o.str("caption", false)
	parseMode, _ := o.str("parse_mode", false)
	f, apiErr := formatAny(caption, parseMode, string(o["caption_entities"]))
	if apiErr != nil {
		return r, innerError(apiErr)
	}
	r.Caption = f.plain
	if markup, ok := o["reply_markup"]; ok {
		kb, apiErr := parseReplyMarkup(string(markup))
		if apiErr == nil {
			apiErr = validateKeyboard(kb)
		}
		if apiErr != nil {
			return r, innerError(apiErr)
		}
		r.ReplyMarkup = kb
	}
	r.Description, _ = o.str("description", false)
	switch r.Type {
	case "article":
		r.Title, why = o.str("title", true)
	case "photo":
		r.Title, _ = o.str("title", false)
		r.PhotoURL, _ = o.str("photo_url", false)
		if r.PhotoURL == "" {
			r.PhotoFileID, why = o.str("photo_file_id", true)
		}
	default:
		if !inlineTypes[r.Type] {
			return r, fmt.Sprintf("type %q is unsupported for the inline query result", r.Type)
		}
		r.Title, _ = o.str("title", false)
	}
	return r, why
}

// parseMessage reads what the result sends as text: input_message_content,
// or the legacy top-level message_text. An article must send something.
func (r *InlineResult) parseMessage(o jsonObject) string {
	required := r.Type == "article"
	src := o
	if raw, ok := o["input_message_content"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &src) != nil || src == nil {
			return `Field "input_message_content" must be of type Object`
		}
		text, _ := src.str("message_text", false)
		if text == "" {
			if required {
				return "Input message content is not specified"
			}
			return ""
		}
	}
	text, why := src.str("message_text", required)
	if why != "" || text == "" {
		return why
	}
	r.ParseMode, _ = src.str("parse_mode", false)
	f, apiErr := formatText(text, r.ParseMode, string(src["entities"]))
	if apiErr != nil {
		return innerError(apiErr)
	}
	r.MessageText, r.MessagePlain = text, f.plain
	return ""
}

// innerError turns a top-level description into the text it has inside
// another error: no "Bad Request: ", TDLib's capital letter.
func innerError(e *APIError) string {
	return upperFirst(strings.TrimPrefix(e.Description, "Bad Request: "))
}
