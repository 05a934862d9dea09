package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/store/dump"
)

// exportData writes everything residents and officials have stored, as
// JSON, from the configured backend. Run it with the bot stopped: the
// embedded file refuses a second process anyway.
func exportData(ctx context.Context, cfg Config, w io.Writer) error {
	st, _, err := openBackend(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := dump.Export(ctx, st)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := dump.WriteJSON(w, d); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	return nil
}

// importData reads a dump and loads it into the configured backend, which
// must be empty. The whole dump is checked before anything is written, so
// a malformed or cut-off file changes nothing.
func importData(ctx context.Context, cfg Config, r io.Reader) (dump.Dump, error) {
	d, err := dump.ReadJSON(r)
	if err != nil {
		return d, fmt.Errorf("import: %w", err)
	}
	st, _, err := openBackend(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return d, err
	}
	defer st.Close()
	if err := dump.Import(ctx, st, d); err != nil {
		return d, fmt.Errorf("import: %w", err)
	}
	return d, nil
}

// transfer runs "export" or "import"; both need only the storage settings
// and a token-shaped TELEGRAM_BOT_TOKEN is not required.
func transfer(cmd string, lookup func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) int {
	withToken := func(name string) (string, bool) {
		if name == "TELEGRAM_BOT_TOKEN" {
			if v, ok := lookup(name); ok && v != "" {
				return v, ok
			}
			return "0:not-needed-for-" + cmd, true
		}
		return lookup(name)
	}
	cfg, err := LoadConfig(withToken)
	if err != nil {
		fmt.Fprintf(stderr, "partnerbot: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cmd == "export" {
		err = exportData(ctx, cfg, stdout)
	} else {
		var d dump.Dump
		if d, err = importData(ctx, cfg, stdin); err == nil {
			fmt.Fprintf(stderr, "partnerbot: imported %d subscribers, %d posts, %d officials, %d users\n",
				len(d.Subscribers), len(d.Posts), len(d.Officials), len(d.Users))
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "partnerbot: %v\n", telegram.Redact(err, cfg.Token))
		return 1
	}
	return 0
}
