package telegramtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Call is one recorded request. Every request is recorded, including those
// that failed, because tests often need to assert on what the bot tried.
type Call struct {
	// Method is the method name as the client spelled it.
	Method string
	// Params holds every form field; objects such as reply_markup stay the
	// JSON strings they travel as.
	Params map[string]string
	// Files maps multipart file fields to their file names.
	Files map[string]string
	// Uploads holds the multipart files themselves, by field.
	Uploads map[string]Upload
	// Time is when the request arrived.
	Time time.Time
	// Status is the HTTP status of the reply, 0 while the request is still
	// being served or when the connection was aborted. For a lost reply
	// (LoseNext) it is the status Telegram decided on but never delivered.
	Status int
	// Response is the reply body as sent, or as it would have been sent when
	// Lost.
	Response string
	// Lost is true when the request was processed but the connection was
	// then dropped without a reply (LoseNext, LoseNextTo): the client saw a
	// transport error although Telegram did the work.
	Lost bool
}

// Param returns one parameter, "" when absent.
func (c Call) Param(key string) string { return c.Params[key] }

// JSON decodes a parameter that travels as a JSON string (reply_markup,
// commands, scope, allowed_updates).
func (c Call) JSON(key string, v any) error {
	raw, ok := c.Params[key]
	if !ok {
		return fmt.Errorf("telegramtest: parameter %q not sent", key)
	}
	return json.Unmarshal([]byte(raw), v)
}

func (c *Call) snapshot() Call {
	cp := *c
	cp.Params = maps.Clone(c.Params)
	cp.Files = maps.Clone(c.Files)
	cp.Uploads = maps.Clone(c.Uploads)
	return cp
}

// Upload is a file the bot uploaded in a multipart request.
type Upload struct {
	Name string
	// Size is the file's size in bytes; Data its bytes, nil when it was
	// over MaxUploadSize (Telegram never takes it in).
	Size int64
	Data []byte
}

// MaxUploadSize is Telegram's limit for a file a bot uploads (50 MB); a
// request carrying more is refused before any method sees it, with 413
// "Request Entity Too Large".
const MaxUploadSize = 50 << 20

var errTooLarge = &APIError{Code: http.StatusRequestEntityTooLarge, Description: "Request Entity Too Large"}

// tooLarge reports whether the uploads of one request exceed the limit.
func tooLarge(uploads map[string]Upload) bool {
	var total int64
	for _, u := range uploads {
		total += u.Size
	}
	return total > MaxUploadSize
}

func (s *Server) record(method string, params, files map[string]string, uploads map[string]Upload) *Call {
	c := &Call{Method: method, Params: params, Files: files, Uploads: uploads, Time: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	if strings.EqualFold(method, "getUpdates") {
		s.getUpdatesCalls++
	}
	s.notifyLocked()
	return c
}

func (s *Server) finish(c *Call, r reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Status = r.status
	c.Response = string(r.body)
	s.notifyLocked()
}

// parseParams accepts every encoding Telegram accepts: query string,
// urlencoded form, multipart form and a JSON object.
func parseParams(r *http.Request) (params, files map[string]string, uploads map[string]Upload, err error) {
	params = map[string]string{}
	files = map[string]string{}
	uploads = map[string]Upload{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return params, files, uploads, fmt.Errorf("can't parse multipart form: %v", err)
		}
		defer r.MultipartForm.RemoveAll()
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		for k, v := range r.MultipartForm.File {
			files[k] = v[0].Filename
			u, err := readUpload(v[0])
			if err != nil {
				return params, files, uploads, err
			}
			uploads[k] = u
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
			return params, files, uploads, errors.New("can't parse JSON object")
		}
		for k, v := range obj {
			var str string
			if json.Unmarshal(v, &str) == nil {
				params[k] = str
			} else {
				params[k] = string(v)
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return params, files, uploads, fmt.Errorf("can't parse form: %v", err)
		}
	}
	for k, v := range r.URL.Query() {
		if _, ok := params[k]; !ok {
			params[k] = v[0]
		}
	}
	if r.Form != nil {
		for k, v := range r.Form {
			if _, ok := params[k]; !ok {
				params[k] = v[0]
			}
		}
	}
	return params, files, uploads, nil
}

// readUpload keeps a multipart file's bytes, unless it is over the limit.
func readUpload(fh *multipart.FileHeader) (Upload, error) {
	u := Upload{Name: fh.Filename, Size: fh.Size}
	if fh.Size > MaxUploadSize {
		return u, nil
	}
	f, err := fh.Open()
	if err != nil {
		return u, fmt.Errorf("can't read file %q: %v", fh.Filename, err)
	}
	defer f.Close()
	if u.Data, err = io.ReadAll(f); err != nil {
		return u, fmt.Errorf("can't read file %q: %v", fh.Filename, err)
	}
	return u, nil
}

// intParam reads an integer parameter; Telegram treats garbage like absence.
func intParam(p map[string]string, key string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(p[key]), 10, 64)
	return n
}

