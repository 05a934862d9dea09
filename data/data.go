// Package data loads a municipality's dataset: its home city, its partner
// cities and the first posts the bot publishes about them.
//
// The dataset is one JSON file; FORMAT.md describes it. The bot ships with
// partnerbot.json (Kropyvnytskyi and its partner cities Krefeld and Venlo)
// embedded in the binary; another municipality runs the bot with its own
// file instead (see Load).
//
// Loading is strict: a file with a syntax error, an unknown field, a field of
// the wrong type or a value that makes no sense is refused as a whole, with
// one *Error that names the file and the line, column and field at fault.
// Posts must pass store.Post.ValidateWithCities, as every post the bot
// stores; the loader adds only what concerns the file itself.
package data

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/partnerbot/partnerbot/store"
)

//go:embed partnerbot.json
var defaultFile []byte

// DefaultName is the file name errors from Default report.
const DefaultName = "partnerbot.json (embedded)"

// MaxFileSize is the largest data file Load reads.
const MaxFileSize = 8 << 20

// Default returns the dataset built into the binary: Kropyvnytskyi and its
// partner cities. Every call returns a fresh copy, which the caller may
// change.
func Default() (*store.Dataset, error) {
	return Parse(DefaultName, defaultFile)
}

// Load reads and parses the data file at path. Errors are *Error and name
// path; a file that cannot be read also wraps the underlying error, so
// errors.Is(err, fs.ErrNotExist) works.
func Load(path string) (*store.Dataset, error) {
	b, err := readFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &Error{File: path, Msg: "cannot read the file: " + msg, Err: err}
	}
	return Parse(path, b)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, errors.New("it is a directory, not a file")
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("the file is larger than %d MiB", MaxFileSize>>20)
	}
	return b, nil
}

// Error is a data file the bot refuses. Its message names the file and
// either the field (Path) or the place (Line, Column) at fault, or both:
//
//	data file "x.json": line 12, column 5: invalid character '}' looking for beginning of object key string
//	data file "x.json": partners[1].timezone: unknown time zone "Europe/Krefeld" (line 40, column 19)
type Error struct {
	File string // the name given to Parse, the path given to Load
	// Path is the field at fault, e.g. "partners[1].timezone"; empty for
	// syntax errors and for errors about the file as a whole.
	Path string
	// Line and Column locate the error, counted from 1 (the column in
	// characters); both are 0 when unknown.
	Line, Column int
	Msg          string
	Err          error // the underlying error, if any
	// Kind names the file in the message: "data file" when empty,
	// "privacy file" for a PRIVACY_FILE.
	Kind string
}

func (e *Error) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "data file"
	}
	prefix := fmt.Sprintf("%s %q: ", kind, e.File)
	switch {
	case e.Path != "" && e.Line > 0:
		return fmt.Sprintf("%s%s: %s (line %d, column %d)", prefix, e.Path, e.Msg, e.Line, e.Column)
	case e.Path != "":
		return prefix + e.Path + ": " + e.Msg
	case e.Line > 0:
		return fmt.Sprintf("%sline %d, column %d: %s", prefix, e.Line, e.Column, e.Msg)
	}
	return prefix + e.Msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
