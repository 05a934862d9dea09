package telegramtest

import (
	"context"
	"fmt"
	"path"
	"strings"
)

// sendDocument sends a file, as the Bot API server's
// process_send_document_query does: the "document" is an upload (a
// multipart file, also named with attach://<field>), a file_id of a
// document Telegram knows, or a URL. The caption follows sendPhoto's
// rules. An upload keeps its bytes, so a test reads back what the bot sent
// (Message.Data) and getFile downloads it. Refused like Telegram: no
// document ("there is no document in the request"), an empty file ("file
// must be non-empty", TDLib's), more than MaxUploadSize (413, see serve).
func (s *Server) sendDocument(_ context.Context, c *Call) (any, error) {
	p := c.Params
	field, ref := "document", p["document"]
	if rest, ok := strings.CutPrefix(ref, "attach://"); ok {
		field, ref = rest, ""
	}
	up, uploaded := c.Uploads[field]
	if ref == "" && !uploaded {
		return nil, badRequest("there is no document in the request")
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
	switch {
	case uploaded && up.Size == 0:
		return nil, badRequest("file must be non-empty")
	case uploaded:
		f = s.newDocumentLocked(up.Name, up.Data)
	case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
		f = s.newDocumentLocked(path.Base(ref), nil)
	default:
		if f, apiErr = s.mediaFileLocked(ref, kindDocument); apiErr != nil {
			return nil, apiErr
		}
	}
	m := s.storeSentLocked(target, c, content, p)
	m.Media, m.FileID, m.FileName, m.Data = "document", f.id, f.name, f.content
	return s.messageJSONLocked(m), nil
}

// newDocumentLocked registers a document the bot uploaded, under a file id
// of the shape Telegram gives bot uploads.
func (s *Server) newDocumentLocked(name string, data []byte) *fileEntry {
	uid := fmt.Sprintf("AgADdocup%d", len(s.files)+1)
	f := s.registerFileLocked("BQACAgIAAxkDAAE"+uid, uid, kindDocument, len(data), 0, 0, path.Ext(name))
	f.name = name
	if data != nil {
		f.content = append([]byte(nil), data...)
	}
	return f
}

// HasDocument matches document messages, named name unless it is "".
func HasDocument(name string) func(Message) bool {
	return func(m Message) bool { return m.Media == "document" && (name == "" || m.FileName == name) }
}

// DocumentsTo lists the documents the bot sent to chatID, oldest first.
func (s *Server) DocumentsTo(chatID int64) []Message {
	var out []Message
	for _, m := range s.SentTo(chatID) {
		if m.Media == "document" {
			out = append(out, m)
		}
	}
	return out
}
