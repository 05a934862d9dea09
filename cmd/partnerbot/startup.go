package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/redis/go-redis/v9"
)

// permanent marks a start-up error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// retry calls connect until it succeeds, fails for good or ctx ends,
// backing off between tries and saying so in the log.
func retry[T any](ctx context.Context, log *slog.Logger, cfg Config, what string, connect func() (T, error)) (T, error) {
	minD, maxD := cfg.BackoffMin, cfg.BackoffMax
	if minD <= 0 {
		minD = time.Second
	}
	if maxD <= 0 {
		maxD = 30 * time.Second
	}
	d := minD
	for {
		v, err := connect()
		if err == nil {
			return v, nil
		}
		var perm permanent
		if errors.As(err, &perm) {
			var zero T
			return zero, fmt.Errorf("%s: %w", what, telegram.Redact(perm.err, cfg.Token))
		}
		log.Warn("waiting for "+what, "err", telegram.Redact(err, cfg.Token).Error(), "retry_in", d.String())
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			var zero T
			return zero, errors.Join(fmt.Errorf("%s: not reachable before shutdown", what), telegram.Redact(err, cfg.Token))
		case <-t.C:
		}
		d = min(2*d, maxD)
	}
}

// setLibraryLoggers routes the Telegram and Redis libraries' own logging
// through log. Both libraries keep their logger in a package variable, so
// this is done once per process, in main, never by Main.Run (which tests
// run many times at once).
func setLibraryLoggers(log *slog.Logger, token string) {
	// The Telegram library's own logger would print URLs holding the token.
	_ = tgbotapi.SetLogger(redactingLogger{log: log, token: token})
	// go-redis reports every failed dial on stderr; the store's own errors
	// already say what matters, so its chatter goes to debug.
	redis.SetLogger(redisLogger{log: log})
}

// redactingLogger adapts the bot library's logger to slog, without the token.
type redactingLogger struct {
	log   *slog.Logger
	token string
}

func (l redactingLogger) Println(v ...any) {
	l.log.Debug(telegram.RedactString(fmt.Sprintln(v...), l.token), "source", "tgbotapi")
}

func (l redactingLogger) Printf(format string, v ...any) {
	l.log.Debug(telegram.RedactString(fmt.Sprintf(format, v...), l.token), "source", "tgbotapi")
}

// redisLogger sends go-redis's internal messages to slog at debug level.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(format, v...), "source", "go-redis")
}

// resolveChannel finds the city's channel (CHANNEL_ID) by its id; a
// channel Telegram does not know stops the start, since posts would wait
// for it for ever.
func resolveChannel(ctx context.Context, cfg Config, client *telegram.Client) (bot.ChannelInfo, error) {
	if cfg.Channel == "" {
		return bot.ChannelInfo{}, nil
	}
	id, err := client.ResolveChat(ctx, cfg.Channel)
	if err != nil {
		return bot.ChannelInfo{}, fmt.Errorf("CHANNEL_ID %s: %w", cfg.Channel, err)
	}
	return bot.ChannelInfo{Name: cfg.Channel, ID: id, Rights: client}, nil
}
