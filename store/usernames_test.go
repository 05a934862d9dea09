package store_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

func TestNormalizeUsername(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"carol", "carol", true},
		{"Carol", "carol", true},
		{"@Carol", "carol", true},
		{"  @MAYOR_2 \n", "mayor_2", true},
		{"jack", "jack", true}, // collectible, 4 characters
		{"a_1_b", "a_1_b", true},
		{strings.Repeat("a", 32), strings.Repeat("a", 32), true},
		{"", "", false},
		{"@", "", false},
		{"abc", "abc", false},
		{strings.Repeat("a", 33), strings.Repeat("a", 33), false},
		{"1carol", "1carol", false},
		{"_carol", "_carol", false},
		{"car ol", "car ol", false},
		{"car-ol", "car-ol", false},
		{"@@carol", "@carol", false}, // only one @ is Telegram's
		{"kärol", "kärol", false},
		{"caroł", "caroł", false},
	}
	for _, tc := range tests {
		got, ok := store.NormalizeUsername(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeUsername(%q) = %q, %t; want %q, %t", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
