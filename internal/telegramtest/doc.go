// Package telegramtest is a fake Telegram Bot API server for tests.
//
// It exists so that tests can drive the real *tgbotapi.BotAPI client over
// HTTP: form encoding, JSON-in-a-field parameters, error envelopes, long
// polling and update confirmation all go through the same code paths as in
// production. The fake reproduces the Telegram behaviour documented in
// docs/telegram.md (exact error descriptions, getUpdates offset semantics,
// sticky allowed_updates, 409 conflicts, HTML entity parsing, limits), and
// lets a test queue updates, inject faults and wait for what the bot sent
// without sleeping.
//
// A typical test:
//
//	srv := telegramtest.New(t)
//	bot := srv.NewBotAPI(t)
//	chat, user := telegramtest.PrivateChat(42, "de")
//	srv.SendText(chat, user, "/start")
//	// ... run the bot's poller with bot ...
//	msg := srv.WaitSent(t, 5*time.Second, telegramtest.To(42))
package telegramtest
