package telegramtest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// AnyMethod matches every method in FailNext, FailNextRaw, FailNextWith,
// FailNextTo, LoseNext, LoseNextTo and SetDelay, for faults that hit the
// whole API (an outage, a slow proxy).
const AnyMethod = "*"

type fault struct {
	remaining int
	reply     reply
}

type faultState struct {
	faults map[string][]*fault
	delays map[string]time.Duration
}

func (f *faultState) init() {
	f.faults = map[string][]*fault{}
	f.delays = map[string]time.Duration{}
}

// FailNext makes the next n calls of method (case-insensitive, or
// AnyMethod) fail with an error envelope. An empty description gets
// Telegram's wording for the code, e.g. 429 becomes "Too Many Requests:
// retry after N"; a non-zero retryAfter is sent as parameters.retry_after.
func (s *Server) FailNext(method string, n int, errorCode int, description string, retryAfter int) {
	if description == "" {
		description = defaultDescription(errorCode, retryAfter)
	}
	s.FailNextWith(method, n, &APIError{Code: errorCode, Description: description, RetryAfter: retryAfter})
}

// FailNextWith is FailNext for envelopes with other parameters, such as
// migrate_to_chat_id.
func (s *Server) FailNextWith(method string, n int, err *APIError) {
	s.addFault(method, n, errorReply(err))
}

// FailNextRaw makes the next n calls of method answer with an arbitrary
// body, for what proxies return: an HTML 502 page is not JSON and must not
// be mistaken for a Telegram error.
func (s *Server) FailNextRaw(method string, n int, status int, body, contentType string) {
	s.addFault(method, n, reply{status: status, contentType: contentType, body: []byte(body)})
}

// FloodWait is FailNext for the most common case: 429 with retry_after.
func (s *Server) FloodWait(method string, n int, retryAfter int) {
	s.FailNext(method, n, http.StatusTooManyRequests, "", retryAfter)
}

func (s *Server) addFault(method string, n int, r reply) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	s.faults[key] = append(s.faults[key], &fault{remaining: n, reply: r})
	s.notifyLocked()
}

// takeFault consumes one injected failure for method, preferring one
// registered for that method over AnyMethod.
func (s *Server) takeFault(method string) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{method, AnyMethod} {
		queue := s.faults[key]
		if len(queue) == 0 {
			continue
		}
		f := queue[0]
		f.remaining--
		if f.remaining == 0 {
			s.faults[key] = queue[1:]
		}
		return f.reply, true
	}
	return reply{}, false
}

// ClearFaults drops every pending injected failure, lost reply and delay
// (FailNext*, FailNextTo, LoseNext*, SetDelay). Flood limits stay: turn them
// off with EnforceLimits(Limits{}).
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*fault{}
	s.delays = map[string]time.Duration{}
	s.chatFaults = nil
	s.losses = nil
	s.notifyLocked()
}

// SetDelay slows every reply of method (or AnyMethod) by d, to exercise
// client timeouts; 0 removes it. A delayed request still ends promptly when
// the client disconnects or the server closes.
func (s *Server) SetDelay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	if d <= 0 {
		delete(s.delays, key)
	} else {
		s.delays[key] = d
	}
}

func (s *Server) delayFor(method string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.delays[method]; ok {
		return d
	}
	return s.delays[AnyMethod]
}

func defaultDescription(code, retryAfter int) string {
	switch code {
	case http.StatusBadRequest:
		return "Bad Request"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusTooManyRequests:
		return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	case http.StatusInternalServerError:
		return "Internal Server Error"
	case http.StatusBadGateway:
		return "Bad Gateway"
	default:
		return http.StatusText(code)
	}
}
