// Package telegram is partnerbot's door to the Bot API: a client that owns
// the token (every error it returns is redacted) and gives every request a
// context, and the poller that long-polls getUpdates and confirms an
// update only once it was handled.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// DefaultEndpoint is Telegram's own Bot API endpoint: a format string taking
// the token, then the method.
const DefaultEndpoint = "https://api.telegram.org/bot%s/%s"

// Client is the narrow door to the Bot API. It owns the token: every error it
// returns has the token redacted, so callers may log them freely.
type Client struct {
	api   *tgbotapi.BotAPI
	token string
	self  tgbotapi.User
	// pollHTTP has a timeout above the long-poll timeout.
	pollHTTP *http.Client
	sendHTTP *http.Client
	paid     bool
	// fileEndpoint is ClientConfig.FileEndpoint (files.go).
	fileEndpoint string
}

// ClientConfig says how to reach the Bot API.
type ClientConfig struct {
	Token    string
	Endpoint string // format string like DefaultEndpoint
	// FileEndpoint is where files are downloaded from: a format string
	// taking the token, then the file_path. Empty: derived from Endpoint
	// (FileEndpointFor).
	FileEndpoint string
	// SendTimeout bounds one request other than getUpdates.
	SendTimeout time.Duration
	// PollTimeout is the long-poll timeout passed to getUpdates.
	PollTimeout time.Duration
}

// NewClient connects to the Bot API and checks the token with getMe.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if cfg.FileEndpoint == "" {
		cfg.FileEndpoint = FileEndpointFor(cfg.Endpoint)
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 30 * time.Second
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	// Go's default transport keeps 2 idle connections per host; with a
	// dozen concurrent senders most requests would open a new connection
	// (and a TLS handshake with Telegram). Keep enough for all of them.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	c := &Client{token: cfg.Token, fileEndpoint: cfg.FileEndpoint, pollHTTP: &http.Client{Timeout: cfg.PollTimeout + 10*time.Second},
		sendHTTP: &http.Client{Timeout: cfg.SendTimeout, Transport: tr}}
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, cfg.Endpoint, c.sendHTTP)
	if err != nil {
		return nil, fmt.Errorf("telegram: connect: %w", c.redact(err))
	}
	c.api, c.self = api, api.Self
	return c, nil
}

// Username is the bot's @username without the @.
func (c *Client) Username() string { return c.self.UserName }

// ID is the bot's user id.
func (c *Client) ID() int64 { return c.self.ID }

// GetUpdates long-polls for updates; cancelling ctx ends the poll at once.
func (c *Client) GetUpdates(ctx context.Context, cfg tgbotapi.UpdateConfig) ([]Update, error) {
	resp, err := c.withContext(ctx, c.pollHTTP).Request(cfg)
	if err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: %w", c.redact(err))
	}
	u, err := decodeUpdates(resp.Result)
	if err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: %w", err)
	}
	return u, nil
}

// ConfirmUpdates tells Telegram that every update below offset was handled,
// without waiting for new ones; used at shutdown, after the poll context
// has ended, so it takes a context of its own.
func (c *Client) ConfirmUpdates(ctx context.Context, offset int, allowed []string) error {
	api := c.withContext(ctx, c.sendHTTP)
	_, err := api.Request(tgbotapi.UpdateConfig{Offset: offset, Limit: 1, Timeout: 0, AllowedUpdates: allowed})
	if err != nil {
		return fmt.Errorf("telegram: confirm updates below %d: %w", offset, c.redact(err))
	}
	return nil
}

// Send sends a message-like request and returns the message Telegram made.
// Cancelling ctx abandons the request at once.
func (c *Client) Send(ctx context.Context, m tgbotapi.Chattable) (tgbotapi.Message, error) {
	if err := ctx.Err(); err != nil {
		return tgbotapi.Message{}, err
	}
	msg, err := c.withContext(ctx, c.sendHTTP).Send(m)
	if err != nil {
		return msg, fmt.Errorf("telegram: send: %w", c.redact(err))
	}
	return msg, nil
}

// Request calls a method whose result is not a message.
func (c *Client) Request(ctx context.Context, m tgbotapi.Chattable) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := c.withContext(ctx, c.sendHTTP).Request(m); err != nil {
		return fmt.Errorf("telegram: request: %w", c.redact(err))
	}
	return nil
}

// Call calls any method with raw parameters, for fields the library lacks.
func (c *Client) Call(ctx context.Context, method string, params tgbotapi.Params) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := c.withContext(ctx, c.sendHTTP).MakeRequest(method, params); err != nil {
		return fmt.Errorf("telegram: %s: %w", method, c.redact(err))
	}
	return nil
}

// withContext returns a copy of the library client whose HTTP requests
// carry ctx: the library takes no context of its own, and a request that
// outlives shutdown, or its caller's deadline, must end with it.
func (c *Client) withContext(ctx context.Context, hc *http.Client) *tgbotapi.BotAPI {
	api := *c.api
	api.Client = &ctxClient{ctx: ctx, c: hc}
	return &api
}

func (c *Client) redact(err error) error { return Redact(err, c.token) }

// ctxClient sends every request with a fixed context.
type ctxClient struct {
	ctx context.Context
	c   *http.Client
}

func (h *ctxClient) Do(req *http.Request) (*http.Response, error) {
	return h.c.Do(req.WithContext(h.ctx))
}

// APIError returns the Bot API error inside err, if Telegram answered with one.
func APIError(err error) (*tgbotapi.Error, bool) {
	var e *tgbotapi.Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
