package bot

import (
	"math"
	"testing"
)

func TestReviewButton(t *testing.T) {
	tests := []struct {
		arg string
		op  string
		id  int64
		rev int
		ok  bool
	}{
		{"a-42-3", "a", 42, 3, true},
		{"r-42-0", "r", 42, 0, true},
		{"e-7-12", "e", 7, 12, true},
		{"a-42", "a", 42, 0, true}, // sent before revisions: revision 0
		{"a-42--1", "", 0, 0, false},
		{"a-42-x", "", 0, 0, false},
		{"a-42-03", "", 0, 0, false},
		{"a-42-", "", 0, 0, false},
		{"a-42-1-2", "", 0, 0, false},
		{"n-42-1", "", 0, 0, false},
		{"a--1", "", 0, 0, false},
		{"", "", 0, 0, false},
	}
	for _, tt := range tests {
		op, id, rev, ok := reviewButton(tt.arg)
		if ok != tt.ok || ok && (op != tt.op || id != tt.id || rev != tt.rev) {
			t.Errorf("reviewButton(%q) = %q, %d, %d, %t; want %q, %d, %d, %t", tt.arg, op, id, rev, ok, tt.op, tt.id, tt.rev, tt.ok)
		}
	}
}

// The longest review button, the largest id and revision, still fits
// Telegram's callback_data and decodes.
func TestReviewButtonFits(t *testing.T) {
	data := Callback{cbReview, "a-9223372036854775807-" + "9223372036854775807"}.Encode()
	if len(data) > maxCallbackData {
		t.Fatalf("%q is %d bytes, over %d", data, len(data), maxCallbackData)
	}
	cb, err := DecodeCallback(data)
	if err != nil {
		t.Fatal(err)
	}
	if op, id, rev, ok := reviewButton(cb.Arg); !ok || op != "a" || id != math.MaxInt64 || rev != math.MaxInt {
		t.Errorf("reviewButton(%q) = %q, %d, %d, %t", cb.Arg, op, id, rev, ok)
	}
}
