package telegramtest

import (
	"fmt"
	"strings"
)

// describeSent lists what was sent, for the failure message of a wait:
// what the bot did instead is usually the clue.
func describeSent(msgs []Message) string {
	if len(msgs) == 0 {
		return "nothing was sent"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sent so far (%d):", len(msgs))
	for _, m := range msgs {
		fmt.Fprintf(&b, "\n  chat=%d id=%d", m.ChatID, m.MessageID)
		if m.Edited {
			b.WriteString(" (edited)")
		}
		if m.Deleted {
			b.WriteString(" (deleted)")
		}
		if m.ThreadID != 0 {
			fmt.Fprintf(&b, " thread=%d", m.ThreadID)
		}
		if m.Media != "" {
			fmt.Fprintf(&b, " [%s %s]", m.Media, m.FileID)
		}
		if m.MediaGroupID != "" {
			fmt.Fprintf(&b, " album=%s", m.MediaGroupID)
		}
		fmt.Fprintf(&b, " %q", truncate(m.Plain, 300))
		for _, btn := range m.ReplyMarkup.Buttons() {
			fmt.Fprintf(&b, " [%s|%s%s]", btn.Text, btn.CallbackData, btn.URL)
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
