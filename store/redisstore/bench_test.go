package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/store"
)

// benchPosts is the size the indexes must stay cheap at.
const benchPosts = 100_000

// loadPosts fills a fresh server with n posts spread over 20 cities (every
// 10th for AllCities, every 5th an event), bypassing CreatePost's
// per-post transaction so the load takes seconds, not minutes.
func loadPosts(b *testing.B, n int) *Store {
	b.Helper()
	srv := redistest.Start(b, redistest.WithoutAOF())
	s := NewFromClient(srv.Client(b))
	ctx := context.Background()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 1000
	for start := 1; start <= n; start += batch {
		_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for id := start; id < start+batch && id <= n; id++ {
				p := store.Post{
					ID:          int64(id),
					Kind:        store.KindVisit,
					City:        fmt.Sprintf("city%d", id%20),
					Title:       fmt.Sprintf("Post %d", id),
					Text:        "Some text of a realistic length for a post about a partner city visit.",
					Lang:        store.LangUK,
					PublishedAt: t0.Add(time.Duration(id) * time.Minute),
				}
				if id%10 == 0 {
					p.City = store.AllCities
				}
				if id%5 == 0 {
					starts := p.PublishedAt.Add(30 * 24 * time.Hour)
					p.Kind, p.StartsAt = store.KindEvent, &starts
				}
				data, err := json.Marshal(p)
				if err != nil {
					return err
				}
				pipe.Set(ctx, s.k.post(p.ID), data, 0)
				s.indexPost(ctx, pipe, p)
			}
			return nil
		})
		if err != nil {
			b.Fatalf("load posts: %v", err)
		}
	}
	if err := s.rdb.Set(ctx, s.k.postSeq(), n, 0).Err(); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkLatestPostsCity measures one city's 20 latest posts among
// 100,000: it should cost a few round trips regardless of the total.
func BenchmarkLatestPostsCity(b *testing.B) {
	s := loadPosts(b, benchPosts)
	ctx := context.Background()
	for b.Loop() {
		posts, err := s.LatestPosts(ctx, "city7", 20)
		if err != nil || len(posts) != 20 {
			b.Fatalf("LatestPosts = %d posts, %v", len(posts), err)
		}
	}
}

// BenchmarkUpcomingEventsCity is the same for events.
func BenchmarkUpcomingEventsCity(b *testing.B) {
	s := loadPosts(b, benchPosts)
	ctx := context.Background()
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		posts, err := s.UpcomingEvents(ctx, "city5", from, 20)
		if err != nil || len(posts) != 20 {
			b.Fatalf("UpcomingEvents = %d posts, %v", len(posts), err)
		}
	}
}
