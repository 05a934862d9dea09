package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// getJSON decodes the value of key in bucket into v; found is false when
// there is no such key.
func getJSON(b *bolt.Bucket, key []byte, v any) (found bool, err error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("decode record %x: %w", key, err)
	}
	return true, nil
}

// putJSON encodes v and stores it under key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(key, data)
}

// forEachJSON decodes every value of b, in key order, into a T for fn.
func forEachJSON[T any](b *bolt.Bucket, fn func(T) error) error {
	return b.ForEach(func(k, v []byte) error {
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode record %x: %w", k, err)
		}
		return fn(rec)
	})
}

// get reads the JSON record under key in bucket into v, or is
// store.ErrNotFound.
func (s *Store) get(ctx context.Context, op string, bucket, key []byte, v any) error {
	var found bool
	err := s.view(ctx, op, func(tx *bolt.Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bucket), key, v)
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return notFound(op)
	}
	return nil
}

func encodeJSON(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return data, nil
}

func decodeJSON(data []byte, v any) error { return json.Unmarshal(data, v) }

// clone copies a key or value out of bbolt's memory, which is only valid
// until the transaction changes or ends, so it can be used after writes.
func clone(b []byte) []byte { return append([]byte(nil), b...) }
