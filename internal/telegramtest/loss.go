package telegramtest

import (
	"slices"
	"strings"
)

// Lost replies and per-chat faults. Telegram sometimes does the work and the
// reply never arrives (a connection reset, a proxy timing out): the sender
// sees a transport error, retries, and the user gets the message twice
// unless the sender is careful. Go's http.Transport does not replay a POST
// whose connection died after it was written, so the error reaches the bot.

// targetedFault is one entry of FailNextTo or LoseNext(To): it hits the next
// n calls of method (or AnyMethod), restricted to one chat unless anyChat.
type targetedFault struct {
	method    string
	chatID    int64
	anyChat   bool
	remaining int
	reply     reply // the error envelope of FailNextTo; unused for losses
}

type lossState struct {
	chatFaults []*targetedFault // FailNextTo: answered before processing
	losses     []*targetedFault // LoseNext(To): answered never, after processing
	lost       int
	lostTo     map[int64]int
}

func (l *lossState) init() {
	l.lostTo = map[int64]int{}
}

// LoseNext makes the next n calls of method (case-insensitive, or AnyMethod)
// do everything Telegram does (a message is stored, an edit applied, the
// call recorded with Lost set) and then drops the connection without a
// reply, so the client gets a transport error (EOF) for a request that
// succeeded.
func (s *Server) LoseNext(method string, n int) {
	s.addTargeted(&s.losses, &targetedFault{method: strings.ToLower(method), anyChat: true, remaining: n})
}

// LoseNextTo is LoseNext for the next n calls of method whose chat_id is
// chatID; calls to other chats are unaffected and do not use it up.
func (s *Server) LoseNextTo(method string, chatID int64, n int) {
	s.addTargeted(&s.losses, &targetedFault{method: strings.ToLower(method), chatID: chatID, remaining: n})
}

// FailNextTo is FailNext for the next n calls of method whose chat_id is
// chatID: they are answered with the error envelope and not processed; other
// chats are unaffected and do not use it up. An empty description gets
// Telegram's wording for the code, as in FailNext.
func (s *Server) FailNextTo(method string, chatID int64, n int, errorCode int, description string) {
	if description == "" {
		description = defaultDescription(errorCode, 0)
	}
	f := &targetedFault{method: strings.ToLower(method), chatID: chatID, remaining: n,
		reply: errorReply(&APIError{Code: errorCode, Description: description})}
	s.addTargeted(&s.chatFaults, f)
}

// FloodWaitTo is FailNextTo for Telegram's flood control: 429 "Too Many
// Requests: retry after N" with parameters.retry_after, for one chat only,
// as when that chat's own limit was exceeded.
func (s *Server) FloodWaitTo(method string, chatID int64, n int, retryAfter int) {
	f := &targetedFault{method: strings.ToLower(method), chatID: chatID, remaining: n,
		reply: errorReply(&APIError{Code: 429, Description: defaultDescription(429, retryAfter), RetryAfter: retryAfter})}
	s.addTargeted(&s.chatFaults, f)
}

func (s *Server) addTargeted(queue *[]*targetedFault, f *targetedFault) {
	if f.remaining <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	*queue = append(*queue, f)
	s.notifyLocked()
}

// takeTargetedLocked uses up one entry that applies to the call, preferring
// one registered for the method over AnyMethod (like FailNext), then the
// oldest.
func takeTargetedLocked(queue *[]*targetedFault, method string, chatID int64, hasChat bool) (*targetedFault, bool) {
	for _, want := range []string{method, AnyMethod} {
		for i, f := range *queue {
			if f.method != want || !f.anyChat && (!hasChat || f.chatID != chatID) {
				continue
			}
			f.remaining--
			if f.remaining == 0 {
				*queue = slices.Delete(*queue, i, i+1)
			}
			return f, true
		}
	}
	return nil, false
}

// Lost counts replies dropped by LoseNext and LoseNextTo so far.
func (s *Server) Lost() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// LostTo counts dropped replies of calls whose chat_id was chatID, whichever
// of LoseNext or LoseNextTo dropped them.
func (s *Server) LostTo(chatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lostTo[chatID]
}
