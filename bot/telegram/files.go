package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// DefaultFileEndpoint is where Telegram serves files: a format string
// taking the token, then the file_path getFile gave. The library's
// File.Link always uses it, whatever endpoint the client was given, so
// the client builds download URLs itself.
const DefaultFileEndpoint = "https://api.telegram.org/file/bot%s/%s"

// MaxDownload is the largest file Download fetches: the cloud Bot API
// serves nothing bigger, and a bound keeps a broken or hostile endpoint
// from filling memory.
const MaxDownload = 20 << 20

// ErrFileTooLarge means a file is over MaxDownload.
var ErrFileTooLarge = fmt.Errorf("file larger than %d bytes, the Bot API's download limit", MaxDownload)

// apiSuffix and fileSuffix end a Bot API endpoint and its file endpoint:
// Telegram, and a self-hosted Bot API server, serve files under /file
// next to the methods.
const (
	apiSuffix  = "/bot%s/%s"
	fileSuffix = "/file/bot%s/%s"
)

// FileEndpointFor derives the file endpoint from a Bot API endpoint (a
// format string like DefaultEndpoint) that ends in "/bot%s/%s", so
// pointing TELEGRAM_API_ENDPOINT elsewhere moves downloads with it. It
// is "" for an endpoint shaped otherwise: downloads then fail rather
// than send the token somewhere it was not configured to go.
func FileEndpointFor(apiEndpoint string) string {
	base, ok := strings.CutSuffix(apiEndpoint, apiSuffix)
	if !ok || base == "" {
		return ""
	}
	return base + fileSuffix
}

// Download fetches the file with fileID: getFile for its path, then the
// bytes from the file endpoint, at most MaxDownload of them. The URL holds
// the token, so it is never part of an error: every error is redacted
// like the client's others. Cancelling ctx abandons the download.
func (c *Client) Download(ctx context.Context, fileID string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.fileEndpoint == "" {
		return nil, errors.New("telegram: download: no file endpoint (the Bot API endpoint does not end in /bot%s/%s)")
	}
	f, err := c.withContext(ctx, c.sendHTTP).GetFile(tgbotapi.FileConfig{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("telegram: getFile %q: %w", fileID, c.redact(err))
	}
	switch {
	case f.FileSize > MaxDownload:
		return nil, fmt.Errorf("telegram: download %q: %w", fileID, ErrFileTooLarge)
	case f.FilePath == "":
		return nil, fmt.Errorf("telegram: download %q: getFile gave no file_path", fileID)
	}
	data, err := c.fetch(ctx, fmt.Sprintf(c.fileEndpoint, c.token, f.FilePath))
	if err != nil {
		return nil, fmt.Errorf("telegram: download %q (%s): %w", fileID, f.FilePath, c.redact(err))
	}
	return data, nil
}

// fetch GETs url, refusing anything but 200 and a body over MaxDownload.
// Its errors may hold the URL: the caller redacts them.
func (c *Client) fetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.sendHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The body is Telegram's JSON description; the status says
		// enough, and nothing of a proxy's page ends up in a log.
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > MaxDownload {
		return nil, ErrFileTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxDownload+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxDownload {
		return nil, ErrFileTooLarge
	}
	return data, nil
}
