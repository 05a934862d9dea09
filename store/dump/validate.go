package dump

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// ErrInvalid is the error of a dump that is malformed, incomplete or
// inconsistent; Import and ReadJSON wrap it with the problems found.
var ErrInvalid = errors.New("invalid dump")

// maxProblems bounds how many problems Validate reports at once.
const maxProblems = 20

// MaxPostID bounds post ids and last_post_id. No municipality comes near a
// trillion posts, so a larger id is a forged or corrupted dump; and
// importing one would leave the sequence so high that later posts fail
// ("post ids exhausted") or get ids that lose precision as float64 scores
// and in JSON readers.
const MaxPostID = 1 << 40

// maxID bounds user ids, and chat ids in absolute value.
const maxID = store.MaxTelegramID

// Validate checks that d holds only what a partnerbot could have written:
// its version; ids within Telegram's and the post sequence's bounds, none
// twice; last_post_id at or above every post id; officials that are
// editors, as owners come only from ADMIN_IDS; posts that pass
// store.Post.Validate; usernames that are Telegram usernames and say
// unambiguously who has each one now; valid languages, kinds, frequencies,
// chat types and audit actions; plausible times. Each problem names the
// record and the field. Import calls it before writing anything.
func (d Dump) Validate() error {
	if d.Version != Version {
		if d.Version == 0 {
			return fmt.Errorf("dump: %w: no version, not a partnerbot dump", ErrInvalid)
		}
		return fmt.Errorf("dump: %w: version %d, this partnerbot reads version %d", ErrInvalid, d.Version, Version)
	}
	v := &validator{}
	v.subscribers(d.Subscribers)
	switch {
	case d.LastPostID < 0:
		v.add("last_post_id", fmt.Sprintf("%d is negative", d.LastPostID))
	case d.LastPostID > MaxPostID:
		v.add("last_post_id", fmt.Sprintf("%d is above %d, the largest post id a dump may hold", d.LastPostID, int64(MaxPostID)))
	}
	seedPosts := v.posts(d.Posts, d.LastPostID)
	v.seeds(d.Seeds, seedPosts, d.LastPostID)
	users := v.users(d.Users)
	v.officials(d.Officials, users)
	v.audit(d.Audit, d.LastPostID)
	cursors := map[int64]bool{}
	for i, c := range d.DigestCursors {
		at := fmt.Sprintf("digest_cursors[%d] (chat %d)", i, c.ChatID)
		v.chatID(at, c.ChatID)
		v.check(!cursors[c.ChatID], at, "chat listed twice")
		cursors[c.ChatID] = true
		if c.At.IsZero() {
			v.add(at, "at: no time")
		} else {
			v.time(at, "at", c.At)
		}
	}
	return v.err()
}

// posts checks every post and returns the id of each seed key's post.
func (v *validator) posts(posts []store.Post, last int64) map[string]int64 {
	ids := map[int64]bool{}
	seeds := map[string]int64{}
	for i, p := range posts {
		at := fmt.Sprintf("posts[%d] (id %d)", i, p.ID)
		if v.postID(at, "id", p.ID) {
			v.check(p.ID <= last, at, fmt.Sprintf("id is above last_post_id %d", last))
		}
		v.check(!ids[p.ID], at, "id listed twice")
		ids[p.ID] = true
		q := p
		q.ID = max(q.ID, 0) // reported above, against the dump's stricter bound
		if err := q.Validate(); err != nil {
			v.add(at, err.Error())
		}
		if p.SeedKey != "" {
			if _, dup := seeds[p.SeedKey]; dup {
				v.add(at, fmt.Sprintf("seed key %q used by two posts", p.SeedKey))
			}
			seeds[p.SeedKey] = p.ID
		}
	}
	return seeds
}

