package store

import (
	"context"
	"time"
)

// CauseTTL is how long a store remembers the cause of a change: longer
// than Telegram keeps an unconfirmed update (24 h), so any retry of an
// update finds the change it made.
const CauseTTL = 48 * time.Hour

// Change says why a post changes. Cause names what made it (an update, a
// button press, a wizard) and Audit records it. A store applies a change
// once per Cause, with its audit entry, in one atomic step: repeating the
// cause finds the change made and alters nothing, so an official's post is
// published once however often Telegram repeats the update.
type Change struct {
	Cause string
	Audit AuditEntry
	// Review, for an edit, says that its official could not publish the
	// post alone (Approval.EditNeedsReview): a post waiting to come out
	// goes back for approval (Post.Edited). The backend cannot know the
	// official's role, so the caller says it; the rule stays in Edited.
	Review bool
}

// Publishing applies officials' changes to posts, each once per cause.
type Publishing interface {
	// PublishPost stores p under a new id and appends c.Audit for it; a
	// post whose Status is not published is stored but not listed. A
	// repeated cause returns the post the first call created, with
	// created false (the post as stored now, or only its id when it has
	// been deleted since).
	PublishPost(ctx context.Context, p Post, c Change) (saved Post, created bool, err error)
	// EditPost replaces the post with p.ID by Post.Edited (p of the
	// stored post under c) and appends the audit entry Edited returns;
	// ErrNotFound when there is no such post. Where the post stands is
	// kept as stored, unless c.Review sends it back for approval, in the
	// same atomic step. A repeated cause changes nothing and reports
	// applied false.
	EditPost(ctx context.Context, p Post, c Change) (applied bool, err error)
	// RemovePost deletes the post with id and appends c.Audit, returning
	// the post as it was; ErrNotFound when there is none. A repeated cause
	// changes nothing and reports applied false (old then holds only the
	// id).
	RemovePost(ctx context.Context, id int64, c Change) (old Post, applied bool, err error)
}

// Memos keep small records that expire by themselves: the replies of an
// update that are still to be delivered, the menu an official was given.
type Memos interface {
	// SaveMemo stores value under key for ttl (> 0).
	SaveMemo(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Memo returns the value under key, or ErrNotFound (also once
	// expired).
	Memo(ctx context.Context, key string) ([]byte, error)
	// DeleteMemo removes key; no error when there was none.
	DeleteMemo(ctx context.Context, key string) error
}

// Workflow moves posts through their statuses (workflow.go) and lists the
// ones that are not published.
type Workflow interface {
	// TransitionPost applies t to the post with id and appends c.Audit
	// (unless its Action is empty), once per c.Cause, in one atomic step
	// that also moves the post between the listings. It returns the post
	// as stored afterwards. ErrNotFound when there is no such post;
	// ErrStateChanged (with the post as it is) when it is no longer in
	// t.From or due at t.Due, and then nothing changes. A repeated cause
	// changes nothing and returns the post as it is now, applied false.
	TransitionPost(ctx context.Context, id int64, t Transition, c Change) (saved Post, applied bool, err error)
	// PostsByStatus lists posts of a status other than published,
	// ordered by Post.WaitingOrder (ties lowest id first), at most limit.
	PostsByStatus(ctx context.Context, status PostStatus, limit int) ([]Post, error)
	// DuePosts lists the posts whose Post.DueAt is at or before now,
	// soonest first, at most limit.
	DuePosts(ctx context.Context, now time.Time, limit int) ([]Post, error)
}
