package telegramtest

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// formatted is what Telegram keeps of a text: the visible characters and
// the entities on them, offsets in UTF-16 code units.
type formatted struct {
	plain    string
	entities []tgbotapi.MessageEntity
}

// formatText turns a text parameter into what the user would see, failing
// with the descriptions Telegram uses. Markdown modes are not parsed: the
// project uses HTML, and a half-right Markdown parser would mislead.
func formatText(text, parseMode, entitiesJSON string) (formatted, *APIError) {
	f, err := formatAny(text, parseMode, entitiesJSON)
	if err != nil {
		return formatted{}, err
	}
	if f.plain == "" {
		return formatted{}, badRequest("message text is empty")
	}
	return f, nil
}

// formatAny is formatText without the rule that text must not be empty,
// for captions, which may be.
func formatAny(text, parseMode, entitiesJSON string) (formatted, *APIError) {
	if !utf8.ValidString(text) {
		return formatted{}, badRequest("strings must be encoded in UTF-8")
	}
	var f formatted
	switch strings.ToLower(parseMode) {
	case "":
		f.plain = text
		if entitiesJSON != "" {
			if err := json.Unmarshal([]byte(entitiesJSON), &f.entities); err != nil {
				return formatted{}, badRequest("can't parse entities JSON object")
			}
		}
	case "html":
		var err error
		if f, err = parseHTML(text); err != nil {
			return formatted{}, badRequest("can't parse entities: " + err.Error())
		}
	case "markdown", "markdownv2":
		f.plain = text
	default:
		return formatted{}, badRequest("unsupported parse_mode")
	}
	return f.trimmed(), nil
}

// trimmed strips surrounding whitespace like Telegram does, shifting and
// clipping entities so their offsets stay right.
func (f formatted) trimmed() formatted {
	body := strings.TrimLeftFunc(f.plain, unicode.IsSpace)
	lead := utf16Len(f.plain[:len(f.plain)-len(body)])
	body = strings.TrimRightFunc(body, unicode.IsSpace)
	end := utf16Len(body)
	out := formatted{plain: body}
	for _, e := range f.entities {
		from := max(e.Offset-lead, 0)
		to := min(e.Offset+e.Length-lead, end)
		if to <= from {
			continue
		}
		e.Offset, e.Length = from, to-from
		out.entities = append(out.entities, e)
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
