package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/store"
)

// Parse parses a data file's contents; name is the file name errors report.
// It returns the dataset, or one *Error describing the first problem found.
func Parse(name string, b []byte) (*store.Dataset, error) {
	p := &parser{name: name, b: bytes.TrimPrefix(b, []byte("\uFEFF")), pos: make(map[string]int)}
	if len(bytes.Trim(p.b, " \t\r\n")) == 0 {
		return nil, &Error{File: name, Msg: "the file is empty; it must contain one JSON object"}
	}
	// encoding/json would quietly turn a broken byte inside a string into
	// U+FFFD; a file saved in another encoding should be refused instead.
	if off := invalidUTF8(p.b); off >= 0 {
		return nil, p.errAt(off, fmt.Sprintf("invalid UTF-8 (byte 0x%02x); save the file in the UTF-8 encoding", p.b[off]))
	}
	// Unmarshal checks the syntax of the whole input, trailing data
	// included, before it decodes anything.
	var f fileJSON
	jerr := json.Unmarshal(p.b, &f)
	if se := (*json.SyntaxError)(nil); errors.As(jerr, &se) {
		return nil, p.syntaxErr(se)
	}
	dec := json.NewDecoder(bytes.NewReader(p.b))
	dec.UseNumber() // so that 1e400 is a number where a string belongs, not a token error
	if err := p.scan(dec, "", reflect.TypeFor[fileJSON]()); err != nil {
		return nil, err
	}
	if jerr != nil { // the scan checks all Unmarshal does; this is a safety net
		return nil, &Error{File: name, Msg: jerr.Error(), Err: jerr}
	}
	return p.dataset(&f)
}

type parser struct {
	name string
	b    []byte
	// pos maps a field path ("" is the whole file) to the offset where its
	// value starts, so that errors found after decoding have a line.
	pos map[string]int
}

func invalidUTF8(b []byte) int {
	for off := 0; off < len(b); {
		r, n := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && n == 1 {
			return off
		}
		off += n
	}
	return -1
}

