package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docRef finds a document named in a comment, like "data/FORMAT.md".
var docRef = regexp.MustCompile(`[A-Za-z0-9_./-]*[A-Za-z0-9_-]+\.md\b`)

// A comment that sends the reader to a document sends them to one that is
// in the repository: next to the file, or from the repository's root.
func TestCommentsNameOnlyDocumentsInTheRepository(t *testing.T) {
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			_, comment, ok := strings.Cut(line, "//")
			if !ok {
				continue
			}
			for _, ref := range docRef.FindAllString(comment, -1) {
				if exists(filepath.Join(filepath.Dir(path), ref)) || exists(filepath.Join(root, ref)) {
					continue
				}
				t.Errorf("%s:%d: comment names %s, which is not in the repository", path, i+1, ref)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
