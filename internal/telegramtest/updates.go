package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Telegram's limits for getUpdates; larger values are clamped, not rejected.
const (
	maxUpdatesPerCall = 100
	maxPollTimeout    = 50
)

// Conflict descriptions, verbatim from Telegram.
const (
	conflictTerminated = "terminated by other getUpdates request; make sure that only one bot instance is running"
	conflictWebhook    = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	conflictSetWebhook = "terminated by setWebhook request"
)

// defaultExcluded are the update types Telegram withholds unless asked for
// explicitly; everything else is delivered by default.
var defaultExcluded = []string{"chat_member", "message_reaction", "message_reaction_count"}

type updatePhase int

const (
	phasePending updatePhase = iota
	phaseConfirmed
	phaseDropped
)

type queuedUpdate struct {
	id    int
	kind  string
	raw   json.RawMessage
	phase updatePhase
}

type poller struct {
	terminated chan struct{}
	reason     *APIError
	waiting    bool
}

type updateState struct {
	nextUpdateID    int
	pending         []*queuedUpdate
	updates         map[int]*queuedUpdate
	allowed         []string // nil: Telegram's default set
	allowedHistory  [][]string
	getUpdatesCalls int
	lastOffset      int64
	poll            *poller
	webhookURL      string
	deleteWebhooks  int
}

func (u *updateState) init(first int) {
	u.nextUpdateID = first
	u.updates = map[int]*queuedUpdate{}
}

// Enqueue queues an arbitrary update: a map, a struct, or raw JSON
// (json.RawMessage, []byte or string) holding exactly one update field such
// as {"message": {...}}. Any update_id in it is replaced by the next one,
// which is returned, because ids must stay increasing.
func (s *Server) Enqueue(update any) int {
	s.tb.Helper()
	var raw []byte
	switch v := update.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			s.fatalf("Enqueue: %v", err)
			return 0
		}
		raw = b
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		s.fatalf("Enqueue: update is not a JSON object: %v", err)
		return 0
	}
	delete(fields, "update_id")
	if len(fields) != 1 {
		s.fatalf("Enqueue: an update needs exactly one field besides update_id, got %d", len(fields))
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for kind, payload := range fields {
		return s.enqueueLocked(kind, payload)
	}
	return 0
}

// enqueueLocked stores one update; payload is anything json.Marshal takes.
func (s *Server) enqueueLocked(kind string, payload any) int {
	body, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal %s: %v", kind, err))
	}
	kindJSON, _ := json.Marshal(kind)
	id := s.nextUpdateID
	s.nextUpdateID++
	u := &queuedUpdate{
		id:   id,
		kind: kind,
		raw:  json.RawMessage(fmt.Sprintf(`{"update_id":%d,%s:%s}`, id, kindJSON, body)),
	}
	s.pending = append(s.pending, u)
	s.updates[id] = u
	s.notifyLocked()
	return id
}

// SetNextUpdateID sets the id of the next queued update. Telegram picks a
// random, possibly lower, id after a week without updates; use this with an
// empty queue to check that the poller does not drop such updates.
func (s *Server) SetNextUpdateID(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpdateID = id
}

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

// GetUpdatesCalls counts getUpdates requests, including failed ones.
func (s *Server) GetUpdatesCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getUpdatesCalls
}

// LastOffset is the offset of the latest getUpdates call that sent one
// (tgbotapi omits offset 0).
func (s *Server) LastOffset() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastOffset
}

// AllowedUpdates is the sticky allowed_updates setting; nil means the
// default (everything except chat_member and reactions).
func (s *Server) AllowedUpdates() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.allowed)
}

// AllowedUpdatesHistory lists what each getUpdates call sent as
// allowed_updates, nil where it was omitted, so a test can prove the bot
// always sends the list instead of relying on stickiness.
func (s *Server) AllowedUpdatesHistory() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]string, len(s.allowedHistory))
	for i, a := range s.allowedHistory {
		out[i] = slices.Clone(a)
	}
	return out
}

// Pending counts updates not yet confirmed (and not dropped by
// allowed_updates or drop_pending_updates).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// IncomingMessageID returns the message_id carried by a queued update
// (message, edited_message, channel_post or the callback's message), so a
// test can refer to a user's message in a later update.
func (s *Server) IncomingMessageID(updateID int) int {
	s.tb.Helper()
	s.mu.Lock()
	u := s.updates[updateID]
	s.mu.Unlock()
	if u == nil {
		s.fatalf("IncomingMessageID: no update %d", updateID)
		return 0
	}
	var shape map[string]struct {
		MessageID int `json:"message_id"`
		Message   struct {
			MessageID int `json:"message_id"`
		} `json:"message"`
	}
	_ = json.Unmarshal(u.raw, &shape)
	v := shape[u.kind]
	if v.MessageID != 0 {
		return v.MessageID
	}
	return v.Message.MessageID
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
	offset := intParam(c.Params, "offset")
	limit := int(intParam(c.Params, "limit"))
	if limit <= 0 || limit > maxUpdatesPerCall {
		limit = maxUpdatesPerCall
	}
	timeout := min(max(intParam(c.Params, "timeout"), 0), maxPollTimeout)
	allowed, hasAllowed := parseAllowed(c.Params)

	s.mu.Lock()
	s.allowedHistory = append(s.allowedHistory, allowed)
	if hasAllowed {
		// An empty list means "back to the default", not "nothing".
		s.allowed = nil
		if len(allowed) > 0 {
			s.allowed = allowed
		}
	}
	if _, ok := c.Params["offset"]; ok {
		s.lastOffset = offset
	}
	if s.webhookURL != "" {
		s.notifyLocked()
		s.mu.Unlock()
		return nil, conflict(conflictWebhook)
	}
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
