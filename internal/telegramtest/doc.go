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
// Media, channels, topics and inline mode, modelled on the Bot API server
// (Client.cpp) and TDLib, with their error texts:
//
//   - Photos: sendPhoto takes a file_id the fake handed out (SendPhoto,
//     SendAlbum, SendDocument, SendVideo; IncomingFileID gives it) or a test
//     registered (RegisterPhoto); unknown ids and files of another kind fail
//     like Telegram. Captions are parsed like texts and limited to 1024
//     characters; editMessageCaption edits them, editMessageText refuses
//     media. Sent lists photos too (Media, FileID; HasPhoto).
//   - Documents: sendDocument takes an upload (its bytes kept: Message.Data,
//     HasDocument, DocumentsTo; getFile downloads it), a document's file_id
//     or a URL; an empty file, a missing document and a caption over 1024
//     fail with Telegram's texts, and a request uploading more than 50 MB
//     (MaxUploadSize) gets 413 "Request Entity Too Large".
//   - Albums: sendMediaGroup takes 1–10 items (one is sent alone, without a
//     media_group_id, as TDLib does) and stores each item as a Message with
//     a shared MediaGroupID (InAlbum). It ignores reply_markup, as Telegram
//     does, and counts such calls (IgnoredAlbumMarkups). One call costs one
//     flood token.
//   - Files: getFile gives a file_path, which downloads from FileEndpoint
//     with deterministic JPEG-like bytes (FakeJPEG) or registered content;
//     Downloads counts downloads per file.
//   - Channels: SetChannelRights makes the bot's membership and
//     administrator rights count for sending, editing, deleting and
//     getChatMember; PublicChannel has an @username chat_id can name.
//   - Forum topics: ForumGroup, CreateTopic, DeleteTopic, SetTopicRights,
//     createForumTopic; message_thread_id is checked and recorded
//     (Message.ThreadID, InThread); SendTextInTopic queues a member's
//     message in a topic, SendIncoming a text, photo, document or voice
//     message in a topic or as a reply, within Telegram's limits.
//   - copyMessage copies a user's or the bot's message (text with its
//     entities, media with their file and caption, or a new caption) and
//     returns {"message_id": N}; a missing or deleted source is "message to
//     copy not found", a service message "message can't be copied", and the
//     target is checked like any send (Message.CopyOf, HasCopyOf).
//   - Inline mode: WithInlineMode, SendInlineQuery, answerInlineQuery with
//     Telegram's validation (InlineAnswers, WaitInlineAnswer,
//     ExpireInlineQueries). inline_query follows the allowed_updates rules.
//
// The library speaks Bot API 5.5: fields and methods it lacks
// (message_thread_id, is_topic_message, createForumTopic, can_manage_topics)
// are reached with bot.MakeRequest, as the tests of this package show.
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
