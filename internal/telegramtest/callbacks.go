package telegramtest

import (
	"context"
	"fmt"
	"time"
)

const errQueryTooOld = "query is too old and response timeout expired or query ID is invalid"

// CallbackAnswer is a successful answerCallbackQuery.
type CallbackAnswer struct {
	CallbackID string
	Text       string
	ShowAlert  bool
	URL        string
	CacheTime  int
	Time       time.Time
}

type callbackState struct {
	nextCallback int
	callbacks    map[string]bool // id -> answered
	answers      []CallbackAnswer
}

func (c *callbackState) init() {
	c.callbacks = map[string]bool{}
}

// newCallbackLocked issues a query id that looks like Telegram's (a long
// decimal string) so code that parses or logs ids meets realistic input.
func (s *Server) newCallbackLocked(chatID int64) string {
	s.nextCallback++
	id := fmt.Sprintf("%d%06d", uint64(chatID)%1000000000000+4000000000000, s.nextCallback)
	s.callbacks[id] = false
	return id
}

// answerCallbackQuery accepts each query once: a second answer fails like
// an expired one, as on Telegram.
func (s *Server) answerCallbackQuery(_ context.Context, c *Call) (any, error) {
	id := c.Params["callback_query_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	answered, known := s.callbacks[id]
	if !known || answered {
		return nil, badRequest(errQueryTooOld)
	}
	s.callbacks[id] = true
	s.answers = append(s.answers, CallbackAnswer{
		CallbackID: id,
		Text:       c.Params["text"],
		ShowAlert:  boolParam(c.Params, "show_alert"),
		URL:        c.Params["url"],
		CacheTime:  int(intParam(c.Params, "cache_time")),
		Time:       time.Now(),
	})
	s.notifyLocked()
	return true, nil
}

// ExpireCallbacks makes every unanswered callback query too old to answer,
// simulating a bot that took longer than Telegram waits.
func (s *Server) ExpireCallbacks() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.callbacks {
		s.callbacks[id] = true
	}
	s.notifyLocked()
}

// Answers returns every successful answerCallbackQuery, in order.
func (s *Server) Answers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answers...)
}
