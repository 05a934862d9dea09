package data

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and either refuses the input with
// one *Error naming the file, or returns a dataset that keeps every promise
// (checkDataset). Run it with: go test -fuzz=FuzzParse ./data/
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add(defaultFile)
	f.Add([]byte(""))
	f.Add([]byte("{}"))
	f.Add([]byte("[]"))
	f.Add([]byte("\uFEFF{\"home\": null}"))
	f.Add([]byte(`{"home":{"slug":"h","name":{"uk":"H"},"timezone":"UTC"},"partners":[{"slug":"p","name":{"en":"P"},"timezone":"Asia/Tokyo"}],"posts":[{"key":"k","kind":"event","city":"p","date":"2025-01-01","title":"t","text":"x","starts_at":"2025-01-01 10:00"}]}`))
	f.Add([]byte(mod(f, `"Europe/Amsterdam"`, `"Europe/Krefeld"`)))
	f.Add([]byte(mod(f, `"slug": "venlo",`, `"slug": "venlo", "slug": "x",`)))
	f.Add([]byte(mod(f, `"2025-11-01 18:00"`, `"2025-03-30 03:30"`)))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := Parse("fuzz.json", b)
		if err != nil {
			if ds != nil {
				t.Fatal("dataset with an error")
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "fuzz.json" {
				t.Fatalf("not an *Error: %#v", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, `data file "fuzz.json": `) {
				t.Fatalf("error without the file name: %s", msg)
			}
			if e.Line < 0 || e.Column < 0 || (e.Line == 0) != (e.Column == 0) {
				t.Fatalf("bad position: %#v", e)
			}
			// The same input gives the same error.
			if _, again := Parse("fuzz.json", b); again == nil || again.Error() != msg {
				t.Fatalf("second parse: %v, first: %s", again, msg)
			}
			return
		}
		checkDataset(t, ds)
	})
}

// TestFuzzCorpus checks that the seed files named valid-* in
// testdata/fuzz/FuzzParse parse, so that the fuzzer starts from good files as
// well as bad ones.
func TestFuzzCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "valid-*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid seeds: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lit, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "go test fuzz v1\n[]byte(")
		lit, ok2 := strings.CutSuffix(lit, ")")
		s, err := strconv.Unquote(lit)
		if !ok || !ok2 || err != nil {
			t.Fatalf("%s: not a fuzz corpus file: %v", name, err)
		}
		ds, err := Parse(name, []byte(s))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkDataset(t, ds)
	}
}
