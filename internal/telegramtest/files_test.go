package telegramtest_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

func download(t *testing.T, srv *telegramtest.Server, token, path string) (int, string, []byte) {
	t.Helper()
	resp, err := srv.HTTPClient().Get(fmt.Sprintf(srv.FileEndpoint(), token, path))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

// getFile gives a path, the path downloads the bytes, and every download
// is counted, so a test can prove the bot fetched a photo once.
func TestGetFileAndDownload(t *testing.T) {
	srv := telegramtest.New(t)
	bot := srv.NewBotAPI(t)
	chat, user := telegramtest.PrivateChat(8, "")
	fileID := srv.IncomingFileID(srv.SendPhoto(chat, user, ""))

	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: fileID})
	if err != nil {
		t.Fatal(err)
	}
	// The small size was registered first, so the large one is file_1.
	if f.FileID != fileID || f.FileUniqueID == "" || f.FileSize != 54321 || f.FilePath != "photos/file_1.jpg" {
		t.Errorf("file = %+v", f)
	}
	if srv.Downloads(fileID) != 0 {
		t.Error("getFile counted as a download")
	}
	status, ct, body := download(t, srv, srv.Token(), f.FilePath)
	if status != 200 || ct != "image/jpeg" || !bytes.Equal(body, telegramtest.FakeJPEG(fileID, 54321)) {
		t.Errorf("download = %d %s, %d bytes", status, ct, len(body))
	}
	if len(body) != f.FileSize || body[0] != 0xFF || body[1] != 0xD8 || body[len(body)-1] != 0xD9 {
		t.Errorf("not JPEG-like: % x ... % x", body[:4], body[len(body)-2:])
	}
	if n := srv.Downloads(fileID); n != 1 {
		t.Errorf("Downloads = %d, want 1", n)
	}

	// Registered content is served as is, with a size to match.
	srv.RegisterPhoto("AgACcustom", []byte("exact bytes"))
	custom, err := bot.GetFile(tgbotapi.FileConfig{FileID: "AgACcustom"})
	if err != nil || custom.FileSize != len("exact bytes") {
		t.Fatalf("custom = %+v, %v", custom, err)
	}
	if _, _, body := download(t, srv, srv.Token(), custom.FilePath); string(body) != "exact bytes" {
		t.Errorf("custom body = %q", body)
	}

	_, err = bot.GetFile(tgbotapi.FileConfig{FileID: "AgACunknown"})
	if e := apiError(t, err); e.Code != 400 || e.Message != "Bad Request: invalid file_id" {
		t.Errorf("unknown file: %+v", e)
	}
	if status, _, body := download(t, srv, srv.Token(), "photos/file_99.jpg"); status != 404 || string(body) != `{"description":"Not Found","error_code":404,"ok":false}` {
		t.Errorf("unknown path = %d %s", status, body)
	}
	if status, _, _ := download(t, srv, "1:wrong", f.FilePath); status != 401 {
		t.Errorf("wrong token = %d", status)
	}
	if n := srv.Downloads(fileID); n != 1 {
		t.Errorf("failed downloads counted: %d", n)
	}
	if len(srv.Calls("")) != 4 {
		t.Errorf("downloads must not be recorded as calls: %d calls", len(srv.Calls("")))
	}
	if _, err := http.Get(fmt.Sprintf(srv.FileEndpoint(), srv.Token(), f.FilePath)); err != nil {
		t.Errorf("FileEndpoint with the default client: %v", err)
	}
}
