package telegramtest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// waitFor re-evaluates check after every state change until it returns
// true or timeout passes. check runs with the lock held and must only read
// state; user predicates run on snapshots outside the lock, so they may call
// back into the Server.
func (s *Server) waitFor(timeout time.Duration, check func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ok := check()
		wake := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-wake:
		case <-timer.C:
			s.mu.Lock()
			ok := check()
			s.mu.Unlock()
			return ok
		}
	}
}

// Sent returns every message the bot sent (sendMessage, sendPhoto, each
// item of sendMediaGroup), in order, in its current (possibly edited or
// deleted) state.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sentLocked()
}

func (s *Server) sentLocked() []Message {
	out := make([]Message, len(s.sent))
	for i, m := range s.sent {
		out[i] = m.snapshot()
	}
	return out
}

// SentTo returns the messages sent to one chat, in order.
func (s *Server) SentTo(chatID int64) []Message {
	var out []Message
	for _, m := range s.Sent() {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

// LastTo returns the latest message sent to a chat; ok is false if none.
func (s *Server) LastTo(chatID int64) (msg Message, ok bool) {
	msgs := s.SentTo(chatID)
	if len(msgs) == 0 {
		return Message{}, false
	}
	return msgs[len(msgs)-1], true
}

// WaitSent returns the first sent message (oldest first, edits applied)
// that matches pred (nil matches any), waiting up to timeout for it. On timeout it fails the
// test and lists everything that was sent, which is usually the clue.
func (s *Server) WaitSent(tb testing.TB, timeout time.Duration, pred func(Message) bool) Message {
	tb.Helper()
	var found Message
	var snapshot []Message
	ok := waitForSnapshot(s, timeout, func() []Message { return s.sentLocked() }, func(msgs []Message) bool {
		snapshot = msgs
		for _, m := range msgs {
			if pred == nil || pred(m) {
				found = m
				return true
			}
		}
		return false
	})
	if !ok {
		tb.Fatalf("telegramtest: no sent message matched within %v; %s", timeout, describeSent(snapshot))
	}
	return found
}

// WaitSentCount waits until at least n messages were sent and returns all
// of them.
func (s *Server) WaitSentCount(tb testing.TB, timeout time.Duration, n int) []Message {
	tb.Helper()
	var snapshot []Message
	ok := waitForSnapshot(s, timeout, func() []Message { return s.sentLocked() }, func(msgs []Message) bool {
		snapshot = msgs
		return len(msgs) >= n
	})
	if !ok {
		tb.Fatalf("telegramtest: want %d sent messages within %v; %s", n, timeout, describeSent(snapshot))
	}
	return snapshot
}

// waitForSnapshot takes a snapshot under the lock after every change and
// evaluates pred on it without the lock.
func waitForSnapshot[T any](s *Server, timeout time.Duration, take func() T, pred func(T) bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		snap := take()
		wake := s.changed
		s.mu.Unlock()
		if pred(snap) {
			return true
		}
		select {
		case <-wake:
		case <-timer.C:
			s.mu.Lock()
			snap := take()
			s.mu.Unlock()
			return pred(snap)
		}
	}
}

// Calls returns the recorded requests for method (case-insensitive), or
// all requests when method is "". In-flight requests have Status 0.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			out = append(out, c.snapshot())
		}
	}
	return out
}

// WaitCall returns the first completed call of method matching pred (nil
// matches any), waiting up to timeout. Only completed calls count (answered,
// or processed with the reply lost), so the fake's state already reflects
// the call when WaitCall returns.
func (s *Server) WaitCall(tb testing.TB, timeout time.Duration, method string, pred func(Call) bool) Call {
	tb.Helper()
	var found Call
	var snapshot []Call
	ok := waitForSnapshot(s, timeout, func() []Call { return s.callsLocked("") }, func(calls []Call) bool {
		snapshot = calls
		for _, c := range calls {
			if c.Status != 0 && strings.EqualFold(c.Method, method) && (pred == nil || pred(c)) {
				found = c
				return true
			}
		}
		return false
	})
	if !ok {
		var b strings.Builder
		for _, c := range snapshot {
			fmt.Fprintf(&b, "\n  %s %d %v", c.Method, c.Status, c.Params)
		}
		tb.Fatalf("telegramtest: no completed %s call matched within %v; calls so far (%d):%s", method, timeout, len(snapshot), b.String())
	}
	return found
}

// WaitConfirmed waits until a getUpdates call confirmed updateID (offset
// greater than it), i.e. until the bot told Telegram it is done with it.
func (s *Server) WaitConfirmed(tb testing.TB, timeout time.Duration, updateID int) {
	tb.Helper()
	var phase updatePhase
	var exists bool
	s.waitFor(timeout, func() bool {
		u := s.updates[updateID]
		exists = u != nil
		if exists {
			phase = u.phase
		}
		return !exists || phase != phasePending
	})
	switch {
	case !exists:
		tb.Fatalf("telegramtest: WaitConfirmed: update %d was never queued", updateID)
	case phase == phaseDropped:
		tb.Fatalf("telegramtest: update %d was dropped (not in allowed_updates, or drop_pending_updates), not confirmed", updateID)
	case phase == phasePending:
		tb.Fatalf("telegramtest: update %d not confirmed within %v (last offset %d, %d getUpdates calls)",
			updateID, timeout, s.LastOffset(), s.GetUpdatesCalls())
	}
}

// WaitLongPoll waits until a getUpdates request is parked waiting for
// updates: the bot is idle and caught up, a good moment to act on it.
func (s *Server) WaitLongPoll(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	if !s.waitFor(timeout, func() bool { return s.poll != nil && s.poll.waiting }) {
		tb.Fatalf("telegramtest: no getUpdates long poll parked within %v (%d getUpdates calls)", timeout, s.GetUpdatesCalls())
	}
}

// WaitPending waits until at most n updates remain unconfirmed.
func (s *Server) WaitPending(tb testing.TB, timeout time.Duration, n int) {
	tb.Helper()
	if !s.waitFor(timeout, func() bool { return len(s.pending) <= n }) {
		tb.Fatalf("telegramtest: %d updates still pending after %v, want <= %d", s.Pending(), timeout, n)
	}
}

// WaitAnswer waits for the answerCallbackQuery of callbackID.
func (s *Server) WaitAnswer(tb testing.TB, timeout time.Duration, callbackID string) CallbackAnswer {
	tb.Helper()
	var found CallbackAnswer
	ok := s.waitFor(timeout, func() bool {
		for _, a := range s.answers {
			if a.CallbackID == callbackID {
				found = a
				return true
			}
		}
		return false
	})
	if !ok {
		tb.Fatalf("telegramtest: callback %s not answered within %v", callbackID, timeout)
	}
	return found
}

// To matches messages sent to chatID, for WaitSent.
func To(chatID int64) func(Message) bool {
	return func(m Message) bool { return m.ChatID == chatID }
}

// TextContains matches messages whose visible text contains substr.
func TextContains(substr string) func(Message) bool {
	return func(m Message) bool { return strings.Contains(m.Plain, substr) }
}

// All matches messages that match every predicate, e.g.
// All(To(42), TextContains("Welcome")).
func All(preds ...func(Message) bool) func(Message) bool {
	return func(m Message) bool {
		for _, p := range preds {
			if !p(m) {
				return false
			}
		}
		return true
	}
}