// lineCol converts a byte offset into b to a line and a column, both from
// 1; the column counts characters, as editors do.
func lineCol(b []byte, off int) (line, col int) {
	before := b[:max(0, min(off, len(b)))]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

func (p *parser) errAt(off int, msg string) *Error {
	line, col := lineCol(p.b, off)
	return &Error{File: p.name, Line: line, Column: col, Msg: msg}
}

// syntaxErr locates a syntax error at the character that broke it; the
// Offset encoding/json reports is just past it.
func (p *parser) syntaxErr(se *json.SyntaxError) *Error {
	var e *Error
	if msg := se.Error(); strings.HasPrefix(msg, "unexpected end of JSON input") {
		// Point after the last thing written, not at trailing blank lines.
		e = p.errAt(len(bytes.TrimRight(p.b, " \t\r\n")), msg+` (is a closing } or ] or " missing?)`)
	} else {
		e = p.errAt(int(se.Offset)-1, msg)
	}
	e.Err = se
	return e
}

// fail returns an error about the field at path, located at the field or,
// when the file lacks it, at the nearest enclosing value it has.
func (p *parser) fail(path, format string, args ...any) *Error {
	e := &Error{File: p.name, Path: path, Msg: fmt.Sprintf(format, args...)}
	for q := path; ; q = parent(q) {
		if off, ok := p.pos[q]; ok {
			e.Line, e.Column = lineCol(p.b, off)
			return e
		}
		if q == "" {
			return e
		}
	}
}

// Field paths: partners[1].name.uk, or name["u k"] for a key that would
// read ambiguously.

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func key(path, k string) string {
	switch {
	case !plainKey.MatchString(k):
		return path + "[" + strconv.Quote(k) + "]"
	case path == "":
		return k
	}
	return path + "." + k
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// parent may cut a quoted key in the wrong place; fail then only climbs one
// step further than it needs to.
func parent(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// scan walks the tokens of the file, which Unmarshal has found well-formed,
// against the type t of the value at path. It reports in file order what
// encoding/json would accept silently (a duplicate key: the last one wins;
// a field name in the wrong case) or report without a usable place (an
// unknown field; a wrong type, named by its Go type), and records where
// every value starts.
func (p *parser) scan(dec *json.Decoder, path string, t reflect.Type) error {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	p.pos[path] = p.next(dec)
	tok, err := dec.Token()
	if err != nil {
		return p.tokenErr(err)
	}
	got, want := shape(tok), t.Kind()
	if want == reflect.Map {
		want = reflect.Struct
	}
	switch {
	case got == reflect.Invalid:
		return nil // null is the same as leaving the field out
	case got != want && path == "":
		return p.fail(path, "the file must contain %s, not %s", what[t], shapes[got])
	case got != want && got == reflect.Float64 && want == reflect.String:
		return p.fail(path, `must be a string, not a number; put the value in double quotes, like "2023"`)
	case got != want:
		return p.fail(path, "must be %s, not %s", what[t], shapes[got])
	}
	switch tok {
	case json.Delim('{'):
		if err := p.scanObject(dec, path, t); err != nil {
			return err
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := p.scan(dec, index(path, i), t.Elem()); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	if _, err := dec.Token(); err != nil { // the closing } or ]
		return p.tokenErr(err)
	}
	return nil
}

func (p *parser) scanObject(dec *json.Decoder, path string, t reflect.Type) error {
	var fields []string // a struct's JSON names; a map takes any key
	if t.Kind() == reflect.Struct {
		fields = make([]string, t.NumField())
		for i := range fields {
			fields[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
		}
	}
	seen := make(map[string]bool)
	for dec.More() {
		off := p.next(dec)
		tok, err := dec.Token()
		if err != nil {
			return p.tokenErr(err)
		}
		k, _ := tok.(string)
		kp, elem := key(path, k), reflect.Type(nil)
		if t.Kind() == reflect.Map {
			elem = t.Elem()
		} else if i := slices.Index(fields, k); i >= 0 {
			elem = t.Field(i).Type
		}
		switch {
		case seen[k]:
			noun := "field"
			if t.Kind() == reflect.Map {
				noun = "key"
			}
			p.pos[kp] = off
			return p.fail(kp, "duplicate %s %q: each %[1]s may appear only once", noun, k)
		case elem == nil:
			where := ""
			if path == "" {
				where = " at the top level"
			}
			e := p.errAt(off, fmt.Sprintf("unknown field %q%s (check the spelling; field names are case-sensitive); the known fields are: %s",
				k, where, strings.Join(fields, ", ")))
			e.Path = path
			return e
		}
		seen[k] = true
		if err := p.scan(dec, kp, elem); err != nil {
			return err
		}
	}
	return nil
}

// next returns where the decoder's next token starts: InputOffset is where
// the last one ended, before any separator.
func (p *parser) next(dec *json.Decoder) int {
	off := int(dec.InputOffset())
	for off < len(p.b) && strings.IndexByte(" \t\r\n,:", p.b[off]) >= 0 {
		off++
	}
	return off
}

// tokenErr is for the impossible: Unmarshal has checked the syntax.
func (p *parser) tokenErr(err error) error {
	return &Error{File: p.name, Msg: err.Error(), Err: err}
}

// shape is the kind of Go value a token decodes to, with objects as
// structs, so that it compares with the type the file wants there.
func shape(tok json.Token) reflect.Kind {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('[') {
			return reflect.Slice
		}
		return reflect.Struct
	case string:
		return reflect.String
	case json.Number:
		return reflect.Float64
	case bool:
		return reflect.Bool
	}
	return reflect.Invalid // null
}

// shapes names the kinds of values in messages.
var shapes = map[reflect.Kind]string{reflect.Struct: "an object {...}", reflect.Slice: "a list [...]",
	reflect.String: "a string", reflect.Float64: "a number", reflect.Bool: "true or false"}
