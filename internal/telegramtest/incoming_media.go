package telegramtest

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// Media from users. Every file an update carries is registered, so the bot
// can send it again by file_id and download it with getFile.

// maxAlbumItems is Telegram's limit on an album (MAX_GROUPED_MESSAGES).
const maxAlbumItems = 10

// photoLocked registers a user's photo in the two sizes Telegram's clients
// typically produce and returns the PhotoSize array of the update.
func (s *Server) photoLocked(uid string) []map[string]any {
	type size struct {
		suffix        string
		width, height int
		bytes         int
	}
	sizes := []size{{"s", 90, 67, 1234}, {"m", 800, 600, 54321}}
	var ids []string
	out := make([]map[string]any, 0, len(sizes))
	for _, sz := range sizes {
		id := "AgACAgIAAxkBAAE" + uid + sz.suffix
		f := s.registerFileLocked(id, uid+sz.suffix, kindPhoto, sz.bytes, sz.width, sz.height, "")
		ids = append(ids, f.id)
		out = append(out, photoSizeJSON(f))
	}
	for _, id := range ids {
		s.files[id].sizes = ids
	}
	return out
}

func photoSizeJSON(f *fileEntry) map[string]any {
	return map[string]any{
		"file_id": f.id, "file_unique_id": f.uniqueID,
		"width": f.width, "height": f.height, "file_size": f.size,
	}
}

// SendPhoto queues a photo message with an optional caption; the text is
// in "caption", not "text", a classic source of bugs. Both sizes are
// registered (IncomingFileID gives the largest).
func (s *Server) SendPhoto(chat Chat, from User, caption string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	m["photo"] = s.photoLocked(fmt.Sprintf("AQADphoto%d_%d", chat.ID, m["message_id"]))
	if caption != "" {
		setText(m, "caption", caption)
	}
	return s.enqueueLocked("message", m)
}

// SendAlbum queues n (2–10) photo messages sharing one media_group_id, as
// Telegram delivers a user's album: one update per photo, the caption (with
// its caption_entities, e.g. a bot_command for "/visit venlo | …") on the
// first only. It returns the update ids in order.
func (s *Server) SendAlbum(chat Chat, from User, captionOfFirst string, n int) []int {
	s.tb.Helper()
	if n < 2 || n > maxAlbumItems {
		s.fatalf("SendAlbum: an album has 2 to %d items, not %d", maxAlbumItems, n)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	group := s.newMediaGroupIDLocked()
	ids := make([]int, 0, n)
	for i := range n {
		m := s.userMessageLocked(chat, &from)
		m["media_group_id"] = group
		m["photo"] = s.photoLocked(fmt.Sprintf("AQADalbum%d_%d", chat.ID, m["message_id"]))
		if i == 0 && captionOfFirst != "" {
			setText(m, "caption", captionOfFirst)
		}
		ids = append(ids, s.enqueueLocked("message", m))
	}
	return ids
}

// SendDocument queues a file sent "as a file" (a document), e.g. a photo the
// user sent uncompressed, which a bot expecting "photo" must not take for
// one. The MIME type follows fileName's extension.
func (s *Server) SendDocument(chat Chat, from User, fileName, caption string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	uid := fmt.Sprintf("AgADdoc%d_%d", chat.ID, m["message_id"])
	f := s.registerFileLocked("BQACAgIAAxkBAAE"+uid, uid, kindDocument, 73219, 0, 0, path.Ext(fileName))
	f.name = fileName
	m["document"] = map[string]any{
		"file_id": f.id, "file_unique_id": f.uniqueID, "file_name": fileName,
		"mime_type": mimeType(fileName), "file_size": f.size,
	}
	if caption != "" {
		setText(m, "caption", caption)
	}
	return s.enqueueLocked("message", m)
}

// SendVideo queues a video message with an optional caption.
func (s *Server) SendVideo(chat Chat, from User, caption string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chat, &from)
	uid := fmt.Sprintf("AgADvideo%d_%d", chat.ID, m["message_id"])
	f := s.registerFileLocked("BAACAgIAAxkBAAE"+uid, uid, kindVideo, 1048576, 1280, 720, "")
	m["video"] = map[string]any{
		"file_id": f.id, "file_unique_id": f.uniqueID, "width": f.width, "height": f.height,
		"duration": 7, "mime_type": "video/mp4", "file_size": f.size,
	}
	if caption != "" {
		setText(m, "caption", caption)
	}
	return s.enqueueLocked("message", m)
}

func mimeType(fileName string) string {
	switch strings.ToLower(path.Ext(fileName)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".pdf":
		return "application/pdf"
	case ".json":
		return "application/json"
	case ".mp4":
		return "video/mp4"
	default:
		return "application/octet-stream"
	}
}

// IncomingFileID returns the file_id a queued update carries: the largest
// size of a photo (the one a bot should keep), or the document, video or
// voice message.
func (s *Server) IncomingFileID(updateID int) string {
	s.tb.Helper()
	s.mu.Lock()
	u := s.updates[updateID]
	s.mu.Unlock()
	type file struct {
		FileID string `json:"file_id"`
	}
	var shape map[string]struct {
		Photo    []file `json:"photo"`
		Document *file  `json:"document"`
		Video    *file  `json:"video"`
		Voice    *file  `json:"voice"`
	}
	if u != nil {
		_ = json.Unmarshal(u.raw, &shape)
	}
	if u != nil {
		v := shape[u.kind]
		switch {
		case len(v.Photo) > 0:
			return v.Photo[len(v.Photo)-1].FileID
		case v.Document != nil:
			return v.Document.FileID
		case v.Video != nil:
			return v.Video.FileID
		case v.Voice != nil:
			return v.Voice.FileID
		}
	}
	s.fatalf("IncomingFileID: update %d carries no photo, document, video or voice", updateID)
	return ""
}

// newMediaGroupIDLocked returns an id like Telegram's: a large decimal
// string, opaque to the bot.
func (s *Server) newMediaGroupIDLocked() string {
	s.nextMediaGroup++
	return fmt.Sprintf("%d", 13579246800000000+s.nextMediaGroup)
}
