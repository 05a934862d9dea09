package telegram

import (
	"errors"
	"net/url"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Redact returns err with every occurrence of token replaced, keeping what
// callers test with errors.Is and errors.As. The library puts the token in
// transport errors (the URL path holds it), so every error from it passes here.
func Redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) && !strings.Contains(ue.Err.Error(), token) {
		return &redactedError{msg: RedactString(err.Error(), token), inner: ue.Err}
	}
	var te *tgbotapi.Error
	if errors.As(err, &te) && !strings.Contains(te.Error(), token) {
		return &redactedError{msg: RedactString(err.Error(), token), inner: te}
	}
	return &redactedError{msg: RedactString(err.Error(), token)}
}

// RedactString hides token in s.
func RedactString(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "<redacted>")
}

type redactedError struct {
	msg   string
	inner error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.inner }
