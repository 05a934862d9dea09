// Package dump moves partnerbot's lasting data between storage backends
// (partnerbot export / import): from Redis to the embedded file store and
// back, or from one Redis to another.
//
// A Dump holds what matters for residents and officials: subscribers,
// posts (with their ids), the dataset seed keys (so a deleted dataset post
// stays deleted), the post id sequence (so ids are not reused), officials,
// users, the audit log and each chat's digest cursor (so nobody gets a
// digest twice). It leaves out what is transient and rebuilt by a running
// bot: outbox messages in flight, dead letters, leases, digest runs,
// once-flags and /post drafts. Export with the bot stopped: messages still
// in the outbox are not carried over, and a running bot keeps changing
// what is being read.
//
// Import accepts only what a partnerbot could have written itself: it
// refuses a dump that is malformed, incomplete or forged (an owner grant,
// ids beyond Telegram's or the post sequence's bounds, a post the forms
// would refuse) before it writes anything, and imports only into a store
// without subscribers or posts.
package dump

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Version is the format version Export writes and Import reads.
const Version = 1

// Dump is a backend-neutral copy of a store's lasting data. Lists are in a
// fixed order (by id, the audit log oldest first), so dumps of equal data
// are equal.
type Dump struct {
	// Version is the format version, Version.
	Version     int                `json:"version"`
	Subscribers []store.Subscriber `json:"subscribers"`
	Posts       []store.Post       `json:"posts"`
	// LastPostID is the highest post id ever handed out, deleted posts
	// included; the importing store hands out higher ones.
	LastPostID int64 `json:"last_post_id"`
	// Seeds are the dataset entries that created a post, deleted posts
	// included.
	Seeds     []Seed           `json:"seeds"`
	Officials []store.Official `json:"officials"`
	Users     []store.User     `json:"users"`
	// Audit is the global audit log, oldest first.
	Audit         []store.AuditEntry `json:"audit"`
	DigestCursors []Cursor           `json:"digest_cursors"`
}

// Seed is a dataset entry that created a post.
type Seed struct {
	Key    string `json:"key"`
	PostID int64  `json:"post_id"`
}

// Cursor is when a chat's last digest was planned.
type Cursor struct {
	ChatID int64     `json:"chat_id"`
	At     time.Time `json:"at"`
}

// Exporter walks whole collections, which the bot itself never needs and
// store.Store therefore lacks. fn must not call the store; an error from
// fn ends the walk with that error. Both backends implement it.
type Exporter interface {
	ExportSubscribers(ctx context.Context, fn func(store.Subscriber) error) error
	ExportPosts(ctx context.Context, fn func(store.Post) error) error
	ExportUsers(ctx context.Context, fn func(store.User) error) error
	// ExportAudit walks the global audit log, oldest first.
	ExportAudit(ctx context.Context, fn func(store.AuditEntry) error) error
	ExportDigestCursors(ctx context.Context, fn func(chatID int64, at time.Time) error) error
	// ExportSeeds walks the seed keys, deleted posts' included.
	ExportSeeds(ctx context.Context, fn func(seedKey string, postID int64) error) error
	// LastPostID is the highest post id handed out, deleted posts included.
	LastPostID(ctx context.Context) (int64, error)
}

// Importer writes what store.Store has no method for. Both backends
// implement it.
type Importer interface {
	// ImportSeed records that the dataset entry seedKey created postID.
	ImportSeed(ctx context.Context, seedKey string, postID int64) error
	// ImportDigestCursor sets a chat's digest cursor.
	ImportDigestCursor(ctx context.Context, chatID int64, at time.Time) error
	// RaisePostSeq makes later post ids higher than id.
	RaisePostSeq(ctx context.Context, id int64) error
}

// Source is a store Export can read.
type Source interface {
	store.Officials
	Exporter
}

// Destination is a store Import can write.
type Destination interface {
	store.Subscribers
	store.Posts
	store.Officials
	store.Users
	store.Audit
	store.Stats
	// PostsByStatus finds posts that are not published, which no count
	// of published ones shows.
	PostsByStatus(ctx context.Context, status store.PostStatus, limit int) ([]store.Post, error)
	Importer
}

// Export reads src into a Dump. Run it with the bot stopped.
func Export(ctx context.Context, src Source) (Dump, error) {
	d := Dump{Version: Version}
	collect := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("dump: export %s: %w", what, err)
		}
		return nil
	}
	err := errors.Join(
		collect("subscribers", src.ExportSubscribers(ctx, func(s store.Subscriber) error {
			d.Subscribers = append(d.Subscribers, s)
			return nil
		})),
		collect("posts", src.ExportPosts(ctx, func(p store.Post) error {
			d.Posts = append(d.Posts, p)
			return nil
		})),
		collect("users", src.ExportUsers(ctx, func(u store.User) error {
			d.Users = append(d.Users, u)
			return nil
		})),
		collect("audit log", src.ExportAudit(ctx, func(e store.AuditEntry) error {
			d.Audit = append(d.Audit, e)
			return nil
		})),
		collect("digest cursors", src.ExportDigestCursors(ctx, func(chatID int64, at time.Time) error {
			d.DigestCursors = append(d.DigestCursors, Cursor{ChatID: chatID, At: at.UTC()})
			return nil
		})),
		collect("seeds", src.ExportSeeds(ctx, func(key string, postID int64) error {
			d.Seeds = append(d.Seeds, Seed{Key: key, PostID: postID})
			return nil
		})),
	)
	if err != nil {
		return Dump{}, err
	}
	if d.LastPostID, err = src.LastPostID(ctx); err != nil {
		return Dump{}, fmt.Errorf("dump: export post id sequence: %w", err)
	}
	if d.Officials, err = src.Officials(ctx); err != nil {
		return Dump{}, fmt.Errorf("dump: export officials: %w", err)
	}
	d.normalize()
	return d, nil
}

