package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"

	"github.com/partnerbot/partnerbot/store"
)

// MaxPrivacyLen is the longest privacy notice in one language, in
// characters: with the retention periods the bot adds, it fits one
// Telegram message. A longer policy belongs on the city's website, linked
// from the notice.
const MaxPrivacyLen = 3500

// privacyKind names a privacy file in errors.
const privacyKind = "privacy file"

// LoadPrivacy reads a privacy notice file (PRIVACY_FILE): one JSON object
// of texts by language, {"uk": "...", "en": "...", "de": "...", "nl": "..."},
// checked like the dataset's privacy field. Errors are *Error naming the
// file, like Load's.
func LoadPrivacy(path string) (store.Text, error) {
	b, err := readFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &Error{Kind: privacyKind, File: path, Msg: "cannot read the file: " + msg, Err: err}
	}
	return ParsePrivacy(path, b)
}

// ParsePrivacy parses a privacy file's contents; name is what errors call
// it.
func ParsePrivacy(name string, b []byte) (store.Text, error) {
	t, err := parsePrivacy(name, b)
	var e *Error
	if errors.As(err, &e) {
		e.Kind = privacyKind
	}
	return t, err
}

func parsePrivacy(name string, b []byte) (store.Text, error) {
	p := &parser{name: name, b: bytes.TrimPrefix(b, []byte("\uFEFF")), pos: make(map[string]int)}
	if len(bytes.Trim(p.b, " \t\r\n")) == 0 {
		return nil, &Error{File: name, Msg: `the file is empty; it must contain one JSON object like {"uk": "...", "en": "..."}`}
	}
	if off := invalidUTF8(p.b); off >= 0 {
		return nil, p.errAt(off, fmt.Sprintf("invalid UTF-8 (byte 0x%02x); save the file in the UTF-8 encoding", p.b[off]))
	}
	var m map[string]string
	jerr := json.Unmarshal(p.b, &m)
	if se := (*json.SyntaxError)(nil); errors.As(jerr, &se) {
		return nil, p.syntaxErr(se)
	}
	dec := json.NewDecoder(bytes.NewReader(p.b))
	dec.UseNumber()
	if err := p.scan(dec, "", reflect.TypeFor[map[string]string]()); err != nil {
		return nil, err
	}
	if jerr != nil {
		return nil, &Error{File: name, Msg: jerr.Error(), Err: jerr}
	}
	t, err := p.text("", m, MaxPrivacyLen, true)
	if err != nil {
		return nil, err
	}
	if len(t) == 0 {
		return nil, &Error{File: name, Msg: `no text: give the notice in at least one language, like {"uk": "...", "en": "..."}`}
	}
	return t, nil
}
