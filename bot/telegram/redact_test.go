package telegram

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestRedactKeepsCauseHidesToken(t *testing.T) {
	const token = "123:SECRET"
	op := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	err := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/bot" + token + "/getMe", Err: op}
	got := Redact(err, token)
	if strings.Contains(got.Error(), token) {
		t.Fatalf("token in %q", got)
	}
	var gotOp *net.OpError
	if !errors.As(got, &gotOp) {
		t.Errorf("lost the cause: %v", got)
	}
	apiErr := &tgbotapi.Error{Code: 403, Message: "Forbidden: bot was blocked by the user"}
	if got := Redact(apiErr, token); got != error(apiErr) {
		t.Errorf("error without token changed: %v", got)
	}
	if Redact(nil, token) != nil {
		t.Error("nil became an error")
	}
}