// normalize puts every list in its fixed order and makes empty lists
// non-nil, so they are written as [] rather than null.
func (d *Dump) normalize() {
	slices.SortFunc(d.Subscribers, func(a, b store.Subscriber) int { return cmp.Compare(a.ChatID, b.ChatID) })
	slices.SortFunc(d.Posts, func(a, b store.Post) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Seeds, func(a, b Seed) int { return cmp.Compare(a.Key, b.Key) })
	slices.SortFunc(d.Officials, func(a, b store.Official) int { return cmp.Compare(a.UserID, b.UserID) })
	slices.SortFunc(d.Users, func(a, b store.User) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.DigestCursors, func(a, b Cursor) int { return cmp.Compare(a.ChatID, b.ChatID) })
	nonNil(&d.Subscribers)
	nonNil(&d.Posts)
	nonNil(&d.Seeds)
	nonNil(&d.Officials)
	nonNil(&d.Users)
	nonNil(&d.Audit)
	nonNil(&d.DigestCursors)
}

func nonNil[T any](s *[]T) {
	if *s == nil {
		*s = []T{}
	}
}

// Import writes d into dst, which must hold no subscribers and no posts.
// It validates the whole dump first and writes nothing when it is not
// valid. Post ids are kept, and later ids are higher than any in the dump.
//
// A write that fails half way (the disk filled, Redis went away) leaves
// part of the dump in dst; the error says so. Empty dst (a new STATE_DIR,
// or FLUSHDB) and import again.
func Import(ctx context.Context, dst Destination, d Dump) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("%w\nnothing was imported", err)
	}
	if err := checkEmpty(ctx, dst); err != nil {
		return err
	}
	if err := write(ctx, dst, d); err != nil {
		return fmt.Errorf("dump: import stopped half way, the destination now holds part of the dump (empty it before importing again): %w", err)
	}
	return nil
}

// checkEmpty refuses a destination that already has residents or posts:
// importing would mix two bots' data.
func checkEmpty(ctx context.Context, dst Destination) error {
	st, err := dst.SubscriberStats(ctx)
	if err != nil {
		return fmt.Errorf("dump: import: check the destination is empty: %w", err)
	}
	counts, err := dst.CountPosts(ctx, time.Time{})
	if err != nil {
		return fmt.Errorf("dump: import: check the destination is empty: %w", err)
	}
	posts := 0
	for _, n := range counts {
		posts += n
	}
	for _, status := range store.Statuses() {
		if status == store.StatusPublished {
			continue
		}
		waiting, err := dst.PostsByStatus(ctx, status, 1)
		if err != nil {
			return fmt.Errorf("dump: import: check the destination is empty: %w", err)
		}
		posts += len(waiting)
	}
	if st.Total > 0 || posts > 0 {
		return fmt.Errorf("dump: import: the destination is not empty (%d subscribers, %d posts); "+
			"import only into a new store, before the bot first starts on it", st.Total, posts)
	}
	return nil
}

// write stores every part of a validated dump.
func write(ctx context.Context, dst Destination, d Dump) error {
	for _, s := range d.Subscribers {
		if err := dst.SaveSubscriber(ctx, s); err != nil {
			return err
		}
	}
	maxID := d.LastPostID
	for _, p := range d.Posts {
		if _, err := dst.CreatePost(ctx, p); err != nil {
			return err
		}
		maxID = max(maxID, p.ID)
	}
	for _, s := range d.Seeds {
		if err := dst.ImportSeed(ctx, s.Key, s.PostID); err != nil {
			return err
		}
		maxID = max(maxID, s.PostID)
	}
	if err := dst.RaisePostSeq(ctx, maxID); err != nil {
		return err
	}
	for _, o := range d.Officials {
		if err := dst.SaveOfficial(ctx, o); err != nil {
			return err
		}
	}
	// In the order they were last seen: a @username that moved between
	// users ends up with the one who had it last, as it was.
	users := slices.Clone(d.Users)
	slices.SortStableFunc(users, func(a, b store.User) int { return a.SeenAt.Compare(b.SeenAt) })
	for _, u := range users {
		if err := dst.SaveUser(ctx, u); err != nil {
			return err
		}
	}
	for _, e := range d.Audit {
		if err := dst.AppendAudit(ctx, e); err != nil {
			return err
		}
	}
	for _, c := range d.DigestCursors {
		if err := dst.ImportDigestCursor(ctx, c.ChatID, c.At); err != nil {
			return err
		}
	}
	return nil
}
