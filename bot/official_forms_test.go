package bot

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
	"unicode/utf8"
)

func TestParseDateTimeAroundDST(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		in      string
		wantUTC string
		problem string
	}{
		{"2026-05-01 18:00", "2026-05-01T16:00:00Z", ""},
		{"2026-12-01 18:00", "2026-12-01T17:00:00Z", ""},
		{"2026-05-01  18:00", "2026-05-01T16:00:00Z", ""},
		{"2026-03-29 02:30", "", "nonexistent"},          // clocks go forward 02:00→03:00
		{"2026-10-25 02:30", "2026-10-25T00:30:00Z", ""}, // exists twice: the earlier (CEST)
		{"2026-02-30 10:00", "", "datetime"},
		{"2026-05-01", "", "datetime"},
		{"01.05.2026 18:00", "", "datetime"},
		{"2026-05-01 24:00", "", "datetime"},
	}
	for _, tt := range tests {
		got, err := ParseDateTime(tt.in, berlin)
		if tt.problem != "" {
			fe, ok := asFormError(err)
			if !ok || fe.Problem != tt.problem {
				t.Errorf("ParseDateTime(%q) err = %v, want problem %s", tt.in, err, tt.problem)
			}
			continue
		}
		if err != nil || got.UTC().Format(time.RFC3339) != tt.wantUTC {
			t.Errorf("ParseDateTime(%q) = %s, %v; want %s", tt.in, got.UTC().Format(time.RFC3339), err, tt.wantUTC)
		}
	}
}

func TestSplitForm(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want []string
		ok   bool
	}{
		{"a | b | c", 3, []string{"a", "b", "c"}, true},
		{"a|b|c|d", 3, []string{"a", "b", "c|d"}, true},
		{"a\nb\nc\nd", 3, []string{"a", "b", "c\nd"}, true},
		{"a | b |\n line1\n line2", 3, []string{"a", "b", "line1\n line2"}, true},
		// One field per line: a "|" in the text is the text's own.
		{"venlo\n2025-10-30\nTitle\nA | B rules", 4, []string{"venlo", "2025-10-30", "Title", "A | B rules"}, true},
		{"all\nEither | or\nmore", 2, []string{"all", "Either | or\nmore"}, true},
		{"a | b", 3, nil, false},
		{"a |  | c", 3, nil, false},
		{"", 2, nil, false},
	}
	for _, tt := range tests {
		got, err := SplitForm(tt.in, tt.n)
		if (err == nil) != tt.ok {
			t.Errorf("SplitForm(%q) err = %v", tt.in, err)
			continue
		}
		if tt.ok && strings.Join(got, "¦") != strings.Join(tt.want, "¦") {
			t.Errorf("SplitForm(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSplitForm(f *testing.F) {
	for _, s := range []string{"venlo | 2025-10-30 | T | X", "a\nb\nc\nd", "|||", "\n\n\n", "x | y\nz"} {
		f.Add(s, 4)
	}
	f.Fuzz(func(t *testing.T, in string, n int) {
		if n < 1 || n > 8 {
			return
		}
		parts, err := SplitForm(in, n)
		if err != nil {
			if _, ok := asFormError(err); !ok {
				t.Fatalf("error is not a FormError: %v", err)
			}
			return
		}
		if len(parts) != n {
			t.Fatalf("%d parts, want %d", len(parts), n)
		}
		for _, p := range parts {
			if strings.TrimSpace(p) == "" {
				t.Fatalf("empty field accepted: %q", parts)
			}
		}
	})
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"2026-05-01 18:00", "2026-03-29 02:30", "2026-10-25 02:30", "0000-01-01 00:00", "2026-13-01 10:00", "x"} {
		f.Add(s)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseDateTime(in, berlin)
		if err != nil {
			fe, ok := asFormError(err)
			if !ok || fe.Field != "start" || utf8.RuneCountInString(fe.Value) > 40 {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		// What was accepted reads back as the same wall-clock time.
		if back := got.In(berlin).Format(InputDateTime); back != strings.Join(strings.Fields(in), " ") {
			t.Fatalf("%q parsed to %s", in, back)
		}
	})
}
