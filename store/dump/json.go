package dump

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// WriteJSON writes d as indented JSON, lists in their fixed order.
func WriteJSON(w io.Writer, d Dump) error {
	d = d.clone()
	d.normalize()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // post texts are HTML: keep them readable
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("dump: write: %w", err)
	}
	return nil
}

// MaxInputSize is the largest dump ReadJSON reads. A city's dump is a few
// megabytes (a subscriber is about 300 bytes, a post a few kilobytes);
// the cap keeps a wrong or hostile file from exhausting memory, as the
// whole dump is held in memory to be checked before anything is written.
const MaxInputSize = 64 << 20

// ReadJSON reads a dump WriteJSON wrote and validates it. It refuses,
// with an error wrapping ErrInvalid, input that is not exactly one
// complete dump: larger than MaxInputSize, truncated or malformed JSON,
// unknown or missing fields, anything after the dump, or records Validate
// rejects.
func ReadJSON(r io.Reader) (Dump, error) { return readJSON(r, MaxInputSize) }

// readJSON is ReadJSON with the size cap as a parameter, so tests need not
// feed it 64 MiB.
func readJSON(r io.Reader, limit int64) (Dump, error) {
	// One byte more than allowed tells a too large input from one that
	// ends exactly at the cap.
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return Dump{}, fmt.Errorf("dump: read: %w", err)
	}
	if int64(len(data)) > limit {
		size := fmt.Sprintf("%d bytes", limit)
		if limit%(1<<20) == 0 {
			size = fmt.Sprintf("%d MiB", limit>>20)
		}
		return Dump{}, fmt.Errorf("dump: %w: the input is larger than %s, the most a dump may have; "+
			"a partnerbot dump is far smaller: is it the right file?", ErrInvalid, size)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Dump{}, fmt.Errorf("dump: %w: the input is empty", ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Dump
	if err := dec.Decode(&d); err != nil {
		return Dump{}, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Dump{}, fmt.Errorf("dump: %w: unexpected data after the dump at byte %d", ErrInvalid, dec.InputOffset())
	}
	// Every field must be there: a dump without "posts" is not one
	// without posts, it is a broken one.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return Dump{}, decodeError(err)
	}
	var missing []string
	for _, name := range fieldNames() {
		if _, ok := fields[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return Dump{}, fmt.Errorf("dump: %w: missing %s", ErrInvalid, strings.Join(missing, ", "))
	}
	if err := d.Validate(); err != nil {
		return Dump{}, err
	}
	d.normalize()
	return d, nil
}

// decodeError explains a JSON error in terms of the dump.
func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("dump: %w: the JSON ends too early; the file is truncated (was the export cut short?)", ErrInvalid)
	case errors.As(err, &syntax):
		return fmt.Errorf("dump: %w: malformed JSON at byte %d: %v", ErrInvalid, syntax.Offset, err)
	case errors.As(err, &typ):
		return fmt.Errorf("dump: %w: %s at byte %d: %v", ErrInvalid, typ.Field, typ.Offset, err)
	}
	return fmt.Errorf("dump: %w: %v", ErrInvalid, err)
}

// fieldNames lists the JSON names of Dump's fields.
func fieldNames() []string {
	t := reflect.TypeFor[Dump]()
	names := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// clone copies the lists of d, so sorting them leaves the caller's alone.
func (d Dump) clone() Dump {
	d.Subscribers = slices.Clone(d.Subscribers)
	d.Posts = slices.Clone(d.Posts)
	d.Seeds = slices.Clone(d.Seeds)
	d.Officials = slices.Clone(d.Officials)
	d.Users = slices.Clone(d.Users)
	d.Audit = slices.Clone(d.Audit)
	d.DigestCursors = slices.Clone(d.DigestCursors)
	return d
}
