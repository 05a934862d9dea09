package telegram

import (
	"context"
	"sync"
	"time"
)

// pollState is what the poller holds: the updates fetched and not yet
// confirmed, each chat's queue, and a signal for every change.
type pollState struct {
	p    *Poller
	stop context.Context // once done, no update is started
	hctx context.Context // handlers in hand run until this is done
	sem  chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	held    map[int]bool // fetched, unconfirmed update ids → handled
	queues  map[int64][]Update
	albums  map[int64]*pendingAlbum // by chat: an album still arriving
	changed chan struct{}
	closed  bool // no more workers start
}

// pendingAlbum collects the photos of one album until none has come for
// Poller.AlbumWait, or another update of the chat arrives.
type pendingAlbum struct {
	group string
	items []Update
	timer *time.Timer
}

func newPollState(p *Poller, stop, hctx context.Context) *pollState {
	return &pollState{p: p, stop: stop, hctx: hctx, sem: make(chan struct{}, p.MaxInFlight),
		held: map[int]bool{}, queues: map[int64][]Update{}, albums: map[int64]*pendingAlbum{},
		changed: make(chan struct{})}
}

// offset is what the next poll confirms up to: the first update not yet
// handled, or past the last one; 0 (Telegram's "from the first
// unconfirmed") when nothing is held. inHand tells whether some are still
// being handled.
func (s *pollState) offset() (offset int, inHand bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first, last := 0, 0
	for id, done := range s.held {
		if !done && (first == 0 || id < first) {
			first = id
		}
		last = max(last, id)
	}
	if first != 0 {
		return first, true
	}
	if last != 0 {
		return last + 1, false
	}
	return 0, false
}

// confirmed forgets the updates a poll with offset confirmed.
func (s *pollState) confirmed(offset int) {
	if offset == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.held {
		if id < offset {
			delete(s.held, id)
		}
	}
}

// dispatch queues the updates not held yet, each behind its chat's
// earlier ones, and starts a worker for a chat that has none.
func (s *pollState) dispatch(updates []Update) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range updates {
		if _, ok := s.held[u.UpdateID]; ok {
			continue
		}
		s.held[u.UpdateID] = false
		k, group := chatKey(u), mediaGroup(u)
		if pa := s.albums[k]; pa != nil && pa.group != group {
			s.flushLocked(k, pa)
		}
		if group == "" {
			s.queueLocked(k, u)
			continue
		}
		pa := s.albums[k]
		if pa == nil {
			pa = &pendingAlbum{group: group}
			pa.timer = time.AfterFunc(s.p.AlbumWait, func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				if s.albums[k] == pa {
					s.flushLocked(k, pa)
				}
			})
			s.albums[k] = pa
		}
		pa.items = append(pa.items, u)
		pa.timer.Reset(s.p.AlbumWait)
	}
}

// flushLocked queues a collected album as one update: its first photo,
// with the others in Album.
func (s *pollState) flushLocked(k int64, pa *pendingAlbum) {
	pa.timer.Stop()
	delete(s.albums, k)
	u := pa.items[0]
	for _, it := range pa.items[1:] {
		u.Album = append(u.Album, it.Message)
		u.AlbumIDs = append(u.AlbumIDs, it.UpdateID)
	}
	s.queueLocked(k, u)
}

// queueLocked puts u behind its chat's earlier updates and starts a worker
// for a chat that has none.
func (s *pollState) queueLocked(k int64, u Update) {
	if s.closed || s.stop.Err() != nil {
		return // shutting down: it stays unconfirmed and comes back
	}
	s.queues[k] = append(s.queues[k], u)
	if len(s.queues[k]) == 1 {
		s.wg.Go(func() { s.drain(k) })
	}
}

// drain handles one chat's queue in order until it is empty.
func (s *pollState) drain(k int64) {
	for s.stop.Err() == nil {
		s.mu.Lock()
		u := s.queues[k][0]
		s.mu.Unlock()
		if !s.p.work(s.hctx, s.sem, u) {
			return // shutting down: the rest stays unconfirmed
		}
		s.mu.Lock()
		s.held[u.UpdateID] = true
		for _, id := range u.AlbumIDs {
			s.held[id] = true
		}
		behind := false
		for id, done := range s.held {
			if id < u.UpdateID && !done {
				behind = true
				break
			}
		}
		q := s.queues[k][1:]
		if len(q) == 0 {
			delete(s.queues, k)
		} else {
			s.queues[k] = q
		}
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
		if behind && s.p.Remember != nil {
			for _, id := range append([]int{u.UpdateID}, u.AlbumIDs...) {
				s.p.Remember(s.hctx, id)
			}
		}
		if len(q) == 0 {
			return
		}
	}
}

// waitChange waits until a handled update changes the offset or until
// deadline; it reports whether it is time to poll.
func (s *pollState) waitChange(ctx context.Context, deadline time.Time) bool {
	s.mu.Lock()
	ch := s.changed
	s.mu.Unlock()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	case <-ch:
		return false // look at the offset again
	}
}

// wait waits for the chat workers, which end within Grace of shutdown;
// albums still arriving stay unconfirmed and come back.
func (s *pollState) wait() {
	s.mu.Lock()
	s.closed = true
	for _, pa := range s.albums {
		pa.timer.Stop()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
