package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// ackManyScript settles the ARGV[2] entries ARGV[3..] of the stream
// KEYS[1] in group ARGV[1] (acknowledged and deleted, as settle does), and
// counts the rest of ARGV, a sent and a failed count per run, in the
// counts hash of each run whose record exists: KEYS[2], KEYS[3] for the
// first run, and so on. One script: a batch of acknowledgements costs one
// round trip and five commands (EVALSHA, XACK, XDEL, EXISTS, HINCRBY for
// one run), however many messages it settles.
var ackManyScript = redis.NewScript(`
local n = tonumber(ARGV[2])
if n > 0 then
  redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 3, 2 + n))
  redis.call('XDEL', KEYS[1], unpack(ARGV, 3, 2 + n))
end
local j = 3 + n
for i = 2, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local sent, failed = tonumber(ARGV[j]), tonumber(ARGV[j + 1])
    if sent > 0 then redis.call('HINCRBY', KEYS[i + 1], 'sent', sent) end
    if failed > 0 then redis.call('HINCRBY', KEYS[i + 1], 'failed', failed) end
  end
  j = j + 2
end
return 1`)

// ackManyMax bounds the ids of one script call: Lua's unpack needs a
// stack slot per value (a few thousand at most).
const ackManyMax = 1000

// AckMany implements store.Outbox in one script call per ackManyMax
// messages.
func (s *Store) AckMany(ctx context.Context, settled []store.Settled) error {
	for len(settled) > 0 {
		n := min(len(settled), ackManyMax)
		if err := s.ackMany(ctx, settled[:n]); err != nil {
			return err
		}
		settled = settled[n:]
	}
	return nil
}

func (s *Store) ackMany(ctx context.Context, settled []store.Settled) error {
	op := fmt.Sprintf("ack %d messages", len(settled))
	type counts struct{ sent, failed int }
	var ids []any
	var runs []string
	byRun := map[string]*counts{}
	for _, x := range settled {
		if x.ID != "" {
			ids = append(ids, x.ID)
		}
		if x.RunKey == "" {
			continue
		}
		c := byRun[x.RunKey]
		if c == nil {
			c = &counts{}
			byRun[x.RunKey] = c
			runs = append(runs, x.RunKey)
		}
		if x.Sent {
			c.sent++
		} else {
			c.failed++
		}
	}
	if len(ids) == 0 && len(runs) == 0 {
		return nil
	}
	keys := make([]string, 0, 1+2*len(runs))
	keys = append(keys, s.k.outbox())
	args := make([]any, 0, 2+len(ids)+2*len(runs))
	args = append(args, outboxGroup, len(ids))
	args = append(args, ids...)
	for _, r := range runs {
		keys = append(keys, s.k.run(r), s.k.runCounts(r))
		args = append(args, byRun[r].sent, byRun[r].failed)
	}
	return wrapErr(ackManyScript.Run(ctx, s.rdb, keys, args...).Err(), op)
}
