package data

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestLineCol(t *testing.T) {
	tests := []struct {
		name      string
		b         string
		off       int
		line, col int
	}{
		{"start", `{"a": 1}`, 0, 1, 1},
		{"first line", `{"a": 1}`, 6, 1, 7},
		{"end", `{"a": 1}`, 8, 1, 9},
		{"line start", "{\n  \"a\": 1\n}", 2, 2, 1},
		{"second line", "{\n  \"a\": 1\n}", 4, 2, 3},
		{"last line", "{\n  \"a\": 1\n}", 11, 3, 1},
		{"on the newline", "{\n}", 1, 1, 2},
		{"CRLF", "{\r\n  \"a\": 1\r\n}", 5, 2, 3},
		{"columns count characters", `{"дім": 1}`, 9, 1, 7}, // д, і, м are 2 bytes each
		{"a 4-byte character", "\"🇩🇪\"x", 10, 1, 5},
		{"negative", "ab", -1, 1, 1},
		{"past the end", "a\nb", 10, 2, 2},
		{"empty", "", 0, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, col := lineCol([]byte(tt.b), tt.off)
			if line != tt.line || col != tt.col {
				t.Errorf("lineCol(%q, %d) = %d, %d; want %d, %d", tt.b, tt.off, line, col, tt.line, tt.col)
			}
		})
	}
}

// parseErr parses file and returns its *Error, failing the test if there is
// none.
func parseErr(t *testing.T, file string) *Error {
	t.Helper()
	ds, err := Parse("x.json", []byte(file))
	var e *Error
	if !errors.As(err, &e) || ds != nil {
		t.Fatalf("Parse = %v, %v; want an *Error and no dataset", ds, err)
	}
	return e
}

