package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store"
)

// ackManyScript settles the ARGV[2] entries after ARGV[3] of the stream
// KEYS[1] and the ARGV[3] entries after them of the personal stream
// KEYS[2] in group ARGV[1] (acknowledged and deleted, as settle does), and
// counts the rest of ARGV, a sent and a failed count per run, in the
// counts hash of each run whose record exists: KEYS[3], KEYS[4] for the
// first run, and so on. One script: a batch of acknowledgements costs one
// round trip and five commands (EVALSHA, XACK, XDEL, EXISTS, HINCRBY for
// one run; two more when it holds personal messages too), however many
// messages it settles.
var ackManyScript = redis.NewScript(`
local n, p = tonumber(ARGV[2]), tonumber(ARGV[3])
if n > 0 then
  redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 4, 3 + n))
  redis.call('XDEL', KEYS[1], unpack(ARGV, 4, 3 + n))
end
if p > 0 then
  redis.call('XACK', KEYS[2], ARGV[1], unpack(ARGV, 4 + n, 3 + n + p))
  redis.call('XDEL', KEYS[2], unpack(ARGV, 4 + n, 3 + n + p))
end
local j = 4 + n + p
for i = 3, #KEYS, 2 do
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
	var ids, personal []any // entry ids in outbox, in outbox:personal
	var runs []string
	byRun := map[string]*counts{}
	for _, x := range settled {
		if x.ID != "" {
			if stream, entry := s.streamOf(x.ID); stream == s.k.outboxPersonal() {
				personal = append(personal, entry)
			} else {
				ids = append(ids, entry)
			}
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
	if len(ids) == 0 && len(personal) == 0 && len(runs) == 0 {
		return nil
	}
	keys := make([]string, 0, 2+2*len(runs))
	keys = append(keys, s.k.outbox(), s.k.outboxPersonal())
	args := make([]any, 0, 3+len(ids)+len(personal)+2*len(runs))
	args = append(args, outboxGroup, len(ids), len(personal))
	args = append(args, ids...)
	args = append(args, personal...)
	for _, r := range runs {
		keys = append(keys, s.k.run(r), s.k.runCounts(r))
		args = append(args, byRun[r].sent, byRun[r].failed)
	}
	return wrapErr(ackManyScript.Run(ctx, s.rdb, keys, args...).Err(), op)
}
