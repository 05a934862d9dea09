package telegramtest

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// supportedTags is the HTML subset Telegram accepts (Bot API, "Formatting options").
var supportedTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true,
	"a": true, "code": true, "pre": true, "blockquote": true, "tg-emoji": true,
}

var entityTypes = map[string]string{
	"b": "bold", "strong": "bold", "i": "italic", "em": "italic",
	"u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
	"del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
	"code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}

type openTag struct {
	name   string
	attrs  map[string]string
	offset int // UTF-16 offset in the output where the tag began
	textAt int // byte length of the output when the tag began
}

// parseHTML follows tdlib's parse_html, including its error texts, with one
// deliberate difference: an '&' that does not start a known entity is an
// error here, whereas Telegram keeps it literally. The Bot API documentation
// requires escaping it, and failing loudly catches the unescaped user input that
// would otherwise break on the first '<'.
func parseHTML(text string) (formatted, error) {
	var out strings.Builder
	var entities []tgbotapi.MessageEntity
	var open []openTag
	offset := 0
	for i := 0; i < len(text); {
		c := text[i]
		switch c {
		case '&':
			r, n := decodeEntity(text, i)
			if n == 0 {
				return formatted{}, fmt.Errorf("Character '&' at byte offset %d must be escaped as \"&amp;\"", i)
			}
			if r >= 0xD800 && r <= 0xDFFF {
				return formatted{}, fmt.Errorf("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units")
			}
			out.WriteRune(r)
			offset += utf16Len(string(r))
			i += n
			continue
		case '<':
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			out.WriteString(text[i : i+size])
			offset += utf16Len(string(r))
			i += size
			continue
		}
		begin := i
		if i+1 < len(text) && text[i+1] == '/' {
			if len(open) == 0 {
				return formatted{}, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
			}
			i += 2
			for i < len(text) && !isHTMLSpace(text[i]) && text[i] != '>' {
				i++
			}
			endName := text[begin+2 : i]
			for i < len(text) && isHTMLSpace(text[i]) {
				i++
			}
			if i >= len(text) || text[i] != '>' {
				return formatted{}, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
			}
			i++
			top := open[len(open)-1]
			if endName != "" && endName != top.name {
				return formatted{}, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, endName)
			}
			open = open[:len(open)-1]
			if offset > top.offset {
				entities = appendEntity(entities, tagEntity(top, offset, out.String()[top.textAt:]))
			}
			continue
		}
		tag, next, err := parseStartTag(text, begin)
		if err != nil {
			return formatted{}, err
		}
		tag.offset, tag.textAt = offset, out.Len()
		open = append(open, tag)
		i = next
	}
	if len(open) > 0 {
		return formatted{}, fmt.Errorf("Can't find end tag corresponding to start tag %s", open[len(open)-1].name)
	}
	for k := range entities {
		if entities[k].Type == "code" {
			entities[k].Language = ""
		}
	}
	slices.SortStableFunc(entities, func(a, b tgbotapi.MessageEntity) int {
		if a.Offset != b.Offset {
			return a.Offset - b.Offset
		}
		return b.Length - a.Length
	})
	return formatted{plain: out.String(), entities: entities}, nil
}

