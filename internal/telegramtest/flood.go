package telegramtest

import (
	"fmt"
	"math"
	"net/http"
	"time"
)

// Limits are flood limits for EnforceLimits, as token buckets: a chat (or
// the bot as a whole) may send Burst messages at once, then one more each
// time a token comes back at the given rate. A zero rate leaves that limit
// off; a zero burst with a non-zero rate means 1.
type Limits struct {
	// PrivatePerSecond and PrivateBurst limit each private chat.
	PrivatePerSecond float64
	PrivateBurst     int
	// GroupPerMinute and GroupBurst limit each group, supergroup and channel.
	GroupPerMinute int
	GroupBurst     int
	// GlobalPerSecond and GlobalBurst limit the bot across all chats.
	GlobalPerSecond float64
	GlobalBurst     int
}

// TelegramLimits returns limits close to Telegram's (Bots FAQ): about one
// message per second in a private chat, 20 a minute in a group, 30 a second
// overall, each with a short burst.
func TelegramLimits() Limits {
	return Limits{
		PrivatePerSecond: 1, PrivateBurst: 3,
		GroupPerMinute: 20, GroupBurst: 3,
		GlobalPerSecond: 30, GlobalBurst: 30,
	}
}

// floodLimited are the methods that put a message in a chat (or change one)
// and so count against flood control; everything else (answerCallbackQuery,
// getUpdates, setMyCommands, ...) is never limited. Each call costs one
// token, an album too: charging per item would refuse an album larger than
// the burst forever.
var floodLimited = map[string]bool{
	"sendmessage":            true,
	"editmessagetext":        true,
	"editmessagereplymarkup": true,
	"editmessagecaption":     true,
	"editmessagemedia":       true,
	"sendphoto":              true,
	"sendmediagroup":         true,
	"copymessage":            true,
	"forwardmessage":         true,
	"senddocument":           true,
	"sendvideo":              true,
	"sendaudio":              true,
	"sendvoice":              true,
	"sendanimation":          true,
	"sendsticker":            true,
	"sendlocation":           true,
	"sendpoll":               true,
}

type floodState struct {
	limits     Limits
	chatBucket map[int64]*bucket
	global     *bucket
	floodHits  int
	globalHits int
	floodTo    map[int64]int
}

func (f *floodState) init() {
	f.chatBucket = map[int64]*bucket{}
	f.floodTo = map[int64]int{}
}

// EnforceLimits turns flood control on (Limits{} turns it off). From now on
// a limited call that would exceed its chat's limit or the global one is
// answered 429 "Too Many Requests: retry after N" with
// parameters.retry_after = N and is not processed. Only calls that succeed
// use up tokens. Buckets start full; calling it again refills them.
// Time is the server's clock (WithClock), so a test can step it.
func (s *Server) EnforceLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
	s.chatBucket = map[int64]*bucket{}
	s.global = nil
	if l.GlobalPerSecond > 0 {
		s.global = newBucket(l.GlobalPerSecond, l.GlobalBurst, s.now())
	}
	s.notifyLocked()
}

// FloodHits counts calls refused by EnforceLimits, per chat and global
// together; 429s injected with FailNext or FloodWait are not counted.
func (s *Server) FloodHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.floodHits
}

// FloodHitsTo counts calls to chatID refused by EnforceLimits, whether the
// chat's limit or the global one refused them.
func (s *Server) FloodHitsTo(chatID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.floodTo[chatID]
}

// GlobalFloodHits counts the calls among FloodHits that the global limit
// refused while their chat's own limit would have let them through.
func (s *Server) GlobalFloodHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.globalHits
}

// floodLocked checks a call against the limits. When it may pass, the tokens
// are taken at once, so concurrent calls cannot all slip through, and
// returned by settle if the call fails.
func (s *Server) floodLocked(method string, a *admission) *APIError {
	if !floodLimited[method] || !a.hasChat {
		return nil
	}
	now := s.now()
	chat := s.chatBucketLocked(a.chatID, now)
	if chat != nil {
		if wait := chat.wait(now); wait > 0 {
			s.floodHits++
			s.floodTo[a.chatID]++
			s.notifyLocked()
			return tooManyRequests(wait)
		}
	}
	if s.global != nil {
		if wait := s.global.wait(now); wait > 0 {
			s.floodHits++
			s.globalHits++
			s.floodTo[a.chatID]++
			s.notifyLocked()
			return tooManyRequests(wait)
		}
	}
	for _, b := range []*bucket{chat, s.global} {
		if b != nil {
			b.tokens--
			a.tokens = append(a.tokens, b)
		}
	}
	return nil
}

// chatBucketLocked returns the chat's bucket, nil when its kind of chat is
// not limited. The kind comes from the chat as the fake knows it, else from
// the id's sign (negative: a group, supergroup or channel).
func (s *Server) chatBucketLocked(chatID int64, now time.Time) *bucket {
	if b, ok := s.chatBucket[chatID]; ok {
		return b
	}
	var b *bucket
	if s.chatLocked(chatID).Type == "private" {
		if s.limits.PrivatePerSecond > 0 {
			b = newBucket(s.limits.PrivatePerSecond, s.limits.PrivateBurst, now)
		}
	} else if s.limits.GroupPerMinute > 0 {
		b = newBucket(float64(s.limits.GroupPerMinute)/60, s.limits.GroupBurst, now)
	}
	if b != nil {
		s.chatBucket[chatID] = b
	}
	return b
}

func tooManyRequests(wait time.Duration) *APIError {
	// The float slack keeps an exact 3 s from becoming 4 after rounding.
	n := max(int(math.Ceil(wait.Seconds()-1e-9)), 1)
	return &APIError{Code: http.StatusTooManyRequests, Description: fmt.Sprintf("Too Many Requests: retry after %d", n), RetryAfter: n}
}

// bucket is a token bucket on the server's clock.
type bucket struct {
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int, now time.Time) *bucket {
	b := float64(max(burst, 1))
	return &bucket{rate: rate, burst: b, tokens: b, last: now}
}

// tokenSlack absorbs float error, e.g. three steps of 20/60 adding up to
// slightly less than one token.
const tokenSlack = 1e-9

// wait refills the bucket up to now and returns how long until it holds a
// whole token, 0 if it does.
func (b *bucket) wait(now time.Time) time.Duration {
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if b.tokens >= 1-tokenSlack {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

func (b *bucket) refund() {
	b.tokens = min(b.burst, b.tokens+1)
}
