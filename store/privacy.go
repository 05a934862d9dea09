package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// What the bot stores about a chat, in one place: /mydata exports it
// (CollectChatData), /stop and retention delete it (Forget). Both walk the
// same records, so the export can never leave out something that is
// deleted, or the other way round; a test holds them to it.

// Person names whose data a request concerns: a chat and, in a private
// chat, the person writing in it. UserID is 0 for a group: its record is
// the group's, and nothing about one member is shown to or deleted for the
// others.
type Person struct {
	ChatID int64
	UserID int64
}

// PersonOf is the person of a stored chat: in a private chat Telegram's
// chat id is the user's id.
func PersonOf(s Subscriber) Person {
	if IsGroup(s.ChatType) {
		return Person{ChatID: s.ChatID}
	}
	return Person{ChatID: s.ChatID, UserID: s.ChatID}
}

// PersonalData is what CollectChatData reads and Forget deletes.
type PersonalData interface {
	Subscriber(ctx context.Context, chatID int64) (Subscriber, error)
	DeleteSubscriber(ctx context.Context, chatID int64) (Subscriber, error)
	User(ctx context.Context, id int64) (User, error)
	DeleteUser(ctx context.Context, id int64) error
	Draft(ctx context.Context, userID int64) (Draft, error)
	DeleteDraft(ctx context.Context, userID int64) error
	Official(ctx context.Context, userID int64) (Official, error)
	UserAudit(ctx context.Context, userID int64, limit int) ([]AuditEntry, error)
	UserRSVPs(ctx context.Context, userID int64) ([]Attendee, error)
	ForgetRSVPs(ctx context.Context, userID int64, now time.Time) (int, error)
	Conversation(ctx context.Context, resident int64) (Conversation, error)
	DeleteConversation(ctx context.Context, resident int64) error
}

// MaxExportAudit bounds the audit entries in one export: every entry the
// log keeps (the backends keep the newest 10,000).
const MaxExportAudit = 10_000

// ChatData is everything stored about one chat and its person, as /mydata
// sends it. Subscriber, User, Draft and SignUps are the resident's: /stop
// deletes them, and so does retention once the chat has been gone long
// enough.
// Role, Grant and Audit are the office's records about an official: who
// may publish and who changed which post. /stop keeps them; an owner
// revokes a grant, and audit entries are pruned after AUDIT_RETENTION_DAYS.
type ChatData struct {
	ChatID     int64     `json:"chat_id"`
	UserID     int64     `json:"user_id,omitempty"`
	ExportedAt time.Time `json:"exported_at"`
	// Subscriber is the chat's settings and subscriptions.
	Subscriber *Subscriber `json:"subscriber"`
	// User is the @username record kept of someone who writes in private.
	User *User `json:"user"`
	// Draft is an official's unfinished /post wizard.
	Draft *Draft `json:"draft"`
	// SignUps are the events the person signed up for (or waits for a
	// place at), with the name and @username the office's list shows.
	SignUps []Attendee `json:"sign_ups"`
	// Conversation is the resident's conversation with the partnership
	// office: where it stands, never the messages.
	Conversation *Conversation `json:"conversation,omitempty"`
	// Role is the person's role, if an official (owners come from the
	// configuration and have no Grant).
	Role  Role         `json:"role,omitempty"`
	Grant *Official    `json:"grant,omitempty"`
	Audit []AuditEntry `json:"audit,omitempty"`
}

// Personal reports whether anything /stop deletes is there.
func (d ChatData) Personal() bool {
	return d.Subscriber != nil || d.User != nil || d.Draft != nil || len(d.SignUps) > 0 || d.Conversation != nil
}

// JSON is the document /mydata sends: indented, so a resident can read it.
func (d ChatData) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("chat data of %d: %w", d.ChatID, err)
	}
	return append(b, '\n'), nil
}

// CollectChatData reads everything stored about who. role is the person's
// role as the bot resolved it ("" for a resident): owners are not stored.
func CollectChatData(ctx context.Context, st PersonalData, who Person, role Role, now time.Time) (ChatData, error) {
	d, err := collectPersonal(ctx, st, who)
	if err != nil {
		return d, err
	}
	d.ExportedAt = now
	if who.UserID == 0 {
		return d, nil
	}
	d.Role = role
	g, err := st.Official(ctx, who.UserID)
	switch {
	case err == nil:
		d.Grant = &g
		if d.Role == "" {
			d.Role = g.Role
		}
	case !errors.Is(err, ErrNotFound):
		return d, fmt.Errorf("chat data of %d: grant: %w", who.ChatID, err)
	}
	if d.Audit, err = st.UserAudit(ctx, who.UserID, MaxExportAudit); err != nil {
		return d, fmt.Errorf("chat data of %d: audit: %w", who.ChatID, err)
	}
	return d, nil
}

