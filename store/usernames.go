package store

import "strings"

// Bounds of a Telegram @username. Ordinary usernames have at least 5
// characters, but collectible ones bought on Fragment may have 4, and such
// a user may well talk to the bot.
const (
	MinUsernameLen = 4
	MaxUsernameLen = 32
)

// NormalizeUsername returns the form a @username is stored and looked up
// by: without surrounding space and one leading @, in lower case, as
// Telegram usernames are case-insensitive. ok reports whether that form is
// a valid Telegram username: MinUsernameLen..MaxUsernameLen characters of
// a-z, 0-9 and _, starting with a letter. The form is returned even when
// not valid, so it matches what the backends index for any input.
func NormalizeUsername(s string) (name string, ok bool) {
	name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@"))
	if len(name) < MinUsernameLen || len(name) > MaxUsernameLen || name[0] < 'a' || name[0] > 'z' {
		return name, false
	}
	for i := range len(name) {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return name, false
		}
	}
	return name, true
}

// UsernameKey is NormalizeUsername's form alone: what backends index a
// username under and look it up by.
func UsernameKey(s string) string {
	name, _ := NormalizeUsername(s)
	return name
}
