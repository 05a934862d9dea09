package telegramtest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Inline mode: a user types "@bot query" in any chat, the bot gets an
// inline_query update and answers with answerInlineQuery. Each query can be
// answered once, like a callback query; Telegram waits about 10 s.

const (
	maxInlineResults   = 50 // Client.cpp MAX_INLINE_QUERY_RESULT_COUNT
	maxInlineResultID  = 64 // bytes
	defaultInlineCache = 300
	maxInlineCache     = 24 * 60 * 60
)

// InlineAnswer is a successful answerInlineQuery.
type InlineAnswer struct {
	QueryID    string
	Results    []InlineResult
	NextOffset string
	CacheTime  int
	IsPersonal bool
	Time       time.Time
}

// InlineResult is one parsed result of an answer, reduced to what tests
// assert on.
type InlineResult struct {
	ID          string
	Type        string
	Title       string
	Description string
	// MessageText is the message_text the result sends (from
	// input_message_content, or the legacy field) as the bot wrote it;
	// MessagePlain is what the user sees after parse_mode. Empty for a
	// result that sends its media.
	MessageText  string
	MessagePlain string
	ParseMode    string
	// ReplyMarkup is the result's inline keyboard, nil when there is none.
	ReplyMarkup InlineKeyboard
	// PhotoFileID is photo_file_id of a cached photo; PhotoURL photo_url.
	PhotoFileID string
	PhotoURL    string
	// Caption is the visible caption of a media result.
	Caption string
}

type inlineState struct {
	inlineMode    bool
	nextInline    int
	inlineQueries map[string]bool // id -> answered (or expired)
	inlineAnswers []InlineAnswer
}

func (i *inlineState) init() { i.inlineQueries = map[string]bool{} }

// SendInlineQuery queues an inline_query from a user typing "@bot query"
// in a private chat with someone (chat_type "sender"); offset is what the
// bot's previous next_offset was, "" for the first page. It returns the
// update id and the query id to expect in answerInlineQuery. The fake needs
// WithInlineMode, as Telegram sends nothing to a bot without inline mode.
func (s *Server) SendInlineQuery(from User, query, offset string) (updateID int, queryID string) {
	s.tb.Helper()
	s.mu.Lock()
	if !s.inlineMode {
		s.mu.Unlock()
		s.fatalf("SendInlineQuery: the bot has no inline mode; start the fake WithInlineMode() (BotFather's /setinline)")
		return 0, ""
	}
	defer s.mu.Unlock()
	s.nextInline++
	queryID = fmt.Sprintf("%d%06d", uint64(from.ID)%1000000000000+5000000000000, s.nextInline)
	s.inlineQueries[queryID] = false
	updateID = s.enqueueLocked("inline_query", map[string]any{
		"id":        queryID,
		"from":      from,
		"query":     query,
		"offset":    offset,
		"chat_type": "sender",
	})
	return updateID, queryID
}

// answerInlineQuery validates like Telegram: the Bot API server parses the
// results first (at most 50, known types, required fields), then
// Telegram's servers check the query id and the result ids.
func (s *Server) answerInlineQuery(_ context.Context, c *Call) (any, error) {
	p := c.Params
	results, apiErr := parseInlineResults(p["results"])
	if apiErr != nil {
		return nil, apiErr
	}
	id := p["inline_query_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	if answered, known := s.inlineQueries[id]; !known || answered {
		return nil, badRequest(errQueryTooOld)
	}
	seen := map[string]bool{}
	for _, r := range results {
		switch {
		case r.ID == "":
			return nil, badRequest("RESULT_ID_EMPTY")
		case len(r.ID) > maxInlineResultID:
			return nil, badRequest("RESULT_ID_INVALID")
		case seen[r.ID]:
			return nil, badRequest("RESULT_ID_DUPLICATE")
		}
		seen[r.ID] = true
	}
	s.inlineQueries[id] = true
	s.inlineAnswers = append(s.inlineAnswers, InlineAnswer{
		QueryID:    id,
		Results:    results,
		NextOffset: p["next_offset"],
		CacheTime:  int(clampedParam(p, "cache_time", defaultInlineCache, 0, maxInlineCache)),
		IsPersonal: boolParam(p, "is_personal"),
		Time:       time.Now(),
	})
	s.notifyLocked()
	return true, nil
}

// InlineAnswers returns every successful answerInlineQuery, in order.
func (s *Server) InlineAnswers() []InlineAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]InlineAnswer(nil), s.inlineAnswers...)
}

// WaitInlineAnswer waits for the successful answer to queryID.
func (s *Server) WaitInlineAnswer(tb testing.TB, timeout time.Duration, queryID string) InlineAnswer {
	tb.Helper()
	var found InlineAnswer
	ok := s.waitFor(timeout, func() bool {
		for _, a := range s.inlineAnswers {
			if a.QueryID == queryID {
				found = a
				return true
			}
		}
		return false
	})
	if !ok {
		tb.Fatalf("telegramtest: inline query %s not answered within %v; %d answerInlineQuery calls", queryID, timeout, len(s.Calls("answerInlineQuery")))
	}
	return found
}

// ExpireInlineQueries makes every unanswered inline query too old to
// answer, as when the bot took longer than Telegram waits.
func (s *Server) ExpireInlineQueries() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.inlineQueries {
		s.inlineQueries[id] = true
	}
	s.notifyLocked()
}
