package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// post returns a post fixture published at pub.
func post(title string, kind store.Kind, city string, pub time.Time) store.Post {
	return store.Post{
		Kind: kind, City: city, Title: title, Text: title + " text", Lang: store.LangUK,
		Date: pub.Truncate(24 * time.Hour), PublishedAt: pub, UpdatedAt: pub,
	}
}

func saveSub(t *testing.T, s store.Store, sub store.Subscriber) {
	t.Helper()
	if err := s.SaveSubscriber(t.Context(), sub); err != nil {
		t.Fatalf("SaveSubscriber(%d) = %v", sub.ChatID, err)
	}
}

func getSub(t *testing.T, s store.Store, chatID int64) store.Subscriber {
	t.Helper()
	sub, err := s.Subscriber(t.Context(), chatID)
	if err != nil {
		t.Fatalf("Subscriber(%d) = %v", chatID, err)
	}
	return sub
}

func citySubs(t *testing.T, s store.Store, city string) []int64 {
	t.Helper()
	ids, err := s.CitySubscribers(t.Context(), city)
	if err != nil {
		t.Fatalf("CitySubscribers(%q) = %v", city, err)
	}
	return ids
}

// wantSubs checks that CitySubscribers(city) is exactly want (ascending).
func wantSubs(t *testing.T, s store.Store, city string, want ...int64) {
	t.Helper()
	if got := citySubs(t, s, city); !slices.Equal(got, want) {
		t.Errorf("CitySubscribers(%q) = %v, want %v", city, got, want)
	}
}

func createPost(t *testing.T, s store.Store, p store.Post) store.Post {
	t.Helper()
	created, err := s.CreatePost(t.Context(), p)
	if err != nil {
		t.Fatalf("CreatePost(%q) = %v", p.Title, err)
	}
	return created
}

func seed(t *testing.T, s store.Store, p store.Post) bool {
	t.Helper()
	created, err := s.SeedPost(t.Context(), p)
	if err != nil {
		t.Fatalf("SeedPost(%q) = %v", p.SeedKey, err)
	}
	return created
}

func latest(t *testing.T, s store.Store, city string, limit int) []store.Post {
	t.Helper()
	posts, err := s.LatestPosts(t.Context(), city, limit)
	if err != nil {
		t.Fatalf("LatestPosts(%q, %d) = %v", city, limit, err)
	}
	return posts
}

func upcoming(t *testing.T, s store.Store, city string, from time.Time, limit int) []store.Post {
	t.Helper()
	posts, err := s.UpcomingEvents(t.Context(), city, from, limit)
	if err != nil {
		t.Fatalf("UpcomingEvents(%q, %v, %d) = %v", city, from, limit, err)
	}
	return posts
}

func titles(posts []store.Post) []string {
	if len(posts) == 0 {
		return nil
	}
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.Title
	}
	return out
}

// equalSub compares subscribers field by field, times with Equal and nil
// slices equal to empty ones, as a store need not keep either distinction.
func equalSub(a, b store.Subscriber) bool {
	return reflect.DeepEqual(normSub(a), normSub(b))
}

func normSub(s store.Subscriber) store.Subscriber {
	s.CreatedAt = s.CreatedAt.UTC()
	s.UpdatedAt = s.UpdatedAt.UTC()
	s.InactiveSince = s.InactiveSince.UTC()
	if len(s.Cities) == 0 {
		s.Cities = nil
	}
	if len(s.Kinds) == 0 {
		s.Kinds = nil
	}
	return s
}

// equalPost compares posts like equalSub compares subscribers.
func equalPost(a, b store.Post) bool {
	return reflect.DeepEqual(normPost(a), normPost(b))
}

func normPost(p store.Post) store.Post {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	p.Date = p.Date.UTC()
	p.PublishedAt = p.PublishedAt.UTC()
	p.UpdatedAt = p.UpdatedAt.UTC()
	p.StartsAt = utc(p.StartsAt)
	p.EndsAt = utc(p.EndsAt)
	p.PublishAt = utc(p.PublishAt)
	if len(p.Translations) == 0 {
		p.Translations = nil
	}
	return p
}
