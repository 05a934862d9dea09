package telegramtest

import (
	"strconv"
	"strings"
	"time"
)

// The Bot API server punishes a client that repeats getUpdates with the same
// offset too soon (Client::process_get_updates_query in
// tdlib/telegram-bot-api): within 3 s the timeout is raised to at least 3,
// within 0.5 s the limit drops to 1. A poller that re-polls in a tight loop,
// or confirms once more at shutdown with the offset it just polled, is held
// for 3 s; the fake reproduces it so tests notice. The windows are measured
// on the server's clock (WithClock) because they are about how fast the
// client calls; the raised timeout is scaled by WithPollUnit like any other.
const (
	hammerHoldWindow  = 3 * time.Second
	hammerLimitWindow = 500 * time.Millisecond
	hammerMinTimeout  = 3
)

type hammerState struct {
	// prevOffset starts at -1 like the server's, but a first call must never
	// be penalised, which the server gets from a start time far in the past.
	prevOffset   int64
	prevStart    time.Time
	havePrev     bool
	heldPolls    int
	limitedPolls int
}

func (h *hammerState) init() { h.prevOffset = -1 }

// antiHammerLocked applies the rule to one getUpdates call that reached the
// update queue (a 409 for an active webhook does not count, as on Telegram)
// and returns the limit and timeout to serve it with.
func (s *Server) antiHammerLocked(offset int64, limit int, timeout int64) (int, int64) {
	now := s.now()
	same := s.havePrev && offset == s.prevOffset
	if same && timeout < hammerMinTimeout && now.Before(s.prevStart.Add(hammerHoldWindow)) {
		timeout = hammerMinTimeout
		s.heldPolls++
	}
	if same && now.Before(s.prevStart.Add(hammerLimitWindow)) {
		limit = 1
		s.limitedPolls++
	}
	s.prevOffset, s.prevStart, s.havePrev = offset, now, true
	return limit, timeout
}

// HeldPolls counts getUpdates calls whose timeout Telegram raised to 3
// because they repeated the previous call's offset within 3 s with a shorter
// timeout. A well-behaved poller keeps this at 0; each one cost up to 3 s
// (3 poll units) when no update was waiting.
func (s *Server) HeldPolls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heldPolls
}

// LimitedPolls counts getUpdates calls that repeated the previous call's
// offset within 0.5 s, for which Telegram returns at most one update
// whatever limit was asked for.
func (s *Server) LimitedPolls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limitedPolls
}

// clampedParam reads an integer the way the Bot API server's get_integer_arg
// does: absent or empty gives def, anything else (garbage parses as 0) is
// clamped to [lo, hi]. So limit=0 means 1, not 100.
func clampedParam(p map[string]string, key string, def, lo, hi int64) int64 {
	raw, ok := p[key]
	if !ok || raw == "" {
		return def
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	return min(max(n, lo), hi)
}
