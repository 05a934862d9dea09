package boltstore

import (
	"context"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// CreatePost stores p under the next id of the posts bucket's sequence, or
// under p.ID when it is not zero (raising the sequence to it, so later ids
// are higher); storing under the id of an existing post replaces that post
// and its index entries. It returns p with its id.
func (s *Store) CreatePost(ctx context.Context, p store.Post) (store.Post, error) {
	if p.ID < 0 {
		return store.Post{}, fmt.Errorf("boltstore: create post: invalid id %d", p.ID)
	}
	op := "create post"
	if p.ID != 0 {
		op = fmt.Sprintf("create post %d", p.ID)
	}
	err := s.update(ctx, op, func(tx *bolt.Tx) error {
		var err error
		p, err = putPost(tx, p, false)
		return err
	})
	if err != nil {
		return store.Post{}, err
	}
	return p, nil
}

// SeedPost stores p once per p.SeedKey: the seeds bucket remembers the key
// (even after the post is deleted) in the transaction that creates the
// post, so concurrent and repeated seeds create a single post.
func (s *Store) SeedPost(ctx context.Context, p store.Post) (created bool, err error) {
	op := fmt.Sprintf("seed post %q", p.SeedKey)
	if p.SeedKey == "" {
		return false, fmt.Errorf("boltstore: %s: empty seed key", op)
	}
	if p.ID < 0 {
		return false, fmt.Errorf("boltstore: %s: invalid id %d", op, p.ID)
	}
	err = s.update(ctx, op, func(tx *bolt.Tx) error {
		created = false
		seeds := tx.Bucket(bucketSeeds)
		if seeds.Get([]byte(p.SeedKey)) != nil {
			return nil
		}
		q, err := putPost(tx, p, false)
		if err != nil {
			return err
		}
		if err := seeds.Put([]byte(p.SeedKey), i64(q.ID)); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

// UpdatePost implements store.Posts.
func (s *Store) UpdatePost(ctx context.Context, p store.Post) error {
	op := fmt.Sprintf("update post %d", p.ID)
	if p.ID <= 0 {
		return notFound(op)
	}
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		_, err := putPost(tx, p, true)
		return err
	})
}

// SetChannelRef implements store.Posts.
func (s *Store) SetChannelRef(ctx context.Context, id int64, ref *store.ChannelRef) error {
	op := fmt.Sprintf("set channel of post %d", id)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		posts := tx.Bucket(bucketPosts)
		var p store.Post
		found, err := getJSON(posts, i64(id), &p)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		p.Channel = ref
		return putJSON(posts, i64(id), p)
	})
}

// DeletePost implements store.Posts.
func (s *Store) DeletePost(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete post %d", id)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		_, err := deletePost(tx, id)
		return err
	})
}

// deletePost removes the post with id and its index entries within tx and
// returns it as it was; store.ErrNotFound when there is none.
func deletePost(tx *bolt.Tx, id int64) (store.Post, error) {
	posts := tx.Bucket(bucketPosts)
	var old store.Post
	found, err := getJSON(posts, i64(id), &old)
	if err != nil {
		return old, err
	}
	if !found {
		return old, store.ErrNotFound
	}
	if err := unindexPost(tx, old); err != nil {
		return old, err
	}
	return old, posts.Delete(i64(id))
}

// putPost writes p within tx: it assigns an id when p.ID is 0, drops the
// index entries of the version it replaces, and writes record and
// indexes. mustExist fails with store.ErrNotFound when there is nothing to
// replace.
func putPost(tx *bolt.Tx, p store.Post, mustExist bool) (store.Post, error) {
	posts := tx.Bucket(bucketPosts)
	if p.ID == 0 {
		id, err := posts.NextSequence()
		if err != nil {
			return store.Post{}, err
		}
		if id > math.MaxInt64 {
			return store.Post{}, fmt.Errorf("post ids exhausted")
		}
		p.ID = int64(id)
	} else if uint64(p.ID) > posts.Sequence() {
		if err := posts.SetSequence(uint64(p.ID)); err != nil {
			return store.Post{}, err
		}
	}
	key := i64(p.ID)
	var old store.Post
	found, err := getJSON(posts, key, &old)
	if err != nil {
		return store.Post{}, err
	}
	if mustExist && !found {
		return store.Post{}, store.ErrNotFound
	}
	if found {
		if err := unindexPost(tx, old); err != nil {
			return store.Post{}, err
		}
	}
	if err := putJSON(posts, key, p); err != nil {
		return store.Post{}, err
	}
	return p, indexPost(tx, p)
}

// postIndexKeys lists the index entries of p: bucket and key. The
// listings residents read hold only the posts store.Post.Visible allows;
// the others are listed by status.
func postIndexKeys(p store.Post) [][2][]byte {
	var keys [][2][]byte
	if p.Visible() {
		pub := ms(p.PublishedAt)
		keys = append(keys,
			[2][]byte{bucketPostsByTime, timeIDKey(nil, pub, p.ID)},
			[2][]byte{bucketPostsByCity, cityTimeKey(p.City, pub, p.ID)},
			[2][]byte{bucketPostsByKind, kindTimeKey(string(p.Kind), pub, p.ID)})
		if p.IsDatedEvent() {
			start := ms(*p.StartsAt)
			keys = append(keys,
				[2][]byte{bucketEventsByStart, timeIDKey(nil, start, p.ID)},
				[2][]byte{bucketEventsByCity, cityTimeKey(p.City, start, p.ID)})
		}
	} else {
		keys = append(keys, [2][]byte{bucketPostsByStatus, timeIDKey(strPrefix(string(p.State())), ms(p.WaitingOrder()), p.ID)})
	}
	if due, ok := p.DueAt(); ok {
		keys = append(keys, [2][]byte{bucketPostsDue, timeIDKey(nil, ms(due), p.ID)})
	}
	return keys
}

func indexPost(tx *bolt.Tx, p store.Post) error {
	for _, bk := range postIndexKeys(p) {
		if err := tx.Bucket(bk[0]).Put(bk[1], nil); err != nil {
			return err
		}
	}
	return nil
}

func unindexPost(tx *bolt.Tx, p store.Post) error {
	for _, bk := range postIndexKeys(p) {
		if err := tx.Bucket(bk[0]).Delete(bk[1]); err != nil {
			return err
		}
	}
	return nil
}

// Post implements store.Posts.
func (s *Store) Post(ctx context.Context, id int64) (store.Post, error) {
	op := fmt.Sprintf("get post %d", id)
	var p store.Post
	if err := s.get(ctx, op, bucketPosts, i64(id), &p); err != nil {
		return store.Post{}, err
	}
	return p, nil
}
