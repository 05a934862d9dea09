package scheduler

import (
	"strconv"
	"sync"

	"github.com/partnerbot/partnerbot/store"
)

// recentMax bounds how many settled messages a replica remembers: more
// than it settles between a store's failure and the first claim after it
// comes back (a ClaimIdle of sends at 1000/s, say), in a few MiB.
const recentMax = 1 << 16

// recent remembers the messages this replica settled lately. A message
// is claimed again when its acknowledgement did not reach the store: the
// batch was still waiting to be written when ClaimIdle ran out (the store
// refused it while Redis failed over), or Redis acknowledged the batch
// and lost it with a primary that died before a replica had it. The
// worker that claims it settles it again instead of sending it twice.
//
// A message is known by its outbox id, chat and creation time together:
// a stream id is never handed out twice by one server, but a promoted
// replica whose clock lags the dead primary's could give an id the
// primary used for a message that was lost; that one must still go out.
type recent struct {
	mu   sync.Mutex
	keys map[string]struct{}
	ring []string // insertion order, for forgetting the oldest
	next int
}

func newRecent() *recent {
	return &recent{keys: make(map[string]struct{})}
}

func recentKey(m store.OutboxMessage) string {
	return m.ID + "/" + strconv.FormatInt(m.ChatID, 10) + "/" + strconv.FormatInt(m.CreatedAt.UnixNano(), 10)
}

// remember records m as settled, forgetting the oldest beyond recentMax.
func (r *recent) remember(m store.OutboxMessage) {
	if m.ID == "" {
		return
	}
	k := recentKey(m)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.keys[k]; ok {
		return
	}
	r.keys[k] = struct{}{}
	if len(r.ring) < recentMax {
		r.ring = append(r.ring, k)
		return
	}
	delete(r.keys, r.ring[r.next])
	r.ring[r.next] = k
	r.next = (r.next + 1) % recentMax
}

// settled reports whether this replica settled m already.
func (r *recent) settled(m store.OutboxMessage) bool {
	if m.ID == "" {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.keys[recentKey(m)]
	return ok
}
