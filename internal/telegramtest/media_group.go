package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sendMediaGroup follows the Bot API server (process_send_media_group_query,
// get_input_media) and TDLib (send_message_group): items are parsed first,
// then counted (0: "there are no messages to send", more than 10: "too many
// messages to send as an album"; a single item is sent alone, without a
// media_group_id), then the chat is checked, then each item's file and
// caption, then the album's mix of kinds. reply_markup is not a parameter:
// the server never reads it, so it is ignored and counted
// (IgnoredAlbumMarkups) for tests that prove the bot puts its buttons in a
// following message.
func (s *Server) sendMediaGroup(_ context.Context, c *Call) (any, error) {
	p := c.Params
	items, raws, apiErr := parseAlbum(p, c.Files)
	if apiErr != nil {
		return nil, apiErr
	}
	switch {
	case len(items) == 0:
		return nil, badRequest("there are no messages to send")
	case len(items) > maxAlbumItems:
		return nil, badRequest("too many messages to send as an album")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := p["reply_markup"]; ok {
		s.ignoredAlbumMarkups++
		s.notifyLocked()
	}
	chatID, err := s.resolveChatLocked(p["chat_id"])
	if err != nil {
		return nil, err
	}
	target, err := s.targetLocked(chatID, p)
	if err != nil {
		return nil, err
	}
	files := make([]*fileEntry, len(items))
	kinds := map[string]bool{}
	for i, it := range items {
		kinds[it.kind] = true
		if s.files[it.media] != nil && !it.upload {
			if files[i], apiErr = s.mediaFileLocked(it.media, it.kind); apiErr != nil {
				return nil, apiErr
			}
		}
		if captionTooLong(it.content) {
			return nil, badRequest(errCaptionTooLong)
		}
	}
	for _, k := range []string{kindDocument, kindAudio} {
		if kinds[k] && len(kinds) > 1 {
			return nil, badRequest(strings.ToLower(k) + " can't be mixed with other media types")
		}
	}
	for i, f := range files {
		if f == nil && !items[i].upload {
			// Telegram's servers refuse the file; the Bot API server names
			// the first failed item (on_message_send_failed).
			return nil, badRequest(fmt.Sprintf("failed to send message #%d with the error message %q", i+1, "Wrong file identifier/HTTP URL specified"))
		}
	}
	group := ""
	if len(items) > 1 {
		group = s.newMediaGroupIDLocked()
	}
	out := make([]map[string]any, 0, len(items))
	for i, it := range items {
		if it.upload {
			files[i] = s.newUploadLocked(it.kind)
		}
		params := maps.Clone(p)
		params["media"] = string(raws[i])
		m := s.storeSentLocked(target, c, it.content, params)
		m.Media, m.FileID, m.MediaGroupID = strings.ToLower(it.kind), files[i].id, group
		out = append(out, s.messageJSONLocked(m))
	}
	return out, nil
}

// IgnoredAlbumMarkups counts sendMediaGroup calls that carried a
// reply_markup, which Telegram ignores: buttons under an album must go in a
// message of their own.
func (s *Server) IgnoredAlbumMarkups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ignoredAlbumMarkups
}

type albumItem struct {
	kind    string // kindPhoto, kindVideo, kindDocument or kindAudio
	media   string
	upload  bool // attach:// or a URL: a new file, not a file_id
	content Content
}

// parseAlbum reads "media" like the Bot API server's
// get_input_message_contents, with its error texts.
func parseAlbum(p, files map[string]string) ([]albumItem, []json.RawMessage, *APIError) {
	raw, ok := p["media"]
	if !ok || raw == "" {
		return nil, nil, badRequest(`parameter "media" is required`)
	}
	var value any
	if json.Unmarshal([]byte(raw), &value) != nil {
		return nil, nil, badRequest("can't parse media JSON object")
	}
	var raws []json.RawMessage
	if _, isArray := value.([]any); !isArray || json.Unmarshal([]byte(raw), &raws) != nil {
		return nil, nil, badRequest("expected an Array of InputMedia")
	}
	items := make([]albumItem, 0, len(raws))
	for _, r := range raws {
		it, why := parseAlbumItem(r, files)
		if why != "" {
			return nil, nil, badRequest("can't parse InputMedia: " + why)
		}
		items = append(items, it)
	}
	return items, raws, nil
}

var albumKinds = map[string]string{"photo": kindPhoto, "video": kindVideo, "document": kindDocument, "audio": kindAudio}

func parseAlbumItem(raw json.RawMessage, files map[string]string) (albumItem, string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return albumItem{}, "expected an Object"
	}
	str := func(key string) string {
		var v string
		_ = json.Unmarshal(obj[key], &v)
		return v
	}
	entities := ""
	if e, ok := obj["caption_entities"]; ok {
		entities = string(e)
	}
	f, apiErr := formatAny(str("caption"), str("parse_mode"), entities)
	if apiErr != nil {
		return albumItem{}, innerError(apiErr)
	}
	typ := str("type")
	if _, ok := obj["type"]; !ok {
		return albumItem{}, `Can't find field "type"`
	}
	media := str("media")
	upload := false
	if name, ok := strings.CutPrefix(media, "attach://"); ok {
		if files[name] == "" {
			return albumItem{}, "media not found"
		}
		upload = true
	}
	if media == "" {
		return albumItem{}, "media not found"
	}
	upload = upload || strings.HasPrefix(media, "http://") || strings.HasPrefix(media, "https://")
	kind, ok := albumKinds[typ]
	switch {
	case typ == "animation":
		return albumItem{}, fmt.Sprintf("type %q can't be used in sendMediaGroup", typ)
	case !ok:
		return albumItem{}, fmt.Sprintf("type %q is unsupported", typ)
	}
	content := Content{Text: str("caption"), Plain: f.plain, ParseMode: str("parse_mode"), Entities: f.entities}
	return albumItem{kind: kind, media: media, upload: upload, content: content}, ""
}

// upperFirst restores TDLib's capital letter in an inner error message,
// which the Bot API server lowers only at the start of the whole text.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
