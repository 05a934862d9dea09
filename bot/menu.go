package bot

import (
	"context"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

// SetCommands publishes the resident command menu in every language, and in
// Ukrainian for clients whose language has none.
func (b *Bot) SetCommands(ctx context.Context) error {
	for _, l := range append([]store.Lang{""}, store.Langs...) {
		cmds := b.menuCommands(l, Resident)
		cfg := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), string(l), cmds...)
		if err := b.tg.Request(ctx, cfg); err != nil {
			return fmt.Errorf("set commands %q: %w", l, err)
		}
	}
	return nil
}

// DeleteWebhook removes a webhook so getUpdates works; pending updates are
// kept.
func (b *Bot) DeleteWebhook(ctx context.Context) error {
	if err := b.tg.Request(ctx, tgbotapi.DeleteWebhookConfig{DropPendingUpdates: false}); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}
