package redisstore

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// moveLegacyKeys renames every key under legacyPrefix ("partnerbot:", the
// default of layout versions up to 5) to the same name under DefaultPrefix
// ("{partnerbot}:"), scanBatch keys per round trip. Migrate calls it before
// its other steps, while the layout is older than version 6.
//
// It only runs for a store with the default prefix (a store given another
// prefix never used the legacy one) and not on a Redis Cluster (which the
// legacy layout, without a hash tag, could never have run on).
//
// Each key moves with RENAMENX, which keeps its type, value, expiry and,
// for the outbox stream, its consumer group and pending entries; the
// legacy layout key moves like any other, so Migrate then reads the
// version the legacy data was at. The pattern "partnerbot:*" does not
// match "{partnerbot}:*", so a key moved is never seen again, and:
//
//   - a key gone meanwhile (expired, or moved by another replica migrating
//     at the same time) is skipped: RENAMENX answers "no such key";
//   - a key that exists under both names keeps both: the new one is the
//     one the store reads, the legacy one is left in place, untouched,
//     and named in a warning for an operator to look at; Migrate does not
//     fail, since failing would stop the bot on every start over a key
//     it cannot decide about;
//   - a second run, or a run after a crash half way, moves what is left,
//     so the move is idempotent and resumable.
//
// Every key starting with "partnerbot:" moves, including those of a store
// run with WithPrefix("partnerbot:something:") on the same database.
func (s *Store) moveLegacyKeys(ctx context.Context) error {
	if s.k.prefix != DefaultPrefix {
		return nil
	}
	if _, ok := s.rdb.(*redis.ClusterClient); ok {
		return nil
	}
	var (
		moved int
		kept  int
		names []string // the first few kept, for the warning
	)
	err := s.scanMatch(ctx, globEscape(legacyPrefix)+"*", func(c redis.Cmdable, found []string) error {
		if len(found) == 0 {
			return nil
		}
		cmds := make([]*redis.BoolCmd, len(found))
		// A failed command's error is checked per command below, where
		// "no such key" is expected.
		_, _ = c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, key := range found {
				cmds[i] = pipe.RenameNX(ctx, key, DefaultPrefix+strings.TrimPrefix(key, legacyPrefix))
			}
			return nil
		})
		for i, c := range cmds {
			done, err := c.Result()
			switch {
			case isNoSuchKey(err):
			case err != nil:
				return err
			case done:
				moved++
			default:
				kept++
				if len(names) < 10 {
					names = append(names, found[i])
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if moved > 0 {
		s.logger().Info("redis: moved keys to the hash-tagged prefix",
			"from", legacyPrefix, "to", DefaultPrefix, "keys", moved)
	}
	if kept > 0 {
		s.logger().Warn("redis: keys exist under both the legacy and the current prefix; "+
			"the current ones are used, the legacy ones were left in place",
			"count", kept, "legacy_keys", names)
	}
	return nil
}

// isNoSuchKey reports whether err is Redis's answer to renaming a key that
// does not exist.
func isNoSuchKey(err error) bool { return redisErrorHasPrefix(err, "ERR no such key") }
