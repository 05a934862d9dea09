package boltstore

import (
	"context"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/store"
)

// SaveUser stores u and points the index of its @username at it. When the
// user's username changed, the old name's entry is dropped unless it
// already points at another user (who took the name over).
func (s *Store) SaveUser(ctx context.Context, u store.User) error {
	op := fmt.Sprintf("save user %d", u.ID)
	name := store.UsernameKey(u.Username)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		users, names := tx.Bucket(bucketUsers), tx.Bucket(bucketUsernames)
		key := i64(u.ID)
		var old store.User
		found, err := getJSON(users, key, &old)
		if err != nil {
			return err
		}
		if oldName := store.UsernameKey(old.Username); found && oldName != "" && oldName != name {
			if owner := names.Get([]byte(oldName)); owner != nil {
				id, err := decodeI64(owner)
				if err != nil {
					return fmt.Errorf("bad username entry %q: %w", oldName, err)
				}
				if id == u.ID {
					if err := names.Delete([]byte(oldName)); err != nil {
						return err
					}
				}
			}
		}
		if err := putJSON(users, key, u); err != nil {
			return err
		}
		if name != "" {
			return names.Put([]byte(name), key)
		}
		return nil
	})
}

// UserByUsername implements store.Users.
func (s *Store) UserByUsername(ctx context.Context, username string) (store.User, error) {
	op := fmt.Sprintf("get user @%s", strings.TrimPrefix(username, "@"))
	name := store.UsernameKey(username)
	if name == "" {
		return store.User{}, notFound(op)
	}
	var u store.User
	var found bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketUsernames).Get([]byte(name))
		if id == nil {
			return nil
		}
		var err error
		found, err = getJSON(tx.Bucket(bucketUsers), id, &u)
		return err
	})
	if err != nil {
		return store.User{}, err
	}
	if !found {
		return store.User{}, notFound(op)
	}
	return u, nil
}

// User implements store.Users.
func (s *Store) User(ctx context.Context, id int64) (store.User, error) {
	op := fmt.Sprintf("get user %d", id)
	var u store.User
	if err := s.get(ctx, op, bucketUsers, i64(id), &u); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// DeleteUser implements store.Users.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete user %d", id)
	return s.update(ctx, op, func(tx *bolt.Tx) error {
		users, names := tx.Bucket(bucketUsers), tx.Bucket(bucketUsernames)
		var old store.User
		found, err := getJSON(users, i64(id), &old)
		if err != nil || !found {
			return err
		}
		if name := store.UsernameKey(old.Username); name != "" {
			if owner := names.Get([]byte(name)); owner != nil {
				if oid, err := decodeI64(owner); err == nil && oid == id {
					if err := names.Delete([]byte(name)); err != nil {
						return err
					}
				}
			}
		}
		return users.Delete(i64(id))
	})
}
