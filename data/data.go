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