// TestSyntaxErrors checks that encoding/json's offsets become the line and
// column of the character at fault.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"trailing comma", "{\n  \"home\": {\"slug\": \"h\",}\n}",
			`line 2, column 24: invalid character '}' looking for beginning of object key string`},
		{"missing comma", "{\n  \"home\": {\"slug\": \"h\" \"flag\": \"x\"}\n}",
			`line 2, column 24: invalid character '"' after object key:value pair`},
		{"single quotes", "{'home': {}}", `line 1, column 2: invalid character '\'' looking for beginning of object key string`},
		{"bare word", "{\"home\": yes}", `line 1, column 10: invalid character 'y' looking for beginning of value`},
		{"trailing data", "{}\n\n{}", `line 3, column 1: invalid character '{' after top-level value`},
		{"truncated", "{\n  \"home\": {\n\n\n", `line 2, column 12: unexpected end of JSON input (is a closing } or ] or " missing?)`},
		{"truncated string", `{"home": {"slug": "дім`, `line 1, column 23: unexpected end of JSON input (is a closing } or ] or " missing?)`},
		{"after Cyrillic", `{"дім": 1,}`, `line 1, column 11: invalid character '}' looking for beginning of object key string`},
		{"CRLF", "{\r\n  \"home\": {},\r\n}", `line 3, column 1: invalid character '}' looking for beginning of object key string`},
		{"after a byte order mark", "\uFEFF{,}", `line 1, column 2: invalid character ',' looking for beginning of object key string`},
		{"invalid UTF-8", "{\n  \"home\": \"\xe4\xf6\"}", `line 2, column 12: invalid UTF-8 (byte 0xe4); save the file in the UTF-8 encoding`},
		{"empty", "\uFEFF \r\n", `the file is empty; it must contain one JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseErr(t, tt.file)
			if got := strings.TrimPrefix(e.Error(), `data file "x.json": `); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if e.Path != "" {
				t.Errorf("path %q for a syntax error", e.Path)
			}
		})
	}
}

// TestScan checks the pass over the tokens: duplicate keys, unknown fields
// and wrong types, each with its path and place.
func TestScan(t *testing.T) {
	const city = `"slug": "h", "name": {"uk": "Дім"}, "timezone": "Europe/Kyiv"`
	tests := []struct{ name, file, want string }{
		// Duplicates, at every depth; encoding/json alone keeps the last.
		{"top-level field", `{"home": {}, "home": {}}`,
			`home: duplicate field "home": each field may appear only once (line 1, column 14)`},
		{"city field", "{\"home\": {\n  \"slug\": \"a\",\n  \"slug\": \"b\"}}",
			`home.slug: duplicate field "slug": each field may appear only once (line 3, column 3)`},
		{"language key", `{"home": {"name": {"uk": "a", "en": "b", "uk": "c"}}}`,
			`home.name.uk: duplicate key "uk": each key may appear only once (line 1, column 42)`},
		{"in a list item", `{"home": {` + city + `}, "partners": [{}, {"flag": "x", "flag": "y"}]}`,
			`partners[1].flag: duplicate field "flag": each field may appear only once (line 1, column 106)`},
		{"areas language", `{"home": {"areas": {"en": ["a"], "en": ["b"]}}}`,
			`home.areas.en: duplicate key "en": each key may appear only once (line 1, column 34)`},
		{"translation", `{"posts": [{"translations": {"en": {"title": "a", "title": "b"}}}]}`,
			`posts[0].translations.en.title: duplicate field "title": each field may appear only once (line 1, column 51)`},
		{"translation language", `{"posts": [{"translations": {"de": {}, "de": {}}}]}`,
			`posts[0].translations.de: duplicate key "de": each key may appear only once (line 1, column 40)`},
		{"odd key", `{"home": {"name": {"u k": "a", "u k": "b"}}}`,
			`home.name["u k"]: duplicate key "u k": each key may appear only once (line 1, column 32)`},
		{"after null", `{"home": null, "home": {}}`,
			`home: duplicate field "home": each field may appear only once (line 1, column 16)`},

		// Unknown fields name the object and point at the key.
		{"unknown in a translation", `{"posts": [{"translations": {"en": {"titel": "a"}}}]}`,
			`posts[0].translations.en: unknown field "titel" (check the spelling; field names are case-sensitive); the known fields are: title, text (line 1, column 37)`},
		{"unknown top level", `{"Home": {}}`,
			`line 1, column 2: unknown field "Home" at the top level (check the spelling; field names are case-sensitive); the known fields are: home, partners, posts, privacy`},

		// Wrong types.
		{"top-level list", `[{}]`, `line 1, column 1: the file must contain one JSON object {"home": ..., "partners": [...], "posts": [...]}, not a list [...]`},
		{"bool for string", `{"home": {"slug": true}}`, `home.slug: must be a string, not true or false (line 1, column 19)`},
		{"number for string", `{"home": {"slug": 1e400}}`,
			`home.slug: must be a string, not a number; put the value in double quotes, like "2023" (line 1, column 19)`},
		{"object for string", `{"home": {"name": {"uk": {}}}}`, `home.name.uk: must be a string, not an object {...} (line 1, column 26)`},
		{"list for object", `{"home": []}`, `home: must be a city object {...}, not a list [...] (line 1, column 10)`},
		{"string for areas", `{"home": {"areas": "x"}}`,
			`home.areas: must be an object of lists by language, like {"uk": ["..."], "en": ["..."]}, not a string (line 1, column 20)`},
		{"string for translations", `{"posts": [{"translations": []}]}`,
			`posts[0].translations: must be an object of translations by language, like {"en": {"title": "...", "text": "..."}}, not a list [...] (line 1, column 29)`},
		{"string for post", `{"posts": ["x"]}`, `posts[0]: must be a post object {...}, not a string (line 1, column 12)`},
		{"number for partners", `{"partners": 0}`, `partners: must be a list of city objects [{...}, ...], not a number (line 1, column 14)`},

		// The first problem in the file wins, whichever kind it is.
		{"type before unknown", `{"posts": 1, "x": 2}`, `posts: must be a list of post objects [{...}, ...], not a number (line 1, column 11)`},
		{"unknown before duplicate", `{"x": 1, "home": {}, "home": {}}`,
			`line 1, column 2: unknown field "x" at the top level (check the spelling; field names are case-sensitive); the known fields are: home, partners, posts, privacy`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := parseErr(t, tt.file)
			if got := strings.TrimPrefix(e.Error(), `data file "x.json": `); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}

	// Keys that repeat in different objects are fine.
	ok := `{"home": {` + city + `}, "partners": [{"slug": "p", "name": {"uk": "П", "en": "P"}, "timezone": "UTC"},` +
		`{"slug": "q", "name": {"uk": "К"}, "timezone": "UTC"}]}`
	if _, err := Parse("x.json", []byte(ok)); err != nil {
		t.Errorf("same keys in different objects: %v", err)
	}
}

// TestWhatCoversEveryType keeps "must be ..." messages readable when a
// field of a new type joins the file's structs.
func TestWhatCoversEveryType(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if seen[typ] {
			return
		}
		seen[typ] = true
		if what[typ] == "" {
			t.Errorf("what has no description of %v", typ)
		}
		switch typ.Kind() {
		case reflect.Struct:
			for i := range typ.NumField() {
				walk(typ.Field(i).Type)
			}
		case reflect.Map, reflect.Slice:
			walk(typ.Elem())
		}
	}
	walk(reflect.TypeFor[fileJSON]())
}
