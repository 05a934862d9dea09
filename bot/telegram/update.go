package telegram

import (
	"encoding/json"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Update is an update as partnerbot reads it: the library's, plus what is
// newer than the library (Bot API 5.5) and what the poller adds.
type Update struct {
	tgbotapi.Update
	// ThreadID is the forum topic a message (or the message a button sits
	// on) belongs to, 0 outside topics; IsTopic tells that the message was
	// written inside a topic.
	ThreadID int
	IsTopic  bool
	// Album holds the other messages of an album the poller assembled:
	// Telegram delivers each photo of an album as an update of its own.
	Album []*tgbotapi.Message
	// AlbumIDs are those messages' update ids; they are handled (and
	// confirmed) with this one.
	AlbumIDs []int
}

// threadFields are the fields of a message the library does not know.
type threadFields struct {
	ThreadID int  `json:"message_thread_id"`
	IsTopic  bool `json:"is_topic_message"`
}

// rawThreads reads the topic fields of each update's message.
type rawThreads struct {
	Message       *threadFields `json:"message"`
	EditedMessage *threadFields `json:"edited_message"`
	CallbackQuery *struct {
		Message *threadFields `json:"message"`
	} `json:"callback_query"`
}

// decodeUpdates decodes a getUpdates result into the library's updates and
// the topic fields it lacks.
func decodeUpdates(raw json.RawMessage) ([]Update, error) {
	var lib []tgbotapi.Update
	if err := json.Unmarshal(raw, &lib); err != nil {
		return nil, fmt.Errorf("decode updates: %w", err)
	}
	var extra []rawThreads
	if err := json.Unmarshal(raw, &extra); err != nil || len(extra) != len(lib) {
		extra = make([]rawThreads, len(lib))
	}
	out := make([]Update, len(lib))
	for i, u := range lib {
		out[i] = Update{Update: u}
		var t *threadFields
		switch e := extra[i]; {
		case e.Message != nil:
			t = e.Message
		case e.EditedMessage != nil:
			t = e.EditedMessage
		case e.CallbackQuery != nil && e.CallbackQuery.Message != nil:
			t = e.CallbackQuery.Message
		}
		if t != nil {
			out[i].ThreadID, out[i].IsTopic = t.ThreadID, t.IsTopic
		}
	}
	return out, nil
}

// mediaGroup names the album an update's message belongs to, "" for none.
func mediaGroup(u Update) string {
	if u.Message != nil {
		return u.Message.MediaGroupID
	}
	return ""
}
