package telegramtest

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxCaptionLength is Telegram's caption limit in code points, after
// entity parsing (TDLib: "Message caption is too long").
const maxCaptionLength = 1024

const errCaptionTooLong = "message caption is too long"

// buildCaption parses caption, parse_mode, caption_entities and
// reply_markup the way sendMessage parses its text; a caption may be empty.
func buildCaption(p map[string]string) (Content, *APIError) {
	f, err := formatAny(p["caption"], p["parse_mode"], p["caption_entities"])
	if err != nil {
		return Content{}, err
	}
	kb, err := parseReplyMarkup(p["reply_markup"])
	if err != nil {
		return Content{}, err
	}
	return Content{
		Text:            p["caption"],
		Plain:           f.plain,
		ParseMode:       p["parse_mode"],
		Entities:        f.entities,
		ReplyMarkup:     kb,
		ReplyMarkupJSON: p["reply_markup"],
	}, nil
}

func captionTooLong(c Content) bool {
	return utf8.RuneCountInString(c.Plain) > maxCaptionLength
}

// sendPhoto sends a photo by file_id. An upload or a URL is accepted as a
// new photo (the fake keeps no bytes of it); a file_id must be one the fake
// handed out or a test registered.
func (s *Server) sendPhoto(_ context.Context, c *Call) (any, error) {
	p := c.Params
	photo, uploaded := p["photo"], c.Files["photo"] != ""
	if photo == "" && !uploaded {
		return nil, badRequest("there is no photo in the request")
	}
	content, apiErr := buildCaption(p)
	if apiErr != nil {
		return nil, apiErr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	target, err := s.captionedTargetLocked(p, content)
	if err != nil {
		return nil, err
	}
	var f *fileEntry
	if uploaded || strings.HasPrefix(photo, "http://") || strings.HasPrefix(photo, "https://") {
		f = s.newUploadLocked(kindPhoto)
	} else if f, apiErr = s.mediaFileLocked(photo, kindPhoto); apiErr != nil {
		return nil, apiErr
	}
	m := s.storeSentLocked(target, c, content, p)
	m.Media, m.FileID = "photo", f.id
	return s.messageJSONLocked(m), nil
}

// newUploadLocked registers a file the bot uploaded (or sent by URL), under
// a file id of the shape Telegram gives bot uploads.
func (s *Server) newUploadLocked(kind string) *fileEntry {
	uid := fmt.Sprintf("AQADupload%d", len(s.files)+1)
	f := s.registerFileLocked("AgACAgIAAxkDAAE"+uid, uid, kind, defaultPhotoSize, 1280, 960, "")
	f.sizes = []string{f.id}
	return f
}

// editMessageCaption replaces the caption of a media message; the rules for
// the caption are sendPhoto's, and "not modified" is editMessageText's.
func (s *Server) editMessageCaption(_ context.Context, c *Call) (any, error) {
	content, apiErr := buildCaption(c.Params)
	if apiErr != nil {
		return nil, apiErr
	}
	return s.edit(c, func(m *Message) (Content, *APIError) {
		if m.Media == "" {
			return Content{}, badRequest("there is no caption in the message to edit")
		}
		if captionTooLong(content) {
			return Content{}, badRequest(errCaptionTooLong)
		}
		return content, nil
	})
}

// HasPhoto matches photo messages, sent with fileID unless it is "".
func HasPhoto(fileID string) func(Message) bool {
	return func(m Message) bool { return m.Media == "photo" && (fileID == "" || m.FileID == fileID) }
}

// InAlbum matches messages that belong to an album (media_group_id set).
func InAlbum() func(Message) bool {
	return func(m Message) bool { return m.MediaGroupID != "" }
}

// InThread matches messages sent to a forum topic.
func InThread(threadID int) func(Message) bool {
	return func(m Message) bool { return m.ThreadID == threadID }
}

// captionedTargetLocked checks what every media message with a caption
// shares — the chat, its thread, the caption's length and the keyboard —
// and returns where it goes. The caller holds s.mu.
func (s *Server) captionedTargetLocked(p map[string]string, content Content) (sendTarget, error) {
	chatID, err := s.resolveChatLocked(p["chat_id"])
	if err != nil {
		return sendTarget{}, err
	}
	target, err := s.targetLocked(chatID, p)
	if err != nil {
		return sendTarget{}, err
	}
	if captionTooLong(content) {
		return sendTarget{}, badRequest(errCaptionTooLong)
	}
	if err := validateKeyboard(content.ReplyMarkup); err != nil {
		return sendTarget{}, err
	}
	return target, nil
}
