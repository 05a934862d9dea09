// Package bot is the Telegram side of partnerbot: it turns updates into
// requests, routes them to handlers and renders replies in the resident's
// language.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

// Bot holds what handlers need. Handlers are its methods, listed in one
// table in routes.go.
type Bot struct {
	store store.Store
	data  *store.Dataset
	tg    *Client
	tr    *Translator
	log   *slog.Logger
	now   store.NowFunc

	owners    []int64
	tz        *time.Location
	announcer Announcer
	pacer     Pacer
	obs       Observer
	publicURL string
	// digestSince tells when a subscriber's last digest went out.
	digestSince func(ctx context.Context, s store.Subscriber) (time.Time, bool, error)

	commands  map[string]route
	callbacks map[string]callbackRoute
}

// Observer hears about handled updates and replies; metrics implement it.
type Observer interface {
	UpdateHandled(kind, command string, d time.Duration)
	Sent(kind string)
	Failed(kind, reason string)
}

// Announcer pushes an announcement to its subscribers right away.
type Announcer interface {
	Announce(ctx context.Context, p store.Post) (recipients int, err error)
}

// Config holds a Bot's dependencies.
type Config struct {
	Store      store.Store
	Data       *store.Dataset
	Client     *Client
	Translator *Translator
	Logger     *slog.Logger
	Now        store.NowFunc
	// Owners are the user ids from ADMIN_IDS.
	Owners []int64
	// TimeZone is the home city's zone (TIMEZONE), for posts about all
	// cities and for officials' timestamps.
	TimeZone  *time.Location
	Announcer Announcer
	// Pacer, when set, paces replies with the shared limiter.
	Pacer Pacer
	// Observer, when set, is told about every update and reply (metrics).
	Observer Observer
	// PublicURL, when set, is where the calendar feeds are served; city
	// cards and /events then link to them.
	PublicURL string
	// DigestSince, when set, tells when a chat's last digest went out, so
	// /digest_preview shows exactly what the next digest would.
	DigestSince func(ctx context.Context, s store.Subscriber) (time.Time, bool, error)
}

// New returns a Bot ready to handle updates.
func New(cfg Config) *Bot {
	b := &Bot{store: cfg.Store, data: cfg.Data, tg: cfg.Client, tr: cfg.Translator, log: cfg.Logger, now: cfg.Now,
		owners: cfg.Owners, tz: cfg.TimeZone, announcer: cfg.Announcer, pacer: cfg.Pacer, obs: cfg.Observer, publicURL: strings.TrimRight(cfg.PublicURL, "/"), digestSince: cfg.DigestSince}
	if b.tz == nil {
		b.tz = time.UTC
		if cfg.Data != nil && cfg.Data.Home.Location != nil {
			b.tz = cfg.Data.Home.Location
		}
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.commands = make(map[string]route)
	for _, rt := range b.routes() {
		b.commands[rt.Command] = rt
	}
	b.callbacks = b.callbackRoutes()
	return b
}

// Handle handles one update. It returns an error only when the update should
// be delivered again later (the reply could not reach Telegram for a reason
// that may pass); everything else, including storage failures that were
// explained to the resident, counts as handled.
func (b *Bot) Handle(ctx context.Context, u tgbotapi.Update) error {
	began := time.Now()
	r := newRequest(u, b.tg.Username())
	log := b.log.With("update_id", r.UpdateID, "chat_id", r.ChatID, "kind", string(r.Kind))
	b.resolve(ctx, r)
	b.rememberUser(ctx, r)
	err := b.dispatch(ctx, r)
	if b.obs != nil {
		b.obs.UpdateHandled(string(r.Kind), b.commandLabel(r), time.Since(began))
	}
	if err == nil {
		log.Debug("update handled", "command", r.Command)
		return nil
	}
	if retryable(err) {
		log.Warn("update not handled, will retry", "err", err)
		return err
	}
	// The resident gets one short explanation; details only go to the log.
	key := "error_internal"
	if errors.Is(err, store.ErrUnavailable) {
		key = "error_unavailable"
		log.Warn("storage unavailable", "err", err)
	} else {
		log.Error("update failed", "err", err, "command", r.Command)
	}
	if r.ChatID == 0 || r.Kind == KindMember || r.Kind == KindChannelPost {
		return nil
	}
	if r.Kind == KindCallback {
		b.answer(ctx, r, b.tr.T(r.Lang, key))
		return nil
	}
	if rerr := b.reply(ctx, r, b.tr.T(r.Lang, key), nil); rerr != nil && retryable(rerr) {
		return fmt.Errorf("reply with error notice: %w", rerr)
	}
	return nil
}

// commandLabel names the command or button for metrics; anything not in
// the route tables is "other", so residents cannot invent label values.
func (b *Bot) commandLabel(r *Request) string {
	switch r.Kind {
	case KindCommand:
		if _, ok := b.commands[r.Command]; ok {
			return r.Command
		}
		return "other"
	case KindCallback:
		if cb, err := DecodeCallback(r.Data); err == nil {
			return "button_" + cb.Action
		}
		if action, _, ok := strings.Cut(r.Data, ":"); ok {
			if _, known := b.callbacks[action]; known {
				return "button_" + action
			}
		}
		return "other"
	}
	return ""
}

// resolve loads the chat's record and picks the reply language: the chosen
// one, else Telegram's language_code, else the stored one, else Ukrainian.
// A storage failure here is not fatal: the handler will meet it again if it
// needs storage, and commands that do not can still answer.
func (b *Bot) resolve(ctx context.Context, r *Request) {
	if r.ChatID != 0 {
		s, err := b.store.Subscriber(ctx, r.ChatID)
		if err == nil {
			r.Sub = &s
		}
	}
	switch {
	case r.Sub != nil && r.Sub.LangChosen:
		r.Lang = r.Sub.Lang
	default:
		if l, ok := store.ParseLang(r.UserLang); ok {
			r.Lang = l
		} else if r.Sub != nil && r.Sub.Lang != "" {
			r.Lang = r.Sub.Lang
		} else {
			r.Lang = store.LangUK
		}
	}
}

// retryable reports whether a failure to talk to Telegram may pass by
// itself, so the update should be delivered again rather than dropped.
func retryable(err error) bool {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return false
	}
	if e, ok := APIError(err); ok {
		return e.Code == 429 || e.Code >= 500
	}
	var te *telegramError
	return errors.As(err, &te)
}

// telegramError marks an error that came from talking to Telegram (as
// opposed to storage or our own logic), when Telegram gave no API error.
type telegramError struct{ err error }

func (e *telegramError) Error() string { return e.err.Error() }
func (e *telegramError) Unwrap() error { return e.err }
