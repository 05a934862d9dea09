package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// enqueueOnceManyScript is enqueueOnceScript for ARGV[1] items at once.
// KEYS[1] is the stream, KEYS[2] the delayed set, KEYS[3] the personal
// stream; item i has the flag KEYS[3i+1], its chat's cursor KEYS[3i+2] and
// digest day KEYS[3i+3]. Its arguments follow in ARGV: ttl (ms, 0
// forever), cursor ("" for none), day ("" for none), the number of
// messages, then where each goes (scriptEntry: toStream, toPersonal, or a
// NotBefore in ms for the delayed set) and its value. Each item
// writes its flag last, as in enqueueOnceScript. It returns a 0 or 1 per
// item. One script for a page of subscribers: one round trip.
var enqueueOnceManyScript = redis.NewScript(`
local n = tonumber(ARGV[1])
local j = 2
local out = {}
for i = 1, n do
  local flag, cursor_key, day_key = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3]
  local ttl, cursor, day, count = tonumber(ARGV[j]), ARGV[j + 1], ARGV[j + 2], tonumber(ARGV[j + 3])
  j = j + 4
  if redis.call('EXISTS', flag) == 1 then
    out[i] = 0
  else
    for m = 0, count - 1 do
      local score, value = ARGV[j + 2 * m], ARGV[j + 2 * m + 1]
      if score == '' then
        redis.call('XADD', KEYS[1], '*', 'm', value)
      elseif score == 'p' then
        redis.call('XADD', KEYS[3], '*', 'm', value)
      else
        redis.call('ZADD', KEYS[2], score, value)
      end
    end
    if cursor ~= '' then redis.call('SET', cursor_key, cursor) end
    if day ~= '' then redis.call('SET', day_key, day) end
    if ttl > 0 then
      redis.call('SET', flag, '1', 'PX', ttl)
    else
      redis.call('SET', flag, '1')
    end
    out[i] = 1
  end
  j = j + 2 * count
end
return out`)

// EnqueueOnceMany implements store.Outbox in one script call.
func (s *Store) EnqueueOnceMany(ctx context.Context, items []store.OnceMessages) ([]bool, error) {
	op := fmt.Sprintf("enqueue once %d items", len(items))
	if len(items) == 0 {
		return nil, nil
	}
	keys := make([]string, 3, 3+3*len(items))
	keys[0], keys[1], keys[2] = s.k.outbox(), s.k.outboxDelayed(), s.k.outboxPersonal()
	args := []any{len(items)}
	for i, it := range items {
		if it.Once.Key == "" {
			return nil, fmt.Errorf("redisstore: %s: item %d has an empty key", op, i)
		}
		data, err := encodeMessages(it.Msgs)
		if err != nil {
			return nil, wrapErr(err, op)
		}
		cursor, day := "", ""
		if it.Once.CursorChat != 0 {
			cursor, day = strconv.FormatInt(it.Once.Cursor.UnixMilli(), 10), it.Once.Day
		}
		ttl := max(0, it.Once.TTL.Milliseconds())
		if ttl == 0 && it.Once.TTL > 0 {
			ttl = 1
		}
		keys = append(keys, s.k.once(it.Once.Key), s.k.digestCursor(it.Once.CursorChat), s.k.digestDay(it.Once.CursorChat))
		args = append(args, ttl, cursor, day, len(data))
		for m, d := range data {
			score, value := scriptEntry(it.Msgs[m], d)
			args = append(args, score, value)
		}
	}
	var res []int64
	err := s.acked(ctx, keys[0], ackOrFail, op, func(c redis.Cmdable) error {
		var err error
		res, err = enqueueOnceManyScript.Run(ctx, c, keys, args...).Int64Slice()
		return err
	})
	if err != nil {
		return nil, wrapErr(err, op)
	}
	if len(res) != len(items) {
		return nil, fmt.Errorf("redisstore: %s: script answered %d results", op, len(res))
	}
	out := make([]bool, len(res))
	for i, r := range res {
		out[i] = r == 1
	}
	return out, nil
}
