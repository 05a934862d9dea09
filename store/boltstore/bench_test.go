package boltstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Every write is a committed, fsynced transaction: these measure what one
// costs on the machine's disk.

func BenchmarkEnqueueOnce(b *testing.B) {
	s := newTestStore(b)
	ctx := b.Context()
	i := 0
	for b.Loop() {
		i++
		once := store.Once{Key: fmt.Sprint("digest:", i), TTL: time.Hour, CursorChat: int64(i), Cursor: tB}
		if _, err := s.EnqueueOnce(ctx, once, store.OutboxMessage{ChatID: int64(i), Text: "digest text"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLatestPosts(b *testing.B) {
	s := newTestStore(b)
	ctx := b.Context()
	posts := make([]store.Post, 0, 1000)
	for i := range 1000 {
		posts = append(posts, store.Post{Kind: store.KindVisit, City: fmt.Sprint("c", i%10),
			PublishedAt: tB.Add(time.Duration(i) * time.Minute)})
	}
	for _, p := range posts {
		if _, err := s.CreatePost(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := s.LatestPosts(ctx, "c3", 10); err != nil {
			b.Fatal(err)
		}
	}
}
