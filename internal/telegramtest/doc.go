// Package telegramtest is a fake Telegram Bot API server for tests.
//
// It exists so that tests can drive the real *tgbotapi.BotAPI client over
// HTTP: form encoding, JSON-in-a-field parameters, error envelopes, long
// polling and update confirmation all go through the same code paths as in
// production. The fake reproduces what Telegram's Bot API documentation and
// its server (tdlib/telegram-bot-api) do (exact error descriptions, getUpdates offset semantics,
// sticky allowed_updates, 409 conflicts, HTML entity parsing, limits), and
// lets a test queue updates, inject faults and wait for what the bot sent
// without sleeping.
//
// Behaviour that is on for every test, because Telegram always does it:
//
//   - getUpdates anti-hammering, as in the Bot API server: repeating the
//     previous call's offset within 3 s raises the timeout to 3 (3 poll
//     units), within 0.5 s cuts the limit to 1. HeldPolls and LimitedPolls
//     count the penalties so a test can show the poller avoids them.
//   - setMyCommands, deleteMyCommands and getMyCommands with a per-chat
//     scope fail with 400 "chat not found" until the chat has appeared in an
//     update (or KnowChat).
//
// Behaviour a test turns on:
//
//   - Faults: FailNext, FloodWait, FailNextRaw, SetDelay for a method;
//     FailNextTo for one chat; Block, Kick, Migrate, ... for a chat's
//     permanent errors.
//   - Lost replies: LoseNext and LoseNextTo process a call and then drop the
//     connection, so the client sees EOF although Telegram did the work
//     (Lost, LostTo, Call.Lost).
//   - Flood control: EnforceLimits(TelegramLimits()) answers 429 with
//     retry_after from per-chat and global token buckets (FloodHits,
//     FloodHitsTo, GlobalFloodHits).
//   - Service accounts: SendTextAsChat (anonymous admins, channels writing
//     in groups) and SendAutoForward (channel posts forwarded into the
//     discussion group) with the placeholder users Telegram puts in "from".
//
// WithClock replaces the wall clock of the anti-hammering windows and the
// flood buckets, so such tests step time instead of sleeping.
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