// parseStartTag reads "<name attr=value ...>" starting at begin and returns
// the tag and the index after '>'.
func parseStartTag(text string, begin int) (openTag, int, error) {
	i := begin + 1
	for i < len(text) && !isHTMLSpace(text[i]) && text[i] != '>' {
		i++
	}
	if i >= len(text) {
		return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
	}
	name := strings.ToLower(text[begin+1 : i])
	if !supportedTags[name] {
		return openTag{}, 0, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, begin)
	}
	tag := openTag{name: name, attrs: map[string]string{}}
	for {
		for i < len(text) && isHTMLSpace(text[i]) {
			i++
		}
		if i >= len(text) {
			return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		if text[i] == '>' {
			break
		}
		attrBegin := i
		for i < len(text) && !isHTMLSpace(text[i]) && text[i] != '=' {
			i++
		}
		attr := text[attrBegin:i]
		if attr == "" {
			return openTag{}, 0, fmt.Errorf("Empty attribute name in the tag \"%s\" at byte offset %d", name, begin)
		}
		for i < len(text) && isHTMLSpace(text[i]) {
			i++
		}
		if i >= len(text) || text[i] != '=' {
			return openTag{}, 0, fmt.Errorf("Expected equal sign in declaration of an attribute of the tag \"%s\" at byte offset %d", name, begin)
		}
		i++
		for i < len(text) && isHTMLSpace(text[i]) {
			i++
		}
		if i >= len(text) {
			return openTag{}, 0, fmt.Errorf("Unclosed start tag \"%s\" at byte offset %d", name, begin)
		}
		var value strings.Builder
		if q := text[i]; q != '"' && q != '\'' {
			tokenBegin := i
			for i < len(text) && (isAlnum(text[i]) || text[i] == '.' || text[i] == '-') {
				i++
			}
			value.WriteString(strings.ToLower(text[tokenBegin:i]))
			if i < len(text) && !isHTMLSpace(text[i]) && text[i] != '>' {
				return openTag{}, 0, fmt.Errorf("Unexpected end of name token at byte offset %d", tokenBegin)
			}
		} else {
			i++
			for i < len(text) && text[i] != q {
				if text[i] == '&' {
					if r, n := decodeEntity(text, i); n > 0 {
						value.WriteRune(r)
						i += n
						continue
					}
				}
				value.WriteByte(text[i])
				i++
			}
			if i < len(text) {
				i++
			}
		}
		if i >= len(text) {
			return openTag{}, 0, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
		}
		tag.attrs[strings.ToLower(attr)] = value.String()
	}
	if name == "span" && tag.attrs["class"] != "tg-spoiler" {
		return openTag{}, 0, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
	}
	return tag, i + 1, nil
}

// appendEntity merges <pre><code class="language-x"> into one pre entity
// with a language, as Telegram does.
func appendEntity(entities []tgbotapi.MessageEntity, e tgbotapi.MessageEntity) []tgbotapi.MessageEntity {
	if e.Type == "pre" && len(entities) > 0 {
		last := &entities[len(entities)-1]
		if last.Type == "code" && last.Offset == e.Offset && last.Length == e.Length && last.Language != "" {
			last.Type = "pre"
			return entities
		}
	}
	return append(entities, e)
}

// tagEntity builds the entity a closed tag produces; inner is the visible
// text it covered, which becomes the URL of an <a> without href.
func tagEntity(t openTag, end int, inner string) tgbotapi.MessageEntity {
	e := tgbotapi.MessageEntity{Type: entityTypes[t.name], Offset: t.offset, Length: end - t.offset}
	switch t.name {
	case "a":
		e.URL = t.attrs["href"]
		if e.URL == "" {
			e.URL = inner
		}
		if strings.HasPrefix(e.URL, "tg://user?id=") {
			e.Type, e.URL = "text_mention", ""
		}
	case "code":
		if lang, ok := strings.CutPrefix(t.attrs["class"], "language-"); ok {
			e.Language = lang
		}
	case "blockquote":
		if _, ok := t.attrs["expandable"]; ok {
			e.Type = "expandable_blockquote"
		}
	}
	return e
}

// decodeEntity decodes the HTML entity at text[i] (which is '&') the way
// tdlib does: lt, gt, amp, quot and numeric ones, ';' optional. n is the
// number of bytes consumed, 0 when there is no valid entity.
func decodeEntity(text string, i int) (r rune, n int) {
	end := i + 1
	var res int64
	if end < len(text) && text[end] == '#' {
		end++
		if end < len(text) && text[end] == 'x' {
			end++
			for end < len(text) && isHex(text[end]) {
				res = res*16 + int64(hexVal(text[end]))
				end++
				if res > unicode.MaxRune {
					return 0, 0
				}
			}
		} else {
			for end < len(text) && text[end] >= '0' && text[end] <= '9' {
				res = res*10 + int64(text[end]-'0')
				end++
				if res > unicode.MaxRune {
					return 0, 0
				}
			}
		}
		if res == 0 || res >= unicode.MaxRune || end-i >= 10 {
			return 0, 0
		}
	} else {
		for end < len(text) && isAlpha(text[end]) {
			end++
		}
		switch text[i+1 : end] {
		case "lt":
			res = '<'
		case "gt":
			res = '>'
		case "amp":
			res = '&'
		case "quot":
			res = '"'
		default:
			return 0, 0
		}
	}
	if end < len(text) && text[end] == ';' {
		end++
	}
	return rune(res), end - i
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isAlnum(c byte) bool { return isAlpha(c) || (c >= '0' && c <= '9') }

func isHex(c byte) bool { return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f') }

func hexVal(c byte) int {
	if c <= '9' {
		return int(c - '0')
	}
	return int(c|0x20-'a') + 10
}
