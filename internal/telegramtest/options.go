package telegramtest

import "time"

// Option configures a Server; options exist for the few identities and time
// scales tests legitimately need to vary.
type Option func(*config)

type config struct {
	token         string
	username      string
	firstName     string
	pollUnit      time.Duration
	firstUpdateID int
	now           func() time.Time
	inlineMode    bool
}

// WithToken replaces the default token, e.g. to test token redaction with a
// recognisable secret. The bot id is taken from the part before ':'.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithBotUsername changes the bot's @username, which appears in getMe and in
// group commands like /start@name.
func WithBotUsername(username string) Option { return func(c *config) { c.username = username } }

// WithBotName changes the bot's first_name reported by getMe.
func WithBotName(name string) Option { return func(c *config) { c.firstName = name } }

// WithPollUnit scales the getUpdates timeout: timeout=N waits N*unit instead
// of N seconds, so timeout paths can be tested quickly. Default time.Second.
func WithPollUnit(unit time.Duration) Option { return func(c *config) { c.pollUnit = unit } }

// WithClock replaces the wall clock behind the rules that are about how fast
// the bot calls: the getUpdates anti-hammering windows (3 s and 0.5 s) and
// the EnforceLimits token buckets. A test that advances its own clock gets
// exact, repeatable retry_after values and windows without sleeping. Long
// polls and SetDelay still wait in real time (scaled by WithPollUnit).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithFirstUpdateID sets the first update_id handed out; real ids are large
// and arbitrary, so code must not assume they start at 1.
func WithFirstUpdateID(id int) Option { return func(c *config) { c.firstUpdateID = id } }

// WithInlineMode is BotFather's /setinline: getMe reports
// supports_inline_queries and SendInlineQuery may be used. Telegram sends no
// inline queries to a bot without it.
func WithInlineMode() Option { return func(c *config) { c.inlineMode = true } }