// seeds checks the seed keys; a key whose post is still there must point
// at it, or SeedPost would see the dataset entry as seeded by another post.
func (v *validator) seeds(seeds []Seed, posts map[string]int64, last int64) {
	keys := map[string]bool{}
	for i, s := range seeds {
		at := fmt.Sprintf("seeds[%d] (%q)", i, s.Key)
		v.check(s.Key != "", at, "empty key")
		v.check(!keys[s.Key], at, "key listed twice")
		keys[s.Key] = true
		if v.postID(at, "post_id", s.PostID) {
			v.check(s.PostID <= last, at, fmt.Sprintf("post_id is above last_post_id %d", last))
		}
		if id, ok := posts[s.Key]; ok && id != s.PostID {
			v.add(at, fmt.Sprintf("post_id %d, but post %d has this seed key", s.PostID, id))
		}
	}
}

// audit checks the audit log: it records only what publishing does.
func (v *validator) audit(entries []store.AuditEntry, last int64) {
	for i, e := range entries {
		at := fmt.Sprintf("audit[%d] (post %d)", i, e.PostID)
		if v.postID(at, "post_id", e.PostID) {
			v.check(e.PostID <= last, at, fmt.Sprintf("post_id is above last_post_id %d", last))
		}
		v.person(at, "user_id", e.UserID)
		switch {
		case slices.Contains(store.AuditActions(), e.Action):
		case e.Action == "":
			v.add(at, "no action")
		default:
			v.add(at, fmt.Sprintf("unknown action %q; want one of %s", e.Action, strings.Join(store.AuditActions(), ", ")))
		}
		v.time(at, "at", e.At)
	}
}

// validator collects problems.
type validator struct {
	problems []string
	more     int
}

func (v *validator) check(ok bool, at, problem string) {
	if !ok {
		v.add(at, problem)
	}
}

func (v *validator) add(at, problem string) {
	if len(v.problems) == maxProblems {
		v.more++
		return
	}
	v.problems = append(v.problems, at+": "+problem)
}

// postID reports whether id is one the post sequence can have handed out.
func (v *validator) postID(at, field string, id int64) bool {
	switch {
	case id <= 0:
		v.add(at, field+" must be positive")
	case id > MaxPostID:
		v.add(at, fmt.Sprintf("%s %d is above %d, the largest post id a dump may hold", field, id, int64(MaxPostID)))
	default:
		return true
	}
	return false
}

// userID reports whether id is a Telegram user id.
func (v *validator) userID(at, field string, id int64) bool {
	switch {
	case id <= 0:
		v.add(at, field+" must be positive")
	case id > maxID:
		v.add(at, fmt.Sprintf("%s %d is beyond Telegram's user ids (at most 52 bits)", field, id))
	default:
		return true
	}
	return false
}

// person checks the id of someone the bot stores as a user or an official,
// or records in the audit log as who acted: a user id that is not one of
// Telegram's service accounts, which the bot never stores or grants a role
// (whoever hides behind them cannot be told apart), so none of them ever
// acted on a post.
func (v *validator) person(at, field string, id int64) {
	if v.userID(at, field, id) && store.IsServiceAccount(id) {
		v.add(at, fmt.Sprintf("%s %d is one of Telegram's service accounts (an anonymous group admin, a channel, Telegram itself), never stored as a user or an official", field, id))
	}
}

// chatID checks a chat id of any chat type.
func (v *validator) chatID(at string, id int64) {
	switch {
	case id == 0:
		v.add(at, "chat id 0")
	case id > maxID || id < -maxID:
		v.add(at, fmt.Sprintf("chat id %d is beyond Telegram's chat ids (at most 52 bits)", id))
	}
}

// time checks a time that may be unset.
func (v *validator) time(at, field string, t time.Time) {
	if !t.IsZero() && !store.PlausibleTime(t) {
		v.add(at, fmt.Sprintf("%s %s is not between the years %d and %d", field, t.Format(time.RFC3339), store.MinYear, store.MaxYear))
	}
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	msg := strings.Join(v.problems, "\n  ")
	if v.more > 0 {
		msg += fmt.Sprintf("\n  and %d more problems", v.more)
	}
	return fmt.Errorf("dump: %w:\n  %s", ErrInvalid, msg)
}
