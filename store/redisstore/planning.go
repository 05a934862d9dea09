package redisstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// enqueueOnceManyScript is enqueueOnceScript for ARGV[1] items at once:
// item i has the flag KEYS[2i] and the cursor KEYS[2i+1]; its arguments
// follow in ARGV: ttl (ms, 0 forever), cursor ("" for none), the number
// of messages, the messages. KEYS[1] is the stream. Each item writes its
// flag last, as in enqueueOnceScript. It returns a 0 or 1 per item. One
// script for a page of subscribers: one round trip, and four commands per
// subscriber (EXISTS, XADD, SET, SET) instead of five.
var enqueueOnceManyScript = redis.NewScript(`
local n = tonumber(ARGV[1])
local j = 2
local out = {}
for i = 1, n do
  local flag, cursor_key = KEYS[2 * i], KEYS[2 * i + 1]
  local ttl, cursor, count = tonumber(ARGV[j]), ARGV[j + 1], tonumber(ARGV[j + 2])
  j = j + 3
  if redis.call('EXISTS', flag) == 1 then
    out[i] = 0
  else
    for m = 0, count - 1 do redis.call('XADD', KEYS[1], '*', 'm', ARGV[j + m]) end
    if cursor ~= '' then redis.call('SET', cursor_key, cursor) end
    if ttl > 0 then
      redis.call('SET', flag, '1', 'PX', ttl)
    else
      redis.call('SET', flag, '1')
    end
    out[i] = 1
  end
  j = j + count
end
return out`)

// EnqueueOnceMany implements store.Outbox in one script call.
func (s *Store) EnqueueOnceMany(ctx context.Context, items []store.OnceMessages) ([]bool, error) {
	op := fmt.Sprintf("enqueue once %d items", len(items))
	if len(items) == 0 {
		return nil, nil
	}
	keys := make([]string, 1, 1+2*len(items))
	keys[0] = s.k.outbox()
	args := []any{len(items)}
	for i, it := range items {
		if it.Once.Key == "" {
			return nil, fmt.Errorf("redisstore: %s: item %d has an empty key", op, i)
		}
		data, err := encodeMessages(it.Msgs)
		if err != nil {
			return nil, wrapErr(err, op)
		}
		cursor := ""
		if it.Once.CursorChat != 0 {
			cursor = strconv.FormatInt(it.Once.Cursor.UnixMilli(), 10)
		}
		ttl := max(0, it.Once.TTL.Milliseconds())
		if ttl == 0 && it.Once.TTL > 0 {
			ttl = 1
		}
		keys = append(keys, s.k.once(it.Once.Key), s.k.digestCursor(it.Once.CursorChat))
		args = append(args, ttl, cursor, len(data))
		for _, d := range data {
			args = append(args, d)
		}
	}
	res, err := enqueueOnceManyScript.Run(ctx, s.rdb, keys, args...).Int64Slice()
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
