package bot

import "context"

// handleInline answers an inline query: typing @bot in any chat.
func (b *Bot) handleInline(ctx context.Context, r *Request) error {
	return nil
}
