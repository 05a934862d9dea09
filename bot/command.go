package bot

import (
	"strings"
	"unicode"
)

// Command is a parsed "/name@bot args" text.
type Command struct {
	Name string // lower case, without slash and @bot
	Args string // trimmed
	// Addressed: the text named this bot (/cmd@ThisBot).
	Addressed bool
	// OtherBot: the text named another bot (/cmd@OtherBot); not ours.
	OtherBot bool
}

// maxCommandName is Telegram's limit on a command name.
const maxCommandName = 32

// ParseCommand reads a command from a message text. It relies on the text
// rather than on entity offsets so a malformed entity can never make it slice
// out of range. ok is false when the text is not a command.
func ParseCommand(text, botUsername string) (Command, bool) {
	if !strings.HasPrefix(text, "/") {
		return Command{}, false
	}
	head, rest, _ := strings.Cut(text[1:], " ")
	// Arguments may follow a newline instead of a space.
	if i := strings.IndexAny(head, "\n\t"); i >= 0 {
		head, rest = head[:i], head[i+1:]+" "+rest
	}
	name, at, hasAt := strings.Cut(head, "@")
	if name == "" || len(name) > maxCommandName || !isCommandName(name) {
		return Command{}, false
	}
	c := Command{Name: strings.ToLower(name), Args: strings.TrimSpace(rest)}
	if hasAt {
		if botUsername != "" && strings.EqualFold(at, botUsername) {
			c.Addressed = true
		} else {
			c.OtherBot = true
		}
	}
	return c, true
}

func isCommandName(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}
