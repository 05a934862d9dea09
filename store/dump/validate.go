package dump

import (
	"errors"
	"fmt"
	"strings"

	"github.com/partnerbot/partnerbot/store"
)

// ErrInvalid is the error of a dump that is malformed, incomplete or
// inconsistent; Import and ReadJSON wrap it with the problems found.
var ErrInvalid = errors.New("invalid dump")

// maxProblems bounds how many problems Validate reports at once.
const maxProblems = 20

// Validate checks the whole dump: its version, that every record has an
// id (positive, except chat ids, which are negative for groups) and valid
// kinds, frequencies and roles, and that no id or seed key appears twice.
// Import calls it before writing anything.
func (d Dump) Validate() error {
	if d.Version != Version {
		if d.Version == 0 {
			return fmt.Errorf("dump: %w: no version, not a partnerbot dump", ErrInvalid)
		}
		return fmt.Errorf("dump: %w: version %d, this partnerbot reads version %d", ErrInvalid, d.Version, Version)
	}
	v := &validator{}
	subs := map[int64]bool{}
	for i, s := range d.Subscribers {
		at := fmt.Sprintf("subscribers[%d] (chat %d)", i, s.ChatID)
		v.check(s.ChatID != 0, at, "chat id 0")
		v.check(!subs[s.ChatID], at, "chat listed twice")
		subs[s.ChatID] = true
		v.check(s.Frequency.Valid(), at, fmt.Sprintf("unknown frequency %q", s.Frequency))
		for _, k := range s.Kinds {
			v.check(k.Valid(), at, fmt.Sprintf("unknown kind %q", k))
		}
	}
	posts := map[int64]bool{}
	postSeeds := map[string]bool{}
	for i, p := range d.Posts {
		at := fmt.Sprintf("posts[%d] (id %d)", i, p.ID)
		v.check(p.ID > 0, at, "id must be positive")
		v.check(!posts[p.ID], at, "id listed twice")
		posts[p.ID] = true
		v.check(p.Kind.Valid(), at, fmt.Sprintf("unknown kind %q", p.Kind))
		v.check(p.City != "", at, "no city")
		if p.SeedKey != "" {
			v.check(!postSeeds[p.SeedKey], at, fmt.Sprintf("seed key %q used by two posts", p.SeedKey))
			postSeeds[p.SeedKey] = true
		}
	}
	v.check(d.LastPostID >= 0, "last_post_id", "negative")
	seeds := map[string]bool{}
	for i, s := range d.Seeds {
		at := fmt.Sprintf("seeds[%d] (%q)", i, s.Key)
		v.check(s.Key != "", at, "empty key")
		v.check(!seeds[s.Key], at, "key listed twice")
		seeds[s.Key] = true
		v.check(s.PostID > 0, at, "post id must be positive")
	}
	officials := map[int64]bool{}
	for i, o := range d.Officials {
		at := fmt.Sprintf("officials[%d] (user %d)", i, o.UserID)
		v.check(o.UserID > 0, at, "user id must be positive")
		v.check(!officials[o.UserID], at, "user listed twice")
		officials[o.UserID] = true
		v.check(o.Role == store.RoleEditor || o.Role == store.RoleOwner, at, fmt.Sprintf("unknown role %q", o.Role))
	}
	users := map[int64]bool{}
	for i, u := range d.Users {
		at := fmt.Sprintf("users[%d] (id %d)", i, u.ID)
		v.check(u.ID > 0, at, "id must be positive")
		v.check(!users[u.ID], at, "user listed twice")
		users[u.ID] = true
	}
	for i, e := range d.Audit {
		at := fmt.Sprintf("audit[%d]", i)
		v.check(e.PostID >= 0, at, "negative post id")
		v.check(e.Action != "", at, "no action")
	}
	cursors := map[int64]bool{}
	for i, c := range d.DigestCursors {
		at := fmt.Sprintf("digest_cursors[%d] (chat %d)", i, c.ChatID)
		v.check(c.ChatID != 0, at, "chat id 0")
		v.check(!cursors[c.ChatID], at, "chat listed twice")
		cursors[c.ChatID] = true
		v.check(!c.At.IsZero(), at, "no time")
	}
	return v.err()
}

// validator collects problems.
type validator struct {
	problems []string
	more     int
}

func (v *validator) check(ok bool, at, problem string) {
	if ok {
		return
	}
	if len(v.problems) == maxProblems {
		v.more++
		return
	}
	v.problems = append(v.problems, at+": "+problem)
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
