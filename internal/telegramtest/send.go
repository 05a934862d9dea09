package telegramtest

import (
	"fmt"
	"path"
	"time"
)

// What every send* method shares: where the message goes, how it is stored
// and how Telegram returns it.

// sendTarget is where a send call puts its messages.
type sendTarget struct {
	chatID   int64
	threadID int
}

// targetLocked makes the checks the Bot API server and TDLib make about the
// chat before sending, in their order: the chat's permanent errors and the
// bot's membership (check_chat), the forum topic (check_message_topic),
// then the right to post (TDLib's can_send_message).
func (s *Server) targetLocked(chatID int64, p map[string]string) (sendTarget, error) {
	if err := s.chatErrorLocked(chatID); err != nil {
		return sendTarget{}, err
	}
	if err := s.channelMemberLocked(chatID); err != nil {
		return sendTarget{}, err
	}
	thread, err := s.threadLocked(chatID, p)
	if err != nil {
		return sendTarget{}, err
	}
	if err := s.channelPostLocked(chatID); err != nil {
		return sendTarget{}, err
	}
	return sendTarget{chatID: chatID, threadID: thread}, nil
}

// storeSentLocked records a message the bot sent and announces it.
func (s *Server) storeSentLocked(t sendTarget, c *Call, content Content, params map[string]string) *Message {
	m := &Message{
		ChatID:    t.chatID,
		MessageID: s.nextMessageIDLocked(t.chatID),
		Content:   content,
		Method:    c.Method,
		ThreadID:  t.threadID,
		Params:    params,
		Time:      time.Now(),
	}
	s.sent = append(s.sent, m)
	s.byKey[msgKey{t.chatID, m.MessageID}] = m
	s.notifyLocked()
	return m
}

// messageJSONLocked renders a sent message the way Telegram returns it. In
// a channel the sender is the channel itself (sender_chat) and there is no
// "from", which bots that read message.From.ID trip over.
func (s *Server) messageJSONLocked(m *Message) map[string]any {
	chat := s.chatLocked(m.ChatID)
	j := map[string]any{
		"message_id": m.MessageID,
		"chat":       chat,
		"date":       m.Time.Unix(),
	}
	if chat.Type == "channel" {
		j["sender_chat"] = chat
	} else {
		j["from"] = s.bot
	}
	if m.Media == "" {
		j["text"] = m.Plain
		if len(m.Entities) > 0 {
			j["entities"] = m.Entities
		}
	} else {
		j[m.Media] = s.mediaJSONLocked(m.Media, m.FileID)
		if m.Plain != "" {
			j["caption"] = m.Plain
			if len(m.Entities) > 0 {
				j["caption_entities"] = m.Entities
			}
		}
	}
	if m.MediaGroupID != "" {
		j["media_group_id"] = m.MediaGroupID
	}
	if m.ThreadID != 0 {
		j["message_thread_id"] = m.ThreadID
		j["is_topic_message"] = true
	}
	if m.ReplyMarkup != nil {
		j["reply_markup"] = inlineMarkup(m.ReplyMarkupJSON)
	}
	if m.Edited {
		j["edit_date"] = time.Now().Unix()
	}
	return j
}

// mediaJSONLocked renders the photo (all its sizes), video or document a
// message carries.
func (s *Server) mediaJSONLocked(media, fileID string) any {
	f := s.files[fileID]
	if f == nil {
		f = &fileEntry{id: fileID, uniqueID: "AQAD" + shortHash(fileID)}
	}
	switch media {
	case "photo":
		ids := f.sizes
		if len(ids) == 0 {
			ids = []string{f.id}
		}
		out := make([]map[string]any, 0, len(ids))
		for _, id := range ids {
			if sz := s.files[id]; sz != nil {
				out = append(out, photoSizeJSON(sz))
			}
		}
		if len(out) == 0 {
			out = append(out, photoSizeJSON(f))
		}
		return out
	case "voice":
		return map[string]any{"file_id": f.id, "file_unique_id": f.uniqueID, "duration": 3, "mime_type": "audio/ogg", "file_size": f.size}
	case "video":
		return map[string]any{
			"file_id": f.id, "file_unique_id": f.uniqueID, "width": f.width, "height": f.height,
			"duration": 7, "mime_type": "video/mp4", "file_size": f.size,
		}
	default:
		name := f.name
		if name == "" {
			name = path.Base(f.path)
		}
		return map[string]any{
			"file_id": f.id, "file_unique_id": f.uniqueID, "file_name": name,
			"mime_type": mimeType(name), "file_size": f.size,
		}
	}
}

// mediaFileLocked resolves the file_id of a media item of kind (Photo,
// Video, Document), failing like TDLib for a file of another kind and like
// Telegram's servers for an id they do not know.
func (s *Server) mediaFileLocked(fileID, kind string) (*fileEntry, *APIError) {
	f := s.files[fileID]
	if f == nil {
		return nil, badRequest(errWrongFileID)
	}
	if f.kind != kind {
		return nil, badRequest(fmt.Sprintf("can't use file of type %s as %s", f.kind, kind))
	}
	return f, nil
}

// errWrongFileID is TDLib's text when Telegram's servers refuse a file_id
// (MEDIA_EMPTY and friends), with the first letter lowered by the Bot API.
const errWrongFileID = "wrong file identifier/HTTP URL specified"
