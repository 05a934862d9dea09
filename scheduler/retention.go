package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// RetentionStore is what the retention run reads and deletes: inactive
// chats a page at a time and what /stop deletes about them, old audit
// entries, cached photos no published post holds, and the memo of the
// last run.
type RetentionStore interface {
	store.Retention
	store.PersonalData
	store.UnusedMedia
	Memo(ctx context.Context, key string) ([]byte, error)
	SaveMemo(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// Retention deletes what has been kept long enough: chats inactive for
// longer than Policy.ChatDays (everything /stop deletes about them),
// audit entries older than Policy.AuditDays, and the cached photos
// (store.MediaCache) of posts deleted or withdrawn since, or replaced by
// an edit (store.PruneUnusedMedia). Cron runs it on the planner's
// leader; its day key (the last run's memo) makes it run once a day
// whichever replica leads and however often it restarts, and every step is
// idempotent, so a run cut off halfway is simply done again.
type Retention struct {
	Store  RetentionStore
	Policy store.RetentionPolicy
	// Loc is the home city's zone: a day starts at its midnight.
	Loc *time.Location
	Now store.NowFunc
	Log *slog.Logger
	// PageSize is how many chats are read at a time.
	PageSize int
}

func (r *Retention) defaults() {
	if r.Policy == (store.RetentionPolicy{}) {
		r.Policy = store.DefaultRetention()
	}
	if r.Loc == nil {
		r.Loc = time.UTC
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	if r.PageSize <= 0 {
		r.PageSize = 500
	}
}

// day is the key of the day t falls on, in the home city's zone.
func (r *Retention) day(t time.Time) string { return t.In(r.Loc).Format(time.DateOnly) }

// RunDaily runs retention unless today's run finished already, and reports
// whether it ran.
func (r *Retention) RunDaily(ctx context.Context) (store.RetentionRun, bool, error) {
	r.defaults()
	last, ok, err := store.LastRetention(ctx, r.Store)
	if err != nil {
		return last, false, err
	}
	if ok && !last.FinishedAt.IsZero() && last.Day == r.day(r.Now()) {
		return last, false, nil
	}
	run, err := r.Run(ctx)
	return run, err == nil, err
}

// Run deletes the expired chats, prunes the audit log and the media cache
// now, and records the run for /stats.
func (r *Retention) Run(ctx context.Context) (store.RetentionRun, error) {
	r.defaults()
	now := r.Now()
	run := store.RetentionRun{Day: r.day(now), StartedAt: now}
	cutoff := r.Policy.ChatCutoff(now)
	for after := int64(math.MinInt64); ; {
		subs, err := r.Store.InactiveSubscribersAfter(ctx, cutoff, after, r.PageSize)
		if err != nil {
			return run, fmt.Errorf("retention: inactive chats after %d: %w", after, err)
		}
		if len(subs) == 0 {
			break
		}
		for _, s := range subs {
			deleted, err := store.ForgetExpired(ctx, r.Store, s.ChatID, cutoff, now)
			if err != nil {
				return run, fmt.Errorf("retention: %w", err)
			}
			if deleted {
				run.Chats++
			}
		}
		after = subs[len(subs)-1].ChatID
	}
	auditCutoff := r.Policy.AuditCutoff(now)
	for {
		n, err := r.Store.PruneAudit(ctx, auditCutoff, r.PageSize)
		if err != nil {
			return run, fmt.Errorf("retention: prune audit: %w", err)
		}
		run.Audit += n
		if n < r.PageSize {
			break
		}
	}
	n, err := store.PruneUnusedMedia(ctx, r.Store)
	run.Media = n
	if err != nil {
		return run, fmt.Errorf("retention: %w", err)
	}
	run.FinishedAt = r.Now()
	data, err := json.Marshal(run)
	if err != nil {
		return run, fmt.Errorf("retention: %w", err)
	}
	if err := r.Store.SaveMemo(ctx, store.RetentionMemo, data, store.RetentionMemoTTL); err != nil {
		return run, fmt.Errorf("retention: record the run: %w", err)
	}
	r.Log.Info("retention: expired data deleted", "chats", run.Chats, "audit_entries", run.Audit, "media", run.Media,
		"chat_days", r.Policy.ChatDays, "audit_days", r.Policy.AuditDays)
	return run, nil
}