// Forget deletes everything the resident may have deleted about who (the
// personal part of ChatData) and returns it as it was. Every deletion is
// idempotent, so running it again finishes what an interrupted run began.
// A place the person gives up goes to the waiting list, as when they
// cancel (now is when).
func Forget(ctx context.Context, st PersonalData, who Person, now time.Time) (ChatData, error) {
	d, err := collectPersonal(ctx, st, who)
	if err != nil {
		return d, err
	}
	if err := forgetPerson(ctx, st, who, now); err != nil {
		return d, err
	}
	if _, err := st.DeleteSubscriber(ctx, who.ChatID); err != nil && !errors.Is(err, ErrNotFound) {
		return d, fmt.Errorf("forget %d: subscriber: %w", who.ChatID, err)
	}
	return d, nil
}

// ExpiredData is what ForgetExpired needs: Forget's records, and the
// deletion of a chat record only while it is expired.
type ExpiredData interface {
	PersonalData
	DeleteExpiredSubscriber(ctx context.Context, chatID int64, cutoff time.Time) (bool, error)
}

// ForgetExpired deletes what Forget deletes for a chat retention found
// expired (Subscriber.Expired(cutoff)), unless the chat came back
// meanwhile: the record is checked again first, and deleted last and only
// while still expired, so a crash in between leaves it for the next run to
// finish. It reports whether the chat was deleted.
func ForgetExpired(ctx context.Context, st ExpiredData, chatID int64, cutoff, now time.Time) (bool, error) {
	s, err := st.Subscriber(ctx, chatID)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("forget expired %d: %w", chatID, err)
	case !s.Expired(cutoff):
		return false, nil
	}
	if err := forgetPerson(ctx, st, PersonOf(s), now); err != nil {
		return false, err
	}
	deleted, err := st.DeleteExpiredSubscriber(ctx, chatID, cutoff)
	if err != nil {
		return false, fmt.Errorf("forget expired %d: subscriber: %w", chatID, err)
	}
	return deleted, nil
}

// forgetPerson deletes the records about the person of a private chat.
func forgetPerson(ctx context.Context, st PersonalData, who Person, now time.Time) error {
	if who.UserID == 0 {
		return nil
	}
	if _, err := st.ForgetRSVPs(ctx, who.UserID, now); err != nil {
		return fmt.Errorf("forget %d: sign-ups: %w", who.ChatID, err)
	}
	if err := st.DeleteUser(ctx, who.UserID); err != nil {
		return fmt.Errorf("forget %d: user: %w", who.ChatID, err)
	}
	if err := st.DeleteDraft(ctx, who.UserID); err != nil {
		return fmt.Errorf("forget %d: draft: %w", who.ChatID, err)
	}
	if err := st.DeleteConversation(ctx, who.UserID); err != nil {
		return fmt.Errorf("forget %d: conversation: %w", who.ChatID, err)
	}
	return nil
}

// collectPersonal reads the records Forget deletes.
func collectPersonal(ctx context.Context, st PersonalData, who Person) (ChatData, error) {
	d := ChatData{ChatID: who.ChatID, UserID: who.UserID}
	s, err := st.Subscriber(ctx, who.ChatID)
	if d.Subscriber, err = found(s, err); err != nil {
		return d, fmt.Errorf("chat data of %d: subscriber: %w", who.ChatID, err)
	}
	if who.UserID == 0 {
		return d, nil
	}
	u, err := st.User(ctx, who.UserID)
	if d.User, err = found(u, err); err != nil {
		return d, fmt.Errorf("chat data of %d: user: %w", who.ChatID, err)
	}
	dr, err := st.Draft(ctx, who.UserID)
	if d.Draft, err = found(dr, err); err != nil {
		return d, fmt.Errorf("chat data of %d: draft: %w", who.ChatID, err)
	}
	if d.SignUps, err = st.UserRSVPs(ctx, who.UserID); err != nil {
		return d, fmt.Errorf("chat data of %d: sign-ups: %w", who.ChatID, err)
	}
	c, err := st.Conversation(ctx, who.UserID)
	if d.Conversation, err = found(c, err); err != nil {
		return d, fmt.Errorf("chat data of %d: conversation: %w", who.ChatID, err)
	}
	return d, nil
}

// found turns a lookup into a pointer: nil for ErrNotFound.
func found[T any](v T, err error) (*T, error) {
	switch {
	case err == nil:
		return &v, nil
	case errors.Is(err, ErrNotFound):
		return nil, nil
	}
	return nil, err
}
