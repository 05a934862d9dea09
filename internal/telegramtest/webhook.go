package telegramtest

import "context"

// SetWebhook simulates a webhook left behind by another deployment: until
// deleteWebhook is called, getUpdates fails with 409.
func (s *Server) SetWebhook(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setWebhookLocked(url)
}

func (s *Server) setWebhookLocked(url string) {
	s.webhookURL = url
	if url != "" && s.poll != nil {
		s.terminatePollLocked(conflict(conflictSetWebhook))
	}
	s.notifyLocked()
}

// WebhookURL is the webhook currently set, "" if none.
func (s *Server) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhookURL
}

// DeleteWebhookCalls counts deleteWebhook requests, so tests can check the
// bot clears a stale webhook before polling.
func (s *Server) DeleteWebhookCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteWebhooks
}

func (s *Server) deleteWebhook(_ context.Context, c *Call) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleteWebhooks++
	desc := "Webhook is already deleted"
	if s.webhookURL != "" {
		desc = "Webhook was deleted"
	}
	s.webhookURL = ""
	if boolParam(c.Params, "drop_pending_updates") {
		for _, u := range s.pending {
			u.phase = phaseDropped
		}
		s.pending = nil
	}
	s.notifyLocked()
	return described{true, desc}, nil
}

func (s *Server) setWebhook(_ context.Context, c *Call) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	url := c.Params["url"]
	s.setWebhookLocked(url)
	if url == "" {
		return described{true, "Webhook was deleted"}, nil
	}
	return described{true, "Webhook was set"}, nil
}

func (s *Server) getWebhookInfo(context.Context, *Call) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{
		"url":                    s.webhookURL,
		"has_custom_certificate": false,
		"pending_update_count":   len(s.pending),
	}, nil
}