// boolParam follows the Bot API server, which accepts "true" and "1".
func boolParam(p map[string]string, key string) bool {
	v := strings.ToLower(strings.TrimSpace(p[key]))
	return v == "true" || v == "1"
}

// APIError is an error envelope. Handlers installed with Handle return it
// to fail the way Telegram fails; it is also what FailNextWith injects.
type APIError struct {
	// Code is both error_code and the HTTP status.
	Code int
	// Description is the exact Telegram text, e.g. "Forbidden: bot was
	// blocked by the user".
	Description string
	// RetryAfter becomes parameters.retry_after when non-zero.
	RetryAfter int
	// MigrateToChatID becomes parameters.migrate_to_chat_id when non-zero.
	MigrateToChatID int64
}

// Error returns the description, like tgbotapi.Error does.
func (e *APIError) Error() string { return e.Description }

var (
	errUnauthorized = &APIError{Code: http.StatusUnauthorized, Description: "Unauthorized"}
	errNotFound     = &APIError{Code: http.StatusNotFound, Description: "Not Found"}
)

func badRequest(desc string) *APIError {
	return &APIError{Code: http.StatusBadRequest, Description: "Bad Request: " + desc}
}

func forbidden(desc string) *APIError {
	return &APIError{Code: http.StatusForbidden, Description: "Forbidden: " + desc}
}

func conflict(desc string) *APIError {
	return &APIError{Code: http.StatusConflict, Description: "Conflict: " + desc}
}

// reply is a fully rendered HTTP response, so faults can carry arbitrary
// bodies (an HTML 502 page) through the same path as real replies.
type reply struct {
	status      int
	contentType string
	body        []byte
	abort       bool // the client is gone or must see the connection die
	lost        bool // processed, then the connection is dropped
}

func (r reply) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", r.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(r.body)))
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}

// described lets a handler add the optional "description" Telegram puts
// next to some successful results (deleteWebhook, setWebhook).
type described struct {
	result      any
	description string
}

var errAbort = errors.New("telegramtest: request aborted")

func resultReply(result any, err error) reply {
	if errors.Is(err, errAbort) {
		return reply{abort: true}
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return errorReply(apiErr)
	}
	if err != nil {
		return errorReply(&APIError{Code: http.StatusInternalServerError, Description: "Internal Server Error: " + err.Error()})
	}
	env := map[string]any{"ok": true, "result": result}
	if d, ok := result.(described); ok {
		env["result"] = d.result
		env["description"] = d.description
	}
	body, merr := json.Marshal(env)
	if merr != nil {
		return errorReply(&APIError{Code: http.StatusInternalServerError, Description: "Internal Server Error: " + merr.Error()})
	}
	return reply{status: http.StatusOK, contentType: "application/json", body: body}
}

func errorReply(e *APIError) reply {
	env := map[string]any{"ok": false, "error_code": e.Code, "description": e.Description}
	params := map[string]any{}
	if e.RetryAfter != 0 {
		params["retry_after"] = e.RetryAfter
	}
	if e.MigrateToChatID != 0 {
		params["migrate_to_chat_id"] = e.MigrateToChatID
	}
	if len(params) > 0 {
		env["parameters"] = params
	}
	body, _ := json.Marshal(env)
	return reply{status: e.Code, contentType: "application/json", body: body}
}
