// Package store holds partnerbot's domain: cities, posts, subscribers, and the
// storage interfaces the rest of the bot depends on. Implementations live in
// sub-packages (redisstore); storetest holds the contract they must all pass.
package store

import (
	"context"
	"errors"
	"time"
)

// Domain errors. Callers test them with errors.Is; implementations wrap them
// with context.
var (
	// ErrNotFound means the requested record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable means the storage backend cannot be reached right now;
	// the same call may succeed later.
	ErrUnavailable = errors.New("storage unavailable")
	// ErrStateChanged means a post is no longer in the state a change
	// was meant for (approved already, rescheduled, published): the
	// change was not made.
	ErrStateChanged = errors.New("post state changed")
)

// Subscribers stores one record per chat (private chat or group).
type Subscribers interface {
	// Subscriber returns the record of chatID, or ErrNotFound.
	Subscriber(ctx context.Context, chatID int64) (Subscriber, error)
	// SubscribersByID returns the records of the given chats in one round
	// trip, in the order asked, leaving out chats that have none.
	SubscribersByID(ctx context.Context, chatIDs []int64) ([]Subscriber, error)
	// SaveSubscriber creates or replaces the record and keeps the per-city
	// subscriber sets in step with s.Cities and s.Active in one atomic change.
	SaveSubscriber(ctx context.Context, s Subscriber) error
	// DeleteSubscriber removes everything stored about chatID (its record,
	// city memberships and digest cursor) and returns the record as it
	// was, or ErrNotFound.
	DeleteSubscriber(ctx context.Context, chatID int64) (Subscriber, error)
	// SetActive marks a chat active or inactive (blocked the bot, kicked it
	// from a group). An unknown chat is ErrNotFound.
	SetActive(ctx context.Context, chatID int64, active bool, now time.Time) error
	// CitySubscribers returns the ids of the active chats subscribed to the
	// city, in ascending order, without scanning other chats.
	CitySubscribers(ctx context.Context, city string) ([]int64, error)
}

// Posts stores posts with indexes by publication time, by city and, for
// events, by start time.
type Posts interface {
	// CreatePost assigns p an id (when zero) and stores it.
	CreatePost(ctx context.Context, p Post) (Post, error)
	// Post returns one post, or ErrNotFound.
	Post(ctx context.Context, id int64) (Post, error)
	// LatestPosts returns posts newest first. With a city, only posts about
	// that city and posts for all cities (Post.City == AllCities).
	LatestPosts(ctx context.Context, city string, limit int) ([]Post, error)
	// UpcomingEvents returns events starting at or after from, soonest
	// first, filtered by city like LatestPosts.
	UpcomingEvents(ctx context.Context, city string, from time.Time, limit int) ([]Post, error)
	// UpdatePost replaces a stored post (same id), moving its index
	// entries; ErrNotFound when there is no such post.
	UpdatePost(ctx context.Context, p Post) error
	// DeletePost removes a post and its index entries; ErrNotFound when
	// there is none.
	DeletePost(ctx context.Context, id int64) error
	// SetChannelRef records where a post stands in the city's channel
	// (nil: not there), leaving the rest of the post as it is now;
	// ErrNotFound when the post is gone.
	SetChannelRef(ctx context.Context, id int64, ref *ChannelRef) error
	// SeedPost stores a dataset post once: it is keyed by p.SeedKey, so
	// loading the same dataset again changes nothing. It reports whether the
	// post was created now.
	SeedPost(ctx context.Context, p Post) (created bool, err error)
}

// Store is everything a storage backend provides.
type Store interface {
	Subscribers
	Posts
	Publishing
	Workflow
	Memos
	Officials
	Users
	Drafts
	Audit
	Stats
	Outbox
	Locks
	Digests
	MediaCache
	Retention
	RSVPs
	Office
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// NowFunc returns the current time; injected where time matters so tests
// can control it.
type NowFunc func() time.Time
