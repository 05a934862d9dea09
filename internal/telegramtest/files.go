package telegramtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Files. Telegram hands out a file_id for every photo, document and video a
// user sends; the bot may send it again (sendPhoto, sendMediaGroup), ask for
// its file_path (getFile) and download it from
// /file/bot<token>/<file_path>. The fake registers every file it puts in an
// update, and any a test registers with RegisterPhoto.

// File kinds, named as TDLib names them in "can't use file of type X as Y".
const (
	kindPhoto    = "Photo"
	kindDocument = "Document"
	kindVideo    = "Video"
	kindAudio    = "Audio"
	kindVoice    = "Voice"
)

// defaultPhotoSize is the size of a photo registered without content.
const defaultPhotoSize = 2048

type fileEntry struct {
	id, uniqueID string
	kind         string
	name         string // a document's file_name
	path         string
	size         int
	width        int
	height       int
	content      []byte   // nil: generated from the id on download
	sizes        []string // for a photo: the file ids of all its sizes, smallest first
}

type fileState struct {
	files     map[string]*fileEntry
	paths     map[string]*fileEntry
	nextPath  map[string]int
	downloads map[string]int
}

func (f *fileState) init() {
	f.files = map[string]*fileEntry{}
	f.paths = map[string]*fileEntry{}
	f.nextPath = map[string]int{}
	f.downloads = map[string]int{}
}

// pathDirs mirrors the directories the Bot API server stores files in.
var pathDirs = map[string]struct{ dir, ext string }{
	kindPhoto:    {"photos", ".jpg"},
	kindDocument: {"documents", ""},
	kindVideo:    {"videos", ".mp4"},
	kindAudio:    {"music", ".mp3"},
	kindVoice:    {"voice", ".oga"},
}

// registerFileLocked adds a file (or returns the one already registered
// under id) with a file_path like Telegram's "photos/file_0.jpg".
func (s *Server) registerFileLocked(id, uniqueID, kind string, size, width, height int, ext string) *fileEntry {
	if f := s.files[id]; f != nil {
		return f
	}
	d := pathDirs[kind]
	if ext == "" {
		ext = d.ext
	}
	n := s.nextPath[d.dir]
	s.nextPath[d.dir]++
	f := &fileEntry{
		id: id, uniqueID: uniqueID, kind: kind, size: size, width: width, height: height,
		path: fmt.Sprintf("%s/file_%d%s", d.dir, n, ext),
	}
	s.files[id] = f
	s.paths[f.path] = f
	return f
}

// RegisterPhoto makes fileID a photo Telegram knows, as if the bot had
// received it long ago: sendPhoto, sendMediaGroup and getFile accept it.
// content is what a download returns; nil keeps (or gives) deterministic
// JPEG-like bytes. Calling it for a file the fake already knows (one from
// SendPhoto or SendAlbum) only replaces its content.
func (s *Server) RegisterPhoto(fileID string, content []byte) {
	s.tb.Helper()
	if fileID == "" {
		s.fatalf("RegisterPhoto: empty file id")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	size := defaultPhotoSize
	if content != nil {
		size = len(content)
	}
	f := s.registerFileLocked(fileID, "AQAD"+shortHash(fileID), kindPhoto, size, 1280, 960, "")
	if f.sizes == nil {
		f.sizes = []string{fileID}
	}
	if content != nil {
		f.content = append([]byte(nil), content...)
		f.size = len(content)
	}
	s.notifyLocked()
}

// Downloads counts successful downloads of the file, so a test can show the
// bot fetched a photo once and not on every use.
func (s *Server) Downloads(fileID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads[fileID]
}

// FileEndpoint is the format string for file downloads (token, then
// file_path), like tgbotapi.FileEndpoint. The library's File.Link always
// uses api.telegram.org, so a bot must build download URLs from its own
// configured endpoint for tests to reach the fake.
func (s *Server) FileEndpoint() string { return s.srv.URL + "/file/bot%s/%s" }

// getFile answers like the Bot API server: an id it cannot resolve fails
// with its default description (Client.cpp TdOnCheckRemoteFileIdCallback).
func (s *Server) getFile(_ context.Context, c *Call) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[c.Params["file_id"]]
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	return map[string]any{
		"file_id":        f.id,
		"file_unique_id": f.uniqueID,
		"file_size":      f.size,
		"file_path":      f.path,
	}, nil
}

// serveFile serves /file/bot<token>/<file_path>. Downloads are not API
// calls: they are not recorded as Calls and faults do not apply to them.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/file/bot")
	token, path, _ := strings.Cut(rest, "/")
	if token != s.token {
		errorReply(errUnauthorized).write(w)
		return
	}
	s.mu.Lock()
	f := s.paths[path]
	var body []byte
	if f != nil {
		body = f.content
		if body == nil {
			body = fakeJPEG(f.id, f.size)
		}
		s.downloads[f.id]++
		s.notifyLocked()
	}
	s.mu.Unlock()
	if f == nil {
		errorReply(errNotFound).write(w)
		return
	}
	ct := "application/octet-stream"
	if strings.HasSuffix(path, ".jpg") {
		ct = "image/jpeg"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// FakeJPEG returns the bytes a download of fileID gives when no content was
// registered: size bytes (at least 16) that start with a JPEG SOI/APP0
// header and end with EOI, derived only from the id, so a test can compare
// what the bot stored with what it downloaded.
func FakeJPEG(fileID string, size int) []byte { return fakeJPEG(fileID, size) }

func fakeJPEG(id string, size int) []byte {
	head := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00}
	size = max(size, len(head)+5)
	out := make([]byte, 0, size)
	out = append(out, head...)
	seed := sha256.Sum256([]byte(id))
	for len(out) < size-2 {
		seed = sha256.Sum256(seed[:])
		out = append(out, seed[:min(len(seed), size-2-len(out))]...)
	}
	return append(out, 0xFF, 0xD9)
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", h[:6])
}
