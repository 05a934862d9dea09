package store

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckMedia(t *testing.T) {
	for _, tc := range []struct {
		name, key, ct string
		size          int
		want          error // nil: accepted
	}{
		{"photo", "AQADBAADr6gxG-abc_1", "image/jpeg", 50_000, nil},
		{"at the cap", "AQADbig", "image/jpeg", MaxMediaSize, nil},
		{"over the cap", "AQADbig", "image/jpeg", MaxMediaSize + 1, ErrMediaTooLarge},
		{"no bytes", "AQADx", "image/jpeg", 0, ErrBadMedia},
		{"longest key", strings.Repeat("k", 128), "image/jpeg", 1, nil},
		{"key too long", strings.Repeat("k", 129), "image/jpeg", 1, ErrBadMedia},
		{"empty key", "", "image/jpeg", 1, ErrBadMedia},
		{"dot dot", "..", "image/jpeg", 1, ErrBadMedia},
		{"slash", "a/b", "image/jpeg", 1, ErrBadMedia},
		{"backslash", `a\b`, "image/jpeg", 1, ErrBadMedia},
		{"percent", "a%2F", "image/jpeg", 1, ErrBadMedia},
		{"non-ASCII key", "фото", "image/jpeg", 1, ErrBadMedia},
		{"type with parameters", "AQADx", "text/plain; charset=utf-8", 1, nil},
		{"no type", "AQADx", "", 1, ErrBadMedia},
		{"line break in type", "AQADx", "image/jpeg\r\nSet-Cookie: a", 1, ErrBadMedia},
		{"type too long", "AQADx", "image/" + strings.Repeat("x", 250), 1, ErrBadMedia},
	} {
		err := CheckMedia(tc.key, make([]byte, tc.size), tc.ct)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: CheckMedia = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestValidMediaKey(t *testing.T) {
	for key, want := range map[string]bool{
		"AQADBAADr6gxG-abc_1":    true,
		strings.Repeat("k", 128): true,
		strings.Repeat("k", 129): false,
		"":                       false,
		"..":                     false,
		".tmp-x":                 false, // a boltstore temporary file
		"a/b":                    false,
		"a.jpg":                  false,
		"фото":                   false,
	} {
		if got := ValidMediaKey(key); got != want {
			t.Errorf("ValidMediaKey(%q) = %t, want %t", key, got, want)
		}
	}
}
