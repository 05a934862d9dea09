package telegramtest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// parseAllowed decodes allowed_updates. ok is false when the parameter is
// absent (or JSON null, which is what tgbotapi sends for a nil slice): the
// previous setting then stays, as on Telegram.
func parseAllowed(p map[string]string) (list []string, ok bool) {
	raw, present := p["allowed_updates"]
	if !present || strings.TrimSpace(raw) == "" || strings.TrimSpace(raw) == "null" {
		return nil, false
	}
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return nil, false
	}
	if list == nil {
		list = []string{}
	}
	return list, true
}

func (s *Server) getUpdates(ctx context.Context, c *Call) (any, error) {
	// tgbotapi omits offset 0, and Telegram reads absence as 0 too.
	offset := intParam(c.Params, "offset")
	limit := int(clampedParam(c.Params, "limit", maxUpdatesPerCall, 1, maxUpdatesPerCall))
	timeout := clampedParam(c.Params, "timeout", 0, 0, maxPollTimeout)
	allowed, hasAllowed := parseAllowed(c.Params)

	s.mu.Lock()
	s.allowedHistory = append(s.allowedHistory, allowed)
	if _, ok := c.Params["offset"]; ok {
		s.lastOffset = offset
	}
	if s.webhookURL != "" {
		// Telegram refuses before reading anything else: neither
		// allowed_updates nor the anti-hammering state change.
		s.notifyLocked()
		s.mu.Unlock()
		return nil, conflict(conflictWebhook)
	}
	if hasAllowed {
		// An empty list means "back to the default", not "nothing".
		s.allowed = nil
		if len(allowed) > 0 {
			s.allowed = allowed
		}
	}
	limit, timeout = s.antiHammerLocked(offset, limit, timeout)
	if s.poll != nil {
		s.terminatePollLocked(conflict(conflictTerminated))
	}
	me := &poller{terminated: make(chan struct{})}
	s.poll = me
	s.confirmLocked(offset)

	deadline := time.Now().Add(time.Duration(timeout) * s.pollUnit)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		batch := s.collectLocked(limit)
		if len(batch) > 0 || !time.Now().Before(deadline) {
			s.endPollLocked(me)
			s.mu.Unlock()
			return batch, nil
		}
		if !me.waiting {
			me.waiting = true
			s.notifyLocked()
		}
		wake := s.changed
		s.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(time.Until(deadline))
		}
		select {
		case <-wake:
		case <-timer.C:
		case <-me.terminated:
			return nil, me.reason
		case <-ctx.Done():
			s.abandonPoll(me)
			return nil, errAbort
		case <-s.done:
			s.abandonPoll(me)
			return nil, errAbort
		}
		s.mu.Lock()
		if me.reason != nil {
			// A newer request took over while this one was waking up.
			s.mu.Unlock()
			return nil, me.reason
		}
	}
}

func (s *Server) terminatePollLocked(reason *APIError) {
	s.poll.reason = reason
	close(s.poll.terminated)
	s.poll = nil
}

func (s *Server) endPollLocked(me *poller) {
	me.waiting = false
	if s.poll == me {
		s.poll = nil
	}
	s.notifyLocked()
}

func (s *Server) abandonPoll(me *poller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endPollLocked(me)
}

// confirmLocked applies Telegram's offset rule: every update with an id
// below offset is forgotten. A negative offset keeps only the last -offset
// updates. An offset far beyond the newest id is treated by Telegram as
// invalid and ignored (it serves from the oldest update), which is what lets
// a poller survive the update_id reset after a week of silence.
func (s *Server) confirmLocked(offset int64) {
	switch {
	case offset == 0:
		return
	case offset < 0:
		keep := int(-offset)
		if len(s.pending) > keep {
			s.forgetLocked(s.pending[:len(s.pending)-keep])
			s.pending = slices.Clone(s.pending[len(s.pending)-keep:])
		}
	case offset > int64(s.nextUpdateID)+10:
		return
	default:
		var keep []*queuedUpdate
		var gone []*queuedUpdate
		for _, u := range s.pending {
			if int64(u.id) < offset {
				gone = append(gone, u)
			} else {
				keep = append(keep, u)
			}
		}
		s.forgetLocked(gone)
		s.pending = keep
	}
	s.notifyLocked()
}

func (s *Server) forgetLocked(us []*queuedUpdate) {
	for _, u := range us {
		u.phase = phaseConfirmed
	}
}

// collectLocked returns up to limit pending updates (never nil, so an empty
// batch encodes as []). Updates of types the bot did not ask for are
// dropped, as Telegram never stores them.
func (s *Server) collectLocked(limit int) []json.RawMessage {
	batch := make([]json.RawMessage, 0)
	kept := s.pending[:0:0]
	for _, u := range s.pending {
		if !s.allowedLocked(u.kind) {
			u.phase = phaseDropped
			continue
		}
		kept = append(kept, u)
		if len(batch) < limit {
			batch = append(batch, u.raw)
		}
	}
	if len(kept) != len(s.pending) {
		s.pending = kept
		s.notifyLocked()
	}
	return batch
}

func (s *Server) allowedLocked(kind string) bool {
	if s.allowed == nil {
		return !slices.Contains(defaultExcluded, kind)
	}
	return slices.Contains(s.allowed, kind)
}
