package telegramtest

import (
	"encoding/json"
	"errors"
)

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// InlineKeyboard is a parsed inline keyboard: rows of buttons.
type InlineKeyboard [][]Button

// Button is one inline keyboard button, reduced to what tests assert on.
type Button struct {
	Text         string
	CallbackData string
	URL          string
}

// Buttons flattens the keyboard row by row, for tests that do not care
// about layout.
func (k InlineKeyboard) Buttons() []Button {
	var out []Button
	for _, row := range k {
		out = append(out, row...)
	}
	return out
}

// Find returns the first button with the given text, so a test can "press"
// it with SendCallback(chat, user, msgID, button.CallbackData).
func (k InlineKeyboard) Find(text string) (Button, bool) {
	for _, b := range k.Buttons() {
		if b.Text == text {
			return b, true
		}
	}
	return Button{}, false
}

// buttonActions are the fields that make an inline button do something;
// Telegram rejects buttons with none of them.
var buttonActions = []string{
	"url", "callback_data", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"callback_game", "pay", "web_app", "copy_text",
}

// parseReplyMarkup decodes reply_markup. Only inline keyboards are kept in
// parsed form; reply keyboards and removals stay in ReplyMarkupJSON.
func parseReplyMarkup(raw string) (InlineKeyboard, *APIError) {
	if raw == "" {
		return nil, nil
	}
	errMarkup := badRequest("can't parse reply keyboard markup JSON object")
	var markup map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &markup); err != nil || markup == nil {
		return nil, errMarkup
	}
	rawRows, ok := markup["inline_keyboard"]
	if !ok {
		return nil, nil
	}
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(rawRows, &rows); err != nil {
		return nil, errMarkup
	}
	var kb InlineKeyboard
	for _, row := range rows {
		var out []Button
		for _, fields := range row {
			b, err := parseButton(fields)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		if len(out) > 0 {
			kb = append(kb, out)
		}
	}
	return kb, nil
}

func parseButton(fields map[string]json.RawMessage) (Button, *APIError) {
	var b Button
	if json.Unmarshal(fields["text"], &b.Text) != nil {
		return b, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	hasAction := false
	for _, a := range buttonActions {
		if _, ok := fields[a]; ok {
			hasAction = true
		}
	}
	if !hasAction {
		return b, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	}
	if raw, ok := fields["callback_data"]; ok {
		if json.Unmarshal(raw, &b.CallbackData) != nil {
			return b, badRequest("can't parse inline keyboard button: Field \"callback_data\" must be of type String")
		}
		if b.CallbackData == "" {
			return b, badRequest("BUTTON_DATA_INVALID")
		}
	}
	if raw, ok := fields["url"]; ok {
		if json.Unmarshal(raw, &b.URL) != nil {
			return b, badRequest("can't parse inline keyboard button: Field \"url\" must be of type String")
		}
	}
	return b, nil
}

// validateKeyboard holds the checks Telegram's servers make after the
// request was accepted, which is why they come after the chat checks.
func validateKeyboard(kb InlineKeyboard) *APIError {
	for _, b := range kb.Buttons() {
		if len(b.CallbackData) > maxCallbackData {
			return badRequest("BUTTON_DATA_INVALID")
		}
	}
	return nil
}

// inlineMarkup returns the inline keyboard markup as generic JSON, or nil
// when reply_markup holds no inline buttons (Telegram returns and compares
// only inline keyboards).
func inlineMarkup(raw string) any {
	var markup struct {
		InlineKeyboard [][]any `json:"inline_keyboard"`
	}
	if decodeJSON(raw, &markup) != nil {
		return nil
	}
	var rows [][]any
	for _, row := range markup.InlineKeyboard {
		if len(row) > 0 {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return map[string]any{"inline_keyboard": rows}
}

// canonicalJSON gives equal values equal strings (map keys are sorted), for
// "is this edit a no-op" comparisons.
func canonicalJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func decodeJSON(raw string, v any) error {
	if raw == "" {
		return errors.New("empty")
	}
	return json.Unmarshal([]byte(raw), v)
}
