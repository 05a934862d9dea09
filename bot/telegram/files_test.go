package telegram_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// secret looks like a real token, so a leak would be noticed by eye too.
const secret = "7351946820:AAHk3vQ9-secretTOKENvalue_zX"

func TestFileEndpointFor(t *testing.T) {
	for _, tc := range []struct{ api, want string }{
		{telegram.DefaultEndpoint, telegram.DefaultFileEndpoint},
		{"http://127.0.0.1:8081/bot%s/%s", "http://127.0.0.1:8081/file/bot%s/%s"},
		{"https://proxy.example.org/tg/bot%s/%s", "https://proxy.example.org/tg/file/bot%s/%s"},
		{"https://proxy.example.org/%s/%s", ""}, // no /bot: where files are is unknown
		{"https://proxy.example.org/bot%s/%s/x", ""},
		{"/bot%s/%s", ""},
		{"", ""},
	} {
		if got := telegram.FileEndpointFor(tc.api); got != tc.want {
			t.Errorf("FileEndpointFor(%q) = %q, want %q", tc.api, got, tc.want)
		}
	}
}

func newFileClient(t *testing.T, tg *telegramtest.Server, fileEndpoint string) *telegram.Client {
	t.Helper()
	c, err := telegram.NewClient(telegram.ClientConfig{Token: tg.Token(), Endpoint: tg.Endpoint(), FileEndpoint: fileEndpoint})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Download asks getFile for the path and fetches the bytes from the file
// endpoint derived from the API endpoint; each call downloads (caching is
// the caller's).
func TestDownload(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.WithToken(secret))
	c := newFileClient(t, tg, "") // derived: the fake's FileEndpoint
	tg.RegisterPhoto("AgACphoto", nil)
	want := telegramtest.FakeJPEG("AgACphoto", 2048)
	for i := 1; i <= 2; i++ {
		got, err := c.Download(t.Context(), "AgACphoto")
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("Download = %d bytes, %v; want the photo's %d", len(got), err, len(want))
		}
		if n := tg.Downloads("AgACphoto"); n != i {
			t.Errorf("Downloads = %d after %d calls", n, i)
		}
	}
}

// Every way a download fails gives an error without the token, keeping
// the cause where one can be tested for.
func TestDownloadErrorsHideToken(t *testing.T) {
	tg := telegramtest.New(t, telegramtest.WithToken(secret))
	tg.RegisterPhoto("AgACphoto", nil)
	tg.RegisterPhoto("AgACbig", make([]byte, telegram.MaxDownload+1))
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden: "+r.URL.Path, http.StatusForbidden) // echoes the token
	}))
	defer refusing.Close()
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		chunk := make([]byte, 1<<20)
		for range telegram.MaxDownload>>20 + 2 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	closed := closedAddr(t)

	for _, tc := range []struct {
		name, endpoint, fileID string
		want                   error
		wantText               string
	}{
		{"unknown file id", "", "AgACunknown", nil, "invalid file_id"},
		{"refused download", refusing.URL + "/file/bot%s/%s", "AgACphoto", nil, "HTTP 403"},
		{"unreachable server", "http://" + closed + "/file/bot%s/%s", "AgACphoto", &net.OpError{}, "connection refused"},
		{"too large per getFile", "", "AgACbig", telegram.ErrFileTooLarge, ""},
		{"too large per body", endless.URL + "/file/bot%s/%s", "AgACphoto", telegram.ErrFileTooLarge, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newFileClient(t, tg, tc.endpoint)
			data, err := c.Download(t.Context(), tc.fileID)
			if err == nil {
				t.Fatalf("Download = %d bytes, want an error", len(data))
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "secretTOKEN") {
				t.Errorf("token in error: %v", err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q lacks %q", err, tc.wantText)
			}
			var opErr *net.OpError
			switch tc.want.(type) {
			case nil:
			case *net.OpError:
				if !errors.As(err, &opErr) {
					t.Errorf("error %v lost its *net.OpError", err)
				}
			default:
				if !errors.Is(err, tc.want) {
					t.Errorf("error %v, want %v", err, tc.want)
				}
			}
		})
	}
	if n := tg.Downloads("AgACbig"); n != 0 {
		t.Errorf("a file over the limit per getFile was downloaded %d times", n)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := newFileClient(t, tg, "").Download(ctx, "AgACphoto"); err == nil {
		t.Error("Download with a cancelled context = nil error")
	}
}

// closedAddr is an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
