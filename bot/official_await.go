package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Some buttons ask an official for one more answer in plain text: the new
// time of a scheduled post, the reason for a rejection. What is awaited is
// kept as a memo of that official, and their next text message answers it.

// awaitTTL is how long a question waits for its answer.
const awaitTTL = time.Hour

// Things an official can be asked for.
const (
	awaitTime   = "time"   // a post's new publishing time
	awaitReason = "reason" // why a post is rejected
)

// awaited is what an official was asked for.
type awaited struct {
	What   string `json:"what"`
	PostID int64  `json:"post_id"`
	// Answer is the update that answered it: the same update delivered
	// again is answered again (its changes are keyed, so nothing is made
	// twice); any later message is not an answer any more.
	Answer int `json:"answer,omitempty"`
	// Revision is the post's revision the question was about: a
	// rejection's reason is for the version the approver saw.
	Revision int `json:"revision,omitempty"`
}

func awaitKey(userID int64) string { return "await:" + strconv.FormatInt(userID, 10) }

// await asks the official for a.What, about a.PostID, with the question q.
func (b *Bot) await(ctx context.Context, r *Request, a awaited, q string) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("await %s for post %d: %w", a.What, a.PostID, err)
	}
	if err := b.store.SaveMemo(ctx, awaitKey(r.UserID), raw, awaitTTL); err != nil {
		return err
	}
	return b.reply(ctx, r, q, nil)
}

// pendingAwait returns what the sender was asked for; ok is false when
// nothing is awaited, or when an earlier message answered it (the message
// that answered it, delivered again, still finds it).
func (b *Bot) pendingAwait(ctx context.Context, r *Request) (a awaited, ok bool, err error) {
	raw, err := b.store.Memo(ctx, awaitKey(r.UserID))
	if isNotFound(err) {
		return a, false, nil
	}
	if err != nil {
		return a, false, err
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		b.log.Warn("unreadable awaited answer dropped", "user_id", r.UserID, "err", err)
		return a, false, b.store.DeleteMemo(ctx, awaitKey(r.UserID))
	}
	return a, a.Answer == 0 || a.Answer == r.UpdateID, nil
}

// awaitedText takes an official's text as the answer they were asked for;
// handled is false when nothing was awaited.
func (b *Bot) awaitedText(ctx context.Context, r *Request) (handled bool, err error) {
	a, ok, err := b.pendingAwait(ctx, r)
	if !ok || err != nil {
		return false, err
	}
	// The role is checked on this very message: a revoked official's
	// question is void.
	if ok, err := b.allowed(ctx, r, Editor); !ok || err != nil {
		return true, err
	}
	post, err := b.store.Post(ctx, a.PostID)
	if isNotFound(err) {
		b.forgetAwait(ctx, r)
		return true, b.reply(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", a.PostID), nil)
	}
	if err != nil {
		return true, err
	}
	text := strings.TrimSpace(r.Text)
	var answered bool
	switch a.What {
	case awaitTime:
		answered, err = b.answerTime(ctx, r, post, text)
	case awaitReason:
		answered, err = b.answerReason(ctx, r, post, strings.Trim(r.Text, " \t\r\n"), a.Revision)
	default:
		b.forgetAwait(ctx, r)
		return false, nil
	}
	if err != nil || !answered {
		return true, err
	}
	a.Answer = r.UpdateID
	if raw, err := json.Marshal(a); err == nil {
		if err := b.store.SaveMemo(ctx, awaitKey(r.UserID), raw, awaitTTL); err != nil {
			b.log.Warn("answer not marked taken", "user_id", r.UserID, "err", err)
		}
	}
	return true, nil
}

// answerTime takes a scheduled post's new time; answered is false when the
// official was told what is wrong and is asked again.
func (b *Bot) answerTime(ctx context.Context, r *Request, post store.Post, text string) (bool, error) {
	at, ferr := b.parsePublishAt(text, post.City)
	if ferr != nil {
		return false, b.replyFormError(ctx, r, ferr, "")
	}
	return true, b.submit(ctx, r, post, &at, r.Cause())
}

// forgetAwait drops the question; a failure only leaves it to expire.
func (b *Bot) forgetAwait(ctx context.Context, r *Request) {
	if err := b.store.DeleteMemo(ctx, awaitKey(r.UserID)); err != nil {
		b.log.Warn("awaited answer not dropped", "user_id", r.UserID, "err", err)
	}
}
