package render

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxMessageLen is Telegram's limit on a message text, in characters.
const MaxMessageLen = 4096

// Esc escapes user- or data-provided text for HTML parse mode.
func Esc(s string) string { return html.EscapeString(s) }

// Truncate shortens s to at most n characters, ending with an ellipsis when
// cut, and never splits a character.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// Pack joins blocks of HTML with blank lines into as few messages as fit in
// limit characters. A block is never cut, so no tag is ever split; a single
// block longer than the limit is cut at a line boundary where possible, and
// callers keep blocks short enough that this only guards against surprises.
func Pack(blocks []string, limit int) []string {
	var out []string
	var cur strings.Builder
	curLen := 0
	for _, b := range blocks {
		bl := utf8.RuneCountInString(b)
		sep := 0
		if curLen > 0 {
			sep = 2
		}
		if curLen > 0 && curLen+sep+bl > limit {
			out = append(out, cur.String())
			cur.Reset()
			curLen, sep = 0, 0
		}
		for bl > limit {
			head, tail := cutLines(b, limit)
			out = append(out, head)
			b, bl = tail, utf8.RuneCountInString(tail)
		}
		if sep > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(b)
		curLen += sep + bl
	}
	if curLen > 0 {
		out = append(out, cur.String())
	}
	return out
}

// cutLines splits s after at most limit characters, at the last newline
// before the limit if there is one.
func cutLines(s string, limit int) (string, string) {
	r := []rune(s)
	head := string(r[:limit])
	if i := strings.LastIndexByte(head, '\n'); i > 0 {
		return s[:i], s[i+1:]
	}
	return head, string(r[limit:])
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// PlainText turns a short HTML text into plain text, for callback toasts,
// which Telegram shows without formatting.
func PlainText(s string) string { return html.UnescapeString(tagRE.ReplaceAllString(s, "")) }
