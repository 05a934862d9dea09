package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// The dataset's optional privacy notice: kept by language, checked like
// every multi-language text.
func TestDatasetPrivacy(t *testing.T) {
	const city = `"slug": "h", "name": {"uk": "Дім"}, "timezone": "Europe/Kyiv"`
	base := `{"home": {` + city + `}, "partners": [{"slug": "p", "name": {"en": "P"}, "timezone": "Europe/Berlin"}]`
	ds, err := Parse("x.json", []byte(base+`, "privacy": {"en": "We keep little.\n\nAsk us.", "de": "Wir speichern wenig."}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ds.Privacy[store.LangEN] != "We keep little.\n\nAsk us." || ds.Privacy[store.LangDE] == "" || len(ds.Privacy) != 2 {
		t.Errorf("Privacy = %q", ds.Privacy)
	}
	if ds, err := Parse("x.json", []byte(base+`}`)); err != nil || ds.Privacy != nil {
		t.Errorf("without privacy: %v, %v; want none", ds.Privacy, err)
	}
	for _, tc := range []struct{ name, privacy, want string }{
		{"unknown language", `{"ua": "x"}`, `privacy.ua: unknown language "ua" (Ukrainian is "uk"); use one of uk, en, de, nl`},
		{"empty text", `{"en": " "}`, `privacy.en: must not be empty`},
		{"too long", `{"en": "` + strings.Repeat("a", MaxPrivacyLen+1) + `"}`, `privacy.en: too long: 3501 characters, at most 3500`},
		{"not an object", `"We keep little"`, `privacy: must be an object of texts by language, like {"uk": "...", "en": "..."}, not a string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := parseErr(t, base+`, "privacy": `+tc.privacy+`}`)
			if got := strings.TrimPrefix(e.Error(), `data file "x.json": `); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s…", got, tc.want)
			}
		})
	}
}

// A PRIVACY_FILE is one object of texts by language; anything else is
// refused with one error naming the file and what is wrong.
func TestParsePrivacy(t *testing.T) {
	got, err := ParsePrivacy("p.json", []byte("\uFEFF{\"uk\": \"Ми зберігаємо мало.\", \"nl\": \"Wij bewaren weinig.\"}\n"))
	if err != nil || got[store.LangUK] != "Ми зберігаємо мало." || got[store.LangNL] != "Wij bewaren weinig." {
		t.Fatalf("ParsePrivacy = %q, %v", got, err)
	}
	for _, tc := range []struct{ name, file, want string }{
		{"empty", "", `privacy file "p.json": the file is empty; it must contain one JSON object like {"uk": "...", "en": "..."}`},
		{"syntax", `{"uk": "a",}`, `privacy file "p.json": line 1, column 12: invalid character '}' looking for beginning of object key string`},
		{"a list", `["a"]`, `privacy file "p.json": line 1, column 1: the file must contain an object of texts by language, like {"uk": "...", "en": "..."}, not a list [...]`},
		{"no language", `{}`, `privacy file "p.json": no text: give the notice in at least one language, like {"uk": "...", "en": "..."}`},
		{"unknown language", `{"fr": "x"}`, `privacy file "p.json": fr: unknown language "fr"; use one of uk, en, de, nl (line 1, column 8)`},
		{"duplicate", `{"en": "a", "en": "b"}`, `privacy file "p.json": en: duplicate key "en": each key may appear only once (line 1, column 13)`},
		{"a number", `{"en": 1}`, `privacy file "p.json": en: must be a string, not a number; put the value in double quotes, like "2023" (line 1, column 8)`},
		{"control character", "{\"en\": \"a\\u0007\"}", `privacy file "p.json": en: contains the control character U+0007; remove it (line 1, column 8)`},
		{"bad UTF-8", "{\"en\": \"\xff\"}", `privacy file "p.json": line 1, column 9: invalid UTF-8 (byte 0xff); save the file in the UTF-8 encoding`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePrivacy("p.json", []byte(tc.file))
			var e *Error
			if !errors.As(err, &e) || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestLoadPrivacy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "privacy.json")
	if err := os.WriteFile(path, []byte(`{"en": "Hello"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadPrivacy(path); err != nil || got[store.LangEN] != "Hello" {
		t.Errorf("LoadPrivacy = %q, %v", got, err)
	}
	_, err := LoadPrivacy(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), `privacy file "`) {
		t.Errorf("missing file: %v", err)
	}
}
