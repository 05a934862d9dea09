package telegramtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Defaults mimic a freshly created bot, so tests that do not care get a
// realistic identity without configuring anything.
const (
	DefaultToken       = "123456:TEST-token-secret-XYZ"
	DefaultBotUsername = "partnerbot_test_bot"
	DefaultBotName     = "Partnerbot Test"
)

// Server is a fake Telegram Bot API. All methods are safe for concurrent
// use; the HTTP handlers and the test-side helpers share one mutex and a
// broadcast channel, so waiting never needs sleeps.
type Server struct {
	tb       testing.TB
	srv      *httptest.Server
	token    string
	bot      User
	pollUnit time.Duration
	now      func() time.Time // drives the anti-hammering windows and flood buckets

	closeOnce sync.Once
	done      chan struct{} // closed by Close so parked handlers let httptest shut down

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every state change
	calls    []*Call
	handlers map[string]HandlerFunc

	updateState
	messageState
	callbackState
	commandState
	faultState
	hammerState
	lossState
	floodState
	fileState
	channelState
	topicState
	inlineState
}

// New starts a fake Bot API server; it is closed by tb.Cleanup.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	cfg := config{
		token:         DefaultToken,
		username:      DefaultBotUsername,
		firstName:     DefaultBotName,
		pollUnit:      time.Second,
		firstUpdateID: 100000001,
		now:           time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	botID, _ := strconv.ParseInt(strings.SplitN(cfg.token, ":", 2)[0], 10, 64)
	s := &Server{
		tb:       tb,
		token:    cfg.token,
		bot:      User{ID: botID, IsBot: true, FirstName: cfg.firstName, Username: cfg.username},
		pollUnit: cfg.pollUnit,
		now:      cfg.now,
		done:     make(chan struct{}),
		changed:  make(chan struct{}),
		handlers: map[string]HandlerFunc{},
	}
	s.updateState.init(cfg.firstUpdateID)
	s.messageState.init()
	s.callbackState.init()
	s.commandState.init()
	s.faultState.init()
	s.hammerState.init()
	s.lossState.init()
	s.floodState.init()
	s.fileState.init()
	s.channelState.init()
	s.topicState.init()
	s.inlineState.init()
	s.inlineMode = cfg.inlineMode
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Token is the token the fake accepts; any other token gets 401.
func (s *Server) Token() string { return s.token }

// Endpoint is the format string for tgbotapi.NewBotAPIWithClient
// (token, then method), like tgbotapi.APIEndpoint.
func (s *Server) Endpoint() string { return s.srv.URL + "/bot%s/%s" }

// URL is the server's base URL, for tests that build requests by hand.
func (s *Server) URL() string { return s.srv.URL }

// BotID is the bot's user id, as getMe reports it.
func (s *Server) BotID() int64 { return s.bot.ID }

// BotUsername is the bot's username without '@'.
func (s *Server) BotUsername() string { return s.bot.Username }

// Bot is the bot's own user, as it appears in "from" of the messages it sends.
func (s *Server) Bot() User { return s.bot }

// HTTPClient returns a client whose timeout exceeds the longest long poll,
// because http.DefaultClient has no timeout at all and a hung test is worse
// than a failed one.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{
		Transport: s.srv.Client().Transport,
		Timeout:   maxPollTimeout*s.pollUnit + 10*time.Second,
	}
}

// NewBotAPI builds the real library client against the fake. Like every
// tgbotapi constructor it calls getMe, which is recorded.
func (s *Server) NewBotAPI(tb testing.TB) *tgbotapi.BotAPI {
	tb.Helper()
	bot, err := tgbotapi.NewBotAPIWithClient(s.token, s.Endpoint(), s.HTTPClient())
	if err != nil {
		tb.Fatalf("telegramtest: NewBotAPIWithClient: %v", err)
	}
	return bot
}

// Close shuts the server down; afterwards connections are refused, which is
// how tests simulate an unreachable Telegram. Parked long polls and delayed
// replies are aborted first so that shutdown does not wait for them.
// Recorded state stays readable. Safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		close(s.done)
		s.notifyLocked()
		s.mu.Unlock()
		s.srv.Close()
	})
}

// CloseClientConnections drops every open connection without stopping the
// server, simulating a connection reset in the middle of a request.
func (s *Server) CloseClientConnections() { s.srv.CloseClientConnections() }

// HandlerFunc implements or overrides one Bot API method. Return the value
// for "result", or an *APIError for an error envelope; any other error
// becomes a 500.
type HandlerFunc func(c Call) (result any, err error)

// Handle installs fn for method (case-insensitive), taking precedence over
// the built-in behaviour. It is the escape hatch for methods the fake does
// not model (deleteForumTopic, ...).
func (s *Server) Handle(method string, fn HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[strings.ToLower(method)] = fn
}

// notifyLocked wakes every waiter; it is the only way state changes are
// announced, so every mutation must call it.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.serveFile(w, r)
		return
	}
	token, method, ok := splitPath(r.URL.Path)
	if !ok {
		errorReply(errNotFound).write(w)
		return
	}
	params, files, uploads, perr := parseParams(r)
	call := s.record(method, params, files, uploads)
	var rep reply
	switch {
	case tooLarge(uploads):
		rep = errorReply(errTooLarge) // Telegram's front end, before the token is even read
	case token != s.token:
		rep = errorReply(errUnauthorized)
	case perr != nil:
		rep = errorReply(badRequest(perr.Error()))
	default:
		rep = s.process(r.Context(), call)
	}
	if rep.abort || rep.lost {
		// A transport-level failure is what the client would see when the
		// connection dies, so do not fabricate a reply. A lost reply was
		// already recorded by settle: Telegram did the work.
		panic(http.ErrAbortHandler)
	}
	s.finish(call, rep)
	rep.write(w)
}

// splitPath extracts token and method from /bot<token>/<method>.
func splitPath(path string) (token, method string, ok bool) {
	rest, found := strings.CutPrefix(path, "/bot")
	if !found {
		return "", "", false
	}
	token, method, found = strings.Cut(rest, "/")
	if !found || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	return token, method, true
}

// process serves one call. The order is Telegram's as a client sees it:
// a slow network first, then faults that stand for an outage (FailNext)
// or a chat's trouble (FailNextTo), then flood control, and only then the
// work itself, whose reply may still be lost on the way back.
func (s *Server) process(ctx context.Context, c *Call) reply {
	lower := strings.ToLower(c.Method)
	if d := s.delayFor(lower); d > 0 && !s.sleep(ctx, d) {
		return reply{abort: true}
	}
	if f, ok := s.takeFault(lower); ok {
		return f
	}
	a := s.admit(lower, c)
	if a.refused != nil {
		return *a.refused
	}
	rep := s.dispatch(ctx, lower, c)
	s.settle(a, c, &rep)
	return rep
}

// sleep waits d unless the client goes away or the server closes first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// fatalf reports misuse of a test-side helper. It goes through the tb given
// to New because helpers such as SendText take no tb of their own.
func (s *Server) fatalf(format string, args ...any) {
	s.tb.Helper()
	s.tb.Fatalf("telegramtest: "+format, args...)
}
