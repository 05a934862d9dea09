package boltstore

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// crashWriterEnv, when set to a file path, turns the test binary into the
// writer that TestKillDuringWrites kills: see crashWriter.
const crashWriterEnv = "BOLTSTORE_CRASH_WRITER"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashWriterEnv); path != "" {
		if err := crashWriter(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashWriter opens the file at path and, until killed (or after a bound,
// should its parent be gone), saves subscriber i and creates a post, and
// prints "i postID" once both calls returned: a line on stdout is a write
// the store acknowledged.
func crashWriter(path string) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := int64(1); i <= 100_000; i++ {
		sub := store.NewSubscriber(i, "private", store.LangUK, t0)
		sub.Cities = []string{"lyon"}
		if err := s.SaveSubscriber(ctx, sub); err != nil {
			return err
		}
		p, err := s.CreatePost(ctx, store.Post{Kind: store.KindVisit, City: "lyon",
			Title: fmt.Sprint("post ", i), PublishedAt: t0.Add(time.Duration(i) * time.Second)})
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(os.Stdout, i, p.ID); err != nil {
			return err
		}
	}
	return s.Close()
}
