package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

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
