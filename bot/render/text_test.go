package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPack(t *testing.T) {
	block := func(n int) string { return "<b>" + strings.Repeat("я", n-7) + "</b>" }
	tests := []struct {
		name   string
		blocks []string
		limit  int
		want   int // messages
	}{
		{"empty", nil, 100, 0},
		{"one fits", []string{block(50)}, 100, 1},
		{"two fit with separator", []string{block(49), block(49)}, 100, 1},
		{"separator tips over", []string{block(50), block(50)}, 100, 2},
		{"many", []string{block(40), block(40), block(40), block(40), block(40)}, 100, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Pack(tt.blocks, tt.limit)
			if len(got) != tt.want {
				t.Fatalf("got %d messages, want %d: %q", len(got), tt.want, got)
			}
			var all []string
			for _, m := range got {
				if n := utf8.RuneCountInString(m); n > tt.limit {
					t.Errorf("message of %d characters > limit %d", n, tt.limit)
				}
				all = append(all, strings.Split(m, "\n\n")...)
			}
			if strings.Join(all, "|") != strings.Join(tt.blocks, "|") {
				t.Errorf("blocks lost or reordered")
			}
		})
	}
}

func TestPackCutsOversizedBlockAtLine(t *testing.T) {
	long := strings.Repeat("line of text\n", 20)
	for _, m := range Pack([]string{long}, 50) {
		if utf8.RuneCountInString(m) > 50 {
			t.Fatalf("message over limit: %q", m)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("Крефельд", 20); got != "Крефельд" {
		t.Errorf("short text changed: %q", got)
	}
	if got := Truncate("Крефельд і Венло", 9); got != "Крефельд…" || utf8.RuneCountInString(got) > 9 {
		t.Errorf("truncate = %q", got)
	}
}
