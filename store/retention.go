package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Retention: how long the bot keeps what it no longer needs. A chat that
// blocked the bot, removed it or is gone gets nothing more, so its record
// only waits for the resident to come back; after ChatDays it is deleted
// like /stop deletes it. The audit log is the office's record of who
// changed which post; after AuditDays an entry is pruned.

// Default retention periods, in days (RETENTION_DAYS, AUDIT_RETENTION_DAYS).
const (
	DefaultRetentionDays      = 30
	DefaultAuditRetentionDays = 365
)

// RetentionPolicy says how long inactive chats and audit entries are kept.
type RetentionPolicy struct {
	ChatDays  int
	AuditDays int
}

// DefaultRetention is the policy without configuration.
func DefaultRetention() RetentionPolicy {
	return RetentionPolicy{ChatDays: DefaultRetentionDays, AuditDays: DefaultAuditRetentionDays}
}

// Validate refuses periods that would delete at once or never: both must
// be at least one day.
func (p RetentionPolicy) Validate() error {
	if p.ChatDays < 1 {
		return fmt.Errorf("retention of inactive chats: %d days, want at least 1", p.ChatDays)
	}
	if p.AuditDays < 1 {
		return fmt.Errorf("retention of audit entries: %d days, want at least 1", p.AuditDays)
	}
	return nil
}

// ChatCutoff is the moment a chat must have become inactive before to be
// deleted at now. Days are 24 hours: retention is about elapsed time, not
// calendar days in some zone.
func (p RetentionPolicy) ChatCutoff(now time.Time) time.Time {
	return now.Add(-time.Duration(p.ChatDays) * 24 * time.Hour)
}

// AuditCutoff is the moment an audit entry must be older than to be pruned
// at now.
func (p RetentionPolicy) AuditCutoff(now time.Time) time.Time {
	return now.Add(-time.Duration(p.AuditDays) * 24 * time.Hour)
}

// SetActivity marks s active or inactive at now. It is the one rule for
// InactiveSince: set when the chat stops being reachable, kept when it is
// found unreachable again (a second failed send must not postpone its
// deletion), cleared when it comes back. Both backends' SetActive apply
// it.
func SetActivity(s *Subscriber, active bool, now time.Time) {
	switch {
	case active:
		s.InactiveSince = time.Time{}
	case s.Active || s.InactiveSince.IsZero():
		s.InactiveSince = now
	}
	s.Active = active
	s.UpdatedAt = now
}

// InactiveFrom is when the chat became inactive: InactiveSince, or for a
// record written before that was recorded, its last change (UpdatedAt),
// which for such a record was the deactivation or something older. Zero
// for an active chat.
func (s Subscriber) InactiveFrom() time.Time {
	switch {
	case s.Active:
		return time.Time{}
	case !s.InactiveSince.IsZero():
		return s.InactiveSince
	}
	return s.UpdatedAt
}

// Expired reports whether the chat has been inactive since before cutoff
// (RetentionPolicy.ChatCutoff), so retention deletes it.
func (s Subscriber) Expired(cutoff time.Time) bool {
	return !s.Active && s.InactiveFrom().Before(cutoff)
}

// Retention is what the storage offers the retention run: the inactive
// chats, a page at a time, and the audit entries, oldest first.
type Retention interface {
	// InactiveSubscribersAfter pages through inactive chats in chat id
	// order, starting after the given id, and returns those that became
	// inactive before before (Subscriber.InactiveFrom); at most limit. A
	// page comes back short only at the end. Only inactive chats are
	// read, never every subscriber.
	InactiveSubscribersAfter(ctx context.Context, before time.Time, after int64, limit int) ([]Subscriber, error)
	// PruneAudit deletes up to limit of the oldest audit entries made
	// before before, from the log of every post and the log of all posts,
	// and reports how many it deleted. It stops at the first entry that
	// is not older (entries are appended in time order), so a caller
	// repeats it until it deletes fewer than limit.
	PruneAudit(ctx context.Context, before time.Time, limit int) (int, error)
	// DeleteExpiredSubscriber deletes chatID's record, city memberships
	// and digest cursor, like DeleteSubscriber, but only if the record is
	// still Expired(cutoff) when it is deleted (in the same atomic step):
	// a chat that came back meanwhile is kept. It reports whether it
	// deleted; an unknown chat is no error.
	DeleteExpiredSubscriber(ctx context.Context, chatID int64, cutoff time.Time) (deleted bool, err error)
}

// RetentionMemo is the memo (Memos) that holds the last RetentionRun, for
// /stats and to run once a day whichever replica leads.
const RetentionMemo = "retention:last"

// RetentionMemoTTL keeps the last run visible well past the next one.
const RetentionMemoTTL = 30 * 24 * time.Hour

// RetentionRun is one pass of retention.
type RetentionRun struct {
	// Day is the day (YYYY-MM-DD in the home city's zone) the run belongs
	// to: a finished run for today means there is nothing to do until
	// tomorrow.
	Day        string    `json:"day"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Chats counts inactive chats deleted, Audit audit entries pruned,
	// Media cached photos deleted (PruneUnusedMedia).
	Chats int `json:"chats"`
	Audit int `json:"audit"`
	Media int `json:"media,omitempty"`
}

// LastRetention reads the last retention run recorded in memos; ok is false
// when there is none (yet, or for a month).
func LastRetention(ctx context.Context, memos interface {
	Memo(ctx context.Context, key string) ([]byte, error)
}) (run RetentionRun, ok bool, err error) {
	raw, err := memos.Memo(ctx, RetentionMemo)
	if errors.Is(err, ErrNotFound) {
		return run, false, nil
	}
	if err != nil {
		return run, false, fmt.Errorf("retention: last run: %w", err)
	}
	if err := json.Unmarshal(raw, &run); err != nil {
		return run, false, fmt.Errorf("retention: last run: %w", err)
	}
	return run, true, nil
}
