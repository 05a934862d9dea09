package dump_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store/dump"
)

func TestReadJSONRefusesBrokenInput(t *testing.T) {
	good := validDump(t)
	withoutField := bytes.Replace(good, []byte(`"officials"`), []byte(`"officialz"`), 1)
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"empty", "", "empty"},
		{"spaces", " \n", "empty"},
		{"truncated", string(good[:len(good)/2]), "truncated"},
		{"truncated at the end", string(good[:len(good)-3]), "truncated"},
		{"trailing data", string(good) + "{}", "after the dump"},
		{"two dumps", string(good) + string(good), "after the dump"},
		{"not JSON", "subscribers: []", "malformed"},
		{"unknown field", strings.Replace(string(good), `"version": 1,`, `"version": 1, "extra": true,`, 1), "unknown field"},
		{"renamed field", string(withoutField), "unknown field"},
		{"missing field", `{"version": 1, "subscribers": [], "posts": []}`, "missing last_post_id, seeds, officials"},
		{"no version", strings.Replace(string(good), `"version": 1,`, ``, 1), "missing version"},
		{"future version", strings.Replace(string(good), `"version": 1,`, `"version": 2,`, 1), "version 2"},
		{"wrong type", strings.Replace(string(good), `"last_post_id": 24`, `"last_post_id": "24"`, 1), "last_post_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dump.ReadJSON(strings.NewReader(tc.input))
			if !errors.Is(err, dump.ErrInvalid) {
				t.Fatalf("ReadJSON = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadJSON error = %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

// spaces is an endless source of blanks, which JSON allows after a value.
type spaces struct{}

var block = bytes.Repeat([]byte(" "), 64<<10)

func (spaces) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], block)
	}
	return n, nil
}

func TestReadJSONCapsInputSize(t *testing.T) {
	good := validDump(t)
	limit := int64(len(good) + 100)
	pad := func(total int64) io.Reader {
		return io.MultiReader(bytes.NewReader(good), io.LimitReader(spaces{}, total-int64(len(good))))
	}
	if _, err := dump.ReadJSONLimit(pad(limit), limit); err != nil {
		t.Errorf("ReadJSON of exactly the cap = %v, want it read", err)
	}
	_, err := dump.ReadJSONLimit(pad(limit+1), limit)
	if want := fmt.Sprintf("larger than %d bytes", limit); !errors.Is(err, dump.ErrInvalid) || !strings.Contains(err.Error(), want) {
		t.Errorf("ReadJSON of one byte more than the cap = %v, want ErrInvalid mentioning %q", err, want)
	}
	// The real cap, on an endless input: refused after reading no more
	// than MaxInputSize+1 bytes.
	if _, err := dump.ReadJSON(spaces{}); !errors.Is(err, dump.ErrInvalid) || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("ReadJSON of an endless input = %v, want ErrInvalid naming the 64 MiB cap", err)
	}
}
