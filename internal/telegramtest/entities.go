package telegramtest

import (
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// detectEntities finds the bot_command and mention entities Telegram adds
// to incoming text. Offsets and lengths are in UTF-16 code units, because
// that is what the library slices by; a mistake here would hide exactly the
// off-by-one bugs the fake exists to catch (emoji before a command).
func detectEntities(text string) []tgbotapi.MessageEntity {
	var out []tgbotapi.MessageEntity
	offset := 0
	atWordStart := true
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if atWordStart && (r == '/' || r == '@') {
			if n, typ := scanEntity(text[i:]); n > 0 {
				out = append(out, tgbotapi.MessageEntity{Type: typ, Offset: offset, Length: utf16Len(text[i : i+n])})
				offset += utf16Len(text[i : i+n])
				i += n
				atWordStart = false
				continue
			}
		}
		atWordStart = unicode.IsSpace(r)
		offset += utf16Len(text[i : i+size])
		i += size
	}
	return out
}

// scanEntity matches "/command[@bot]" or "@username" at the start of s and
// returns its byte length and entity type; 0 when nothing matches.
func scanEntity(s string) (int, string) {
	if s[0] == '/' {
		n := 1 + identLen(s[1:])
		if n == 1 || n-1 > 32 {
			return 0, ""
		}
		if n < len(s) && s[n] == '@' {
			if m := identLen(s[n+1:]); m > 0 {
				n += 1 + m
			}
		}
		return n, "bot_command"
	}
	m := identLen(s[1:])
	if m < 5 || m > 32 {
		return 0, ""
	}
	return 1 + m, "mention"
}

// identLen counts leading [A-Za-z0-9_] bytes, the alphabet of commands and
// usernames.
func identLen(s string) int {
	n := 0
	for n < len(s) && (isAlnum(s[n]) || s[n] == '_') {
		n++
	}
	return n
}
