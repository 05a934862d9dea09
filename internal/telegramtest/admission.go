package telegramtest

import "net/http"

// admission is what happens to one call around its handler: faults aimed at
// its chat, flood control, and whether its reply will be lost. Deciding all
// of it under one lock keeps concurrent calls from sharing a token or a
// fault.
type admission struct {
	chatID  int64
	hasChat bool
	refused *reply    // answer this instead of processing
	tokens  []*bucket // flood tokens taken, given back if the call fails
	lose    bool      // process, then drop the connection
}

// admit runs after FailNext faults (which hit a method whatever the chat)
// and before the handler.
func (s *Server) admit(method string, c *Call) admission {
	s.mu.Lock()
	defer s.mu.Unlock()
	var a admission
	if raw, ok := c.Params["chat_id"]; ok {
		if id, err := s.resolveChatLocked(raw); err == nil {
			a.chatID, a.hasChat = id, true
		}
	}
	if f, ok := takeTargetedLocked(&s.chatFaults, method, a.chatID, a.hasChat); ok {
		r := f.reply
		a.refused = &r
		s.notifyLocked()
		return a
	}
	if e := s.floodLocked(method, &a); e != nil {
		r := errorReply(e)
		a.refused = &r
		return a
	}
	if _, ok := takeTargetedLocked(&s.losses, method, a.chatID, a.hasChat); ok {
		a.lose = true
		s.notifyLocked()
	}
	return a
}

// settle records the outcome of a processed call: a failed call gives its
// flood tokens back, and a lost reply is recorded here because serve will
// never write it.
func (s *Server) settle(a admission, c *Call, rep *reply) {
	if len(a.tokens) == 0 && !a.lose {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rep.abort || rep.status != http.StatusOK {
		for _, b := range a.tokens {
			b.refund()
		}
	}
	if a.lose && !rep.abort {
		rep.lost = true
		c.Lost = true
		c.Status = rep.status
		c.Response = string(rep.body)
		s.lost++
		if a.hasChat {
			s.lostTo[a.chatID]++
		}
	}
	s.notifyLocked()
}
