package bot

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/data"
)

// A publishing time is read in the post's city's zone, by the rules of an
// event's start; a time that is not after now is refused with the time
// it is now there.
func TestParsePublishAt(t *testing.T) {
	ds, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := render.NewTranslator()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC) // 10:00 in Krefeld, 11:00 in Kyiv
	b := New(Config{Data: ds, Translator: tr, Now: func() time.Time { return now }})
	tests := []struct {
		in, city string
		wantUTC  string
		problem  string
		value    string
	}{
		{"2026-05-01 10:30", "krefeld", "2026-05-01T08:30:00Z", "", ""},
		{"2026-05-01 10:30", "all", "2026-05-01T07:30:00Z", "past", "2026-05-01 11:00 (Europe/Kyiv)"},
		{"2026-05-01 11:30", "all", "2026-05-01T08:30:00Z", "", ""},
		{"2026-05-01 10:00", "krefeld", "", "past", "2026-05-01 10:00 (Europe/Berlin)"},
		{"2026-04-30 23:00", "venlo", "", "past", "2026-05-01 10:00 (Europe/Amsterdam)"},
		{"2027-03-28 02:30", "krefeld", "", "nonexistent", "2027-03-28 02:30"},
		{"tomorrow", "krefeld", "", "datetime", "tomorrow"},
		{"2026-05-01", "krefeld", "", "datetime", "2026-05-01"},
	}
	for _, tt := range tests {
		got, err := b.parsePublishAt(tt.in, tt.city)
		if tt.problem != "" {
			fe, ok := asFormError(err)
			if !ok || fe.Problem != tt.problem || fe.Field != "publish_at" || fe.Value != tt.value {
				t.Errorf("parsePublishAt(%q, %s) = %v, want %s on publish_at showing %q", tt.in, tt.city, err, tt.problem, tt.value)
			}
			continue
		}
		if err != nil || got.UTC().Format(time.RFC3339) != tt.wantUTC {
			t.Errorf("parsePublishAt(%q, %s) = %s, %v; want %s", tt.in, tt.city, got.UTC().Format(time.RFC3339), err, tt.wantUTC)
		}
	}
}

func TestPostButton(t *testing.T) {
	tests := []struct {
		arg, ops string
		op       string
		id       int64
		ok       bool
	}{
		{"n-42", "ntc", "n", 42, true},
		{"c-1", "ntc", "c", 1, true},
		{"a-7", "ntc", "", 0, false},
		{"a-7", "are", "a", 7, true},
		{"a-0", "are", "", 0, false},
		{"a--7", "are", "", 0, false},
		{"a-x", "are", "", 0, false},
		{"ar-7", "are", "", 0, false},
		{"a", "are", "", 0, false},
		{"", "are", "", 0, false},
	}
	for _, tt := range tests {
		op, id, ok := postButton(tt.arg, tt.ops)
		if ok != tt.ok || ok && (op != tt.op || id != tt.id) {
			t.Errorf("postButton(%q, %q) = %q, %d, %t; want %q, %d, %t", tt.arg, tt.ops, op, id, ok, tt.op, tt.id, tt.ok)
		}
	}
}
