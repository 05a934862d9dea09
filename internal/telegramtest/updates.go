package telegramtest

import (
	"encoding/json"
	"fmt"
	"slices"
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
