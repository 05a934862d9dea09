package tgerr

import (
	"errors"
	"fmt"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestClassify(t *testing.T) {
	api := func(code int, msg string, p tgbotapi.ResponseParameters) error {
		return fmt.Errorf("send: %w", &tgbotapi.Error{Code: code, Message: msg, ResponseParameters: p})
	}
	tests := []struct {
		name string
		err  error
		want Result
	}{
		{"nil", nil, Result{Outcome: OK}},
		{"flood", api(429, "Too Many Requests: retry after 7", tgbotapi.ResponseParameters{RetryAfter: 7}), Result{Outcome: RateLimited, RetryAfter: 7 * time.Second}},
		{"blocked", api(403, "Forbidden: bot was blocked by the user", tgbotapi.ResponseParameters{}), Result{Outcome: Gone}},
		{"deactivated", api(403, "Forbidden: user is deactivated", tgbotapi.ResponseParameters{}), Result{Outcome: Gone, Deactivated: true}},
		{"kicked", api(403, "Forbidden: bot was kicked from the supergroup chat", tgbotapi.ResponseParameters{}), Result{Outcome: Gone}},
		{"not found", api(400, "Bad Request: chat not found", tgbotapi.ResponseParameters{}), Result{Outcome: Gone}},
		{"migrated", api(400, "Bad Request: group chat was upgraded to a supergroup chat", tgbotapi.ResponseParameters{MigrateToChatID: -100123}), Result{Outcome: Migrated, MigrateTo: -100123}},
		{"markup", api(400, "Bad Request: can't parse entities: Unsupported start tag \"x\"", tgbotapi.ResponseParameters{}), Result{Outcome: BadMarkup}},
		{"too long", api(400, "Bad Request: message is too long", tgbotapi.ResponseParameters{}), Result{Outcome: Permanent}},
		{"bad gateway", api(502, "Bad Gateway", tgbotapi.ResponseParameters{}), Result{Outcome: Transient}},
		{"topic deleted", api(400, "Bad Request: message thread not found", tgbotapi.ResponseParameters{}), Result{Outcome: ThreadGone}},
		{"channel, not a member", api(403, "Forbidden: bot is not a member of the channel chat", tgbotapi.ResponseParameters{}), Result{Outcome: NoRights}},
		{"channel, no right to post", api(400, "Bad Request: need administrator rights in the channel chat", tgbotapi.ResponseParameters{}), Result{Outcome: NoRights}},
		{"no right to create a topic", api(400, "Bad Request: not enough rights to create a topic", tgbotapi.ResponseParameters{}), Result{Outcome: NoRights}},
		{"network", errors.New("dial tcp: connection refused"), Result{Outcome: Transient}},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestNotModifiedCannotChange(t *testing.T) {
	api := func(code int, msg string) error {
		return fmt.Errorf("edit: %w", &tgbotapi.Error{Code: code, Message: msg})
	}
	tests := []struct {
		err               error
		notModified, cant bool
	}{
		{api(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"), true, false},
		{api(400, "Bad Request: message can't be edited"), false, true},
		{api(400, "Bad Request: message can't be deleted"), false, true},
		{api(400, "Bad Request: message to edit not found"), false, false},
		{api(403, "Forbidden: bot is not a member of the channel chat"), false, false},
		{errors.New("message can't be edited"), false, false},
		{nil, false, false},
	}
	for _, tt := range tests {
		if got := NotModified(tt.err); got != tt.notModified {
			t.Errorf("NotModified(%v) = %v", tt.err, got)
		}
		if got := CannotChange(tt.err); got != tt.cant {
			t.Errorf("CannotChange(%v) = %v", tt.err, got)
		}
	}
}
