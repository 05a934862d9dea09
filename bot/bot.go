// Package bot is the Telegram side of partnerbot: it turns updates into
// requests, routes them to handlers and renders replies in the resident's
// language.
package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/store"
)

// Bot holds what handlers need. Handlers are its methods, listed in one
// table in routes.go.
type Bot struct {
	store Store
	data  *store.Dataset
	tg    *telegram.Client
	tr    *render.Translator
	rd    *render.Renderer
	log   *slog.Logger
	now   store.NowFunc

	owners    []int64
	tz        *time.Location
	pacer     Pacer
	obs       Observer
	publicURL string
	preview   DigestPreviewer
	channel   Channel
	chanInfo  ChannelInfo
	inbound   *inbound
	privacy   store.Text
	retention store.RetentionPolicy
	approval  store.Approval
	releaser  Releaser
	office    OfficeConfig

	commands  map[string]route
	callbacks map[string]callbackRoute
}

// Config holds a Bot's dependencies.
type Config struct {
	Store      Store
	Data       *store.Dataset
	Client     *telegram.Client
	Translator *render.Translator
	// Renderer renders posts as residents read them; nil makes one from
	// Translator, Data and TimeZone.
	Renderer *render.Renderer
	Logger   *slog.Logger
	Now      store.NowFunc
	// Owners are the user ids from ADMIN_IDS.
	Owners []int64
	// TimeZone is the home city's zone (TIMEZONE), for posts about all
	// cities and for officials' timestamps.
	TimeZone *time.Location
	// Pacer, when set, paces replies with the shared limiter.
	Pacer Pacer
	// Observer, when set, is told about every update and reply (metrics).
	Observer Observer
	// PublicURL, when set, is where the calendar feeds are served; city
	// cards and /events then link to them.
	PublicURL string
	// Preview renders /digest_preview; without it the command says there
	// is nothing to preview.
	Preview DigestPreviewer
	// Channel, when set, gets every published post for the city's channel;
	// ChannelInfo names it for /stats and the start-up check.
	Channel     Channel
	ChannelInfo ChannelInfo
	// Inbound limits how fast one person or group may write to the bot;
	// zero fields take DefaultInbound's.
	Inbound InboundLimits
	// Privacy is the privacy notice /privacy shows (PRIVACY_FILE); nil
	// takes the dataset's, else the bot's own.
	Privacy store.Text
	// Retention is how long inactive chats and audit entries are kept, as
	// /privacy and /stats state it; zero takes store.DefaultRetention.
	Retention store.RetentionPolicy
	// Approval is the APPROVAL policy; empty is off.
	Approval store.Approval
	// Releaser announces and posts what an approval or "publish now"
	// published; without it the planner does, at its next look.
	Releaser Releaser
	// Office is the partnership office's inbox residents write to.
	Office OfficeConfig
}

// New returns a Bot ready to handle updates.
func New(cfg Config) *Bot {
	b := &Bot{store: cfg.Store, data: cfg.Data, tg: cfg.Client, tr: cfg.Translator, log: cfg.Logger, now: cfg.Now,
		owners: cfg.Owners, tz: cfg.TimeZone, pacer: cfg.Pacer, obs: cfg.Observer, publicURL: strings.TrimRight(cfg.PublicURL, "/"), preview: cfg.Preview, channel: cfg.Channel, chanInfo: cfg.ChannelInfo,
		approval: cfg.Approval, releaser: cfg.Releaser, office: cfg.Office}
	if b.approval == "" {
		b.approval = store.ApprovalOff
	}
	if b.office.Rate.N <= 0 || b.office.Rate.Per <= 0 {
		b.office.Rate = store.DefaultContactRate()
	}
	if b.office.Lang == "" {
		b.office.Lang = store.LangUK
	}
	if b.tz == nil {
		b.tz = time.UTC
		if cfg.Data != nil && cfg.Data.Home.Location != nil {
			b.tz = cfg.Data.Home.Location
		}
	}
	if b.now == nil {
		b.now = time.Now
	}
	b.rd = cfg.Renderer
	if b.rd == nil {
		b.rd = render.New(b.tr, b.data, b.tz)
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.inbound = newInbound(cfg.Inbound)
	b.privacy, b.retention = cfg.Privacy, cfg.Retention
	if b.privacy == nil && b.data != nil {
		b.privacy = b.data.Privacy
	}
	if b.retention == (store.RetentionPolicy{}) {
		b.retention = store.DefaultRetention()
	}
	b.commands = make(map[string]route)
	for _, rt := range b.routes() {
		b.commands[rt.Command] = rt
	}
	b.callbacks = b.callbackRoutes()
	return b
}

// Handle handles one update. It returns an error only when the update
// should be delivered again later: its replies did not reach Telegram for a
// reason that may pass (then they are kept, and the next attempt only
// sends them), or the chat must wait (a *telegram.WaitError). Everything else,
// including storage failures explained to the resident, counts as handled.
func (b *Bot) Handle(ctx context.Context, u telegram.Update) error {
	began := time.Now()
	r := newRequest(u, b.tg.Username())
	// An inline query is answered directly, never journaled: no journal to
	// read for it (one per keystroke).
	if j, ok := b.loadJournal(ctx, r.UpdateID); r.Kind != KindInline && ok {
		if j.Done {
			return nil
		}
		return b.deliver(ctx, r, j.Replies, true)
	}
	log := b.log.With("update_id", r.UpdateID, "chat_id", r.ChatID, "kind", string(r.Kind))
	if !b.admit(ctx, r) {
		return b.deliver(ctx, r, r.out, false)
	}
	b.resolve(ctx, r)
	err := b.dispatch(ctx, r)
	if b.obs != nil {
		b.obs.UpdateHandled(string(r.Kind), b.commandLabel(r), time.Since(began))
	}
	if err != nil {
		b.explain(ctx, r, err, log)
	} else {
		log.Debug("update handled", "command", r.Command, "action", r.Action)
	}
	b.rememberUser(ctx, r)
	b.ensureMenu(ctx, r)
	return b.deliver(ctx, r, r.out, false)
}

// explain tells the resident, in one short line, that their update could
// not be handled; details only go to the log. Replies the handler queued
// before it failed are dropped: they may describe a change that did not
// happen.
func (b *Bot) explain(ctx context.Context, r *Request, err error, log *slog.Logger) {
	key := "error_internal"
	if errors.Is(err, store.ErrUnavailable) {
		key = "error_unavailable"
		log.Warn("storage unavailable", "err", err)
	} else {
		log.Error("update failed", "err", err, "command", r.Command, "action", r.Action)
	}
	r.out = nil
	if r.ChatID == 0 || r.Kind == KindMember || r.Kind == KindChannelPost {
		return
	}
	if r.Kind == KindCallback {
		b.answer(ctx, r, b.tr.T(r.Lang, key))
		return
	}
	b.reply(ctx, r, b.tr.T(r.Lang, key), nil)
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
		if _, known := b.callbacks[r.Action]; known {
			return "button_" + r.Action
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

// telegramError marks an error that came from talking to Telegram (as
// opposed to storage or our own logic), when Telegram gave no API error.
type telegramError struct{ err error }

func (e *telegramError) Error() string { return e.err.Error() }
func (e *telegramError) Unwrap() error { return e.err }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
