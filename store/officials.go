package store

import (
	"context"
	"time"
)

// Role is what an official may do. Owners come from ADMIN_IDS and are never
// stored as grants; editors are granted by owners.
type Role string

// Roles.
const (
	RoleOwner  Role = "owner"
	RoleEditor Role = "editor"
)

// Official is a user who may publish.
type Official struct {
	UserID    int64     `json:"user_id"`
	Username  string    `json:"username,omitempty"`
	Role      Role      `json:"role"`
	GrantedBy int64     `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
}

// User is someone who has talked to the bot; kept so that owners can grant a
// role by @username, which Telegram cannot resolve for bots.
type User struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username,omitempty"`
	FirstName string    `json:"first_name,omitempty"`
	SeenAt    time.Time `json:"seen_at"`
}

// Officials stores editor grants.
type Officials interface {
	// Official returns the stored grant of userID, or ErrNotFound.
	Official(ctx context.Context, userID int64) (Official, error)
	// SaveOfficial creates or replaces a grant.
	SaveOfficial(ctx context.Context, o Official) error
	// DeleteOfficial removes a grant; ErrNotFound when there was none.
	DeleteOfficial(ctx context.Context, userID int64) error
	// Officials lists every grant, ordered by user id.
	Officials(ctx context.Context) ([]Official, error)
}

// Users remembers who talked to the bot.
type Users interface {
	// SaveUser records a user and their current @username (a username
	// that moved to another user points to the newer one).
	SaveUser(ctx context.Context, u User) error
	// UserByUsername finds a user by @username, case-insensitively and
	// without the @; ErrNotFound when unknown.
	UserByUsername(ctx context.Context, username string) (User, error)
	// User returns a user by id, or ErrNotFound.
	User(ctx context.Context, id int64) (User, error)
	// DeleteUser forgets a user and their @username; no error when
	// unknown.
	DeleteUser(ctx context.Context, id int64) error
}

// Draft is an official's unfinished post in the /post wizard.
type Draft struct {
	// ID names the wizard (the update that opened it): publishing it is
	// the cause of the post, so it is published once.
	ID     string `json:"id,omitempty"`
	UserID int64  `json:"user_id"`
	ChatID int64  `json:"chat_id"`
	// LastUpdate is the update whose answer the draft took last: the same
	// update delivered again only gets the next question again.
	LastUpdate int `json:"last_update,omitempty"`
	// Step is the wizard step waiting for input.
	Step string `json:"step"`
	Post Post   `json:"post"`
	// Editing is the id of the post being edited, 0 for a new one.
	Editing int64 `json:"editing,omitempty"`
	// Return is the step to go back to the preview after editing one field.
	Return string `json:"return,omitempty"`
	// PastOK records that the official confirmed an event starting in the
	// past.
	PastOK bool `json:"past_ok,omitempty"`
	// TransLang is the language of the translation being written.
	TransLang Lang `json:"trans_lang,omitempty"`
	// PublishAt is the time chosen with "Publish later".
	PublishAt *time.Time `json:"publish_at,omitempty"`
}

// Drafts keeps wizard state; it expires so abandoned wizards clean up.
type Drafts interface {
	// SaveDraft stores the user's draft for ttl.
	SaveDraft(ctx context.Context, d Draft, ttl time.Duration) error
	// Draft returns the user's draft, or ErrNotFound (also once expired).
	Draft(ctx context.Context, userID int64) (Draft, error)
	// DeleteDraft removes it; no error when there was none.
	DeleteDraft(ctx context.Context, userID int64) error
}

// AuditEntry records one change to a post.
type AuditEntry struct {
	PostID int64     `json:"post_id"`
	UserID int64     `json:"user_id"`
	At     time.Time `json:"at"`
	// Action is created, edited or deleted.
	Action string `json:"action"`
	// Changes lists "field: old → new" lines for edits.
	Changes []string `json:"changes,omitempty"`
}

// Audit is the append-only log of changes to posts.
type Audit interface {
	// AppendAudit adds an entry.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// AuditLog returns entries newest first: of one post when postID is
	// not 0, else of all posts; at most limit.
	AuditLog(ctx context.Context, postID int64, limit int) ([]AuditEntry, error)
	// UserAudit returns the entries userID made, newest first; at most
	// limit (limit <= 0: none).
	UserAudit(ctx context.Context, userID int64, limit int) ([]AuditEntry, error)
}

// SubscriberStats counts subscribers for /stats.
type SubscriberStats struct {
	Total    int
	Active   int
	Inactive int
	// PerCity counts active subscribers per city slug.
	PerCity map[string]int
	PerLang map[Lang]int
	PerFreq map[Frequency]int
	// TopicLost counts groups whose forum topic was deleted: they get
	// their messages in the general topic now.
	TopicLost int
}

// Stats computes counts for officials.
type Stats interface {
	// SubscriberStats counts every stored chat record.
	SubscriberStats(ctx context.Context) (SubscriberStats, error)
	// CountPosts counts posts published at or after since, per kind.
	CountPosts(ctx context.Context, since time.Time) (map[Kind]int, error)
}
