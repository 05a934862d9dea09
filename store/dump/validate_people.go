package dump

import (
	"fmt"
	"slices"

	"github.com/partnerbot/partnerbot/store"
)

// subscribers checks the chat records. Telegram gives private chats the
// user's (positive) id and groups negative ones, so the sign must match
// the type.
func (v *validator) subscribers(subs []store.Subscriber) {
	seen := map[int64]bool{}
	for i, s := range subs {
		at := fmt.Sprintf("subscribers[%d] (chat %d)", i, s.ChatID)
		v.chatID(at, s.ChatID)
		v.check(!seen[s.ChatID], at, "chat listed twice")
		seen[s.ChatID] = true
		switch s.ChatType {
		case "private":
			v.check(s.ChatID >= 0, at, "a private chat's id is its user's id, which is positive")
		case "group", "supergroup":
			v.check(s.ChatID <= 0, at, fmt.Sprintf("a %s's chat id is negative", s.ChatType))
		default:
			v.add(at, fmt.Sprintf("chat_type: unknown chat type %q; want private, group or supergroup", s.ChatType))
		}
		v.check(slices.Contains(store.Langs(), s.Lang), at, fmt.Sprintf("lang: unknown language %q", s.Lang))
		v.check(s.Frequency.Valid(), at, fmt.Sprintf("frequency: unknown frequency %q", s.Frequency))
		if s.TimeZone != "" {
			_, err := store.LoadZone(s.TimeZone)
			v.check(err == nil, at, fmt.Sprintf("timezone: unknown time zone %q", s.TimeZone))
		}
		if s.Quiet != nil {
			v.check(s.Quiet.Valid(), at, fmt.Sprintf("quiet: from %d to %d minutes after midnight; want two different times of day", s.Quiet.From, s.Quiet.To))
		}
		for _, k := range s.Kinds {
			v.check(k.Valid(), at, fmt.Sprintf("kinds: unknown kind %q", k))
		}
		for j, c := range s.Cities {
			v.check(c != "", at, fmt.Sprintf("cities[%d]: empty", j))
		}
		v.time(at, "created_at", s.CreatedAt)
		v.time(at, "updated_at", s.UpdatedAt)
	}
}

// userRecord is a user and where the dump lists it.
type userRecord struct {
	at string
	u  store.User
}

// users checks the user records and returns them by id.
//
// Two users may hold the same username: a user's record keeps the name it
// was last seen with, after another user took it over. Import replays them
// in the order they were seen, so the one seen last gets the name; if two
// were seen at the same instant, which one has the name is ambiguous.
func (v *validator) users(users []store.User) map[int64]userRecord {
	byID := map[int64]userRecord{}
	byName := map[string][]userRecord{}
	for i, u := range users {
		at := fmt.Sprintf("users[%d] (id %d)", i, u.ID)
		v.person(at, "id", u.ID)
		_, dup := byID[u.ID]
		v.check(!dup, at, "user listed twice")
		byID[u.ID] = userRecord{at, u}
		v.time(at, "seen_at", u.SeenAt)
		if u.Username == "" {
			continue
		}
		name, ok := store.NormalizeUsername(u.Username)
		if !ok {
			v.add(at, fmt.Sprintf("username %q is not a Telegram username", u.Username))
			continue
		}
		byName[name] = append(byName[name], userRecord{at, u})
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		holders := byName[name]
		slices.SortStableFunc(holders, func(a, b userRecord) int { return a.u.SeenAt.Compare(b.u.SeenAt) })
		for j := 1; j < len(holders); j++ {
			if a, b := holders[j-1], holders[j]; a.u.SeenAt.Equal(b.u.SeenAt) {
				v.add(b.at, fmt.Sprintf("username %q is also %s's, seen at the same time (%s): which of them has it now is ambiguous",
					name, a.at, b.u.SeenAt.Format("2006-01-02T15:04:05.999999999Z07:00")))
			}
		}
	}
	return byID
}

// officials checks the grants. Only editors are stored: owners are the
// ADMIN_IDS of the running bot, so a dump must not be able to make anyone
// an owner.
func (v *validator) officials(officials []store.Official, users map[int64]userRecord) {
	seen := map[int64]bool{}
	for i, o := range officials {
		at := fmt.Sprintf("officials[%d] (user %d)", i, o.UserID)
		v.person(at, "user_id", o.UserID)
		v.check(!seen[o.UserID], at, "user listed twice")
		seen[o.UserID] = true
		switch o.Role {
		case store.RoleEditor:
		case store.RoleOwner:
			v.add(at, `role "owner": owners come only from ADMIN_IDS and are never stored; `+
				`add the user to ADMIN_IDS, or make them an editor in the dump`)
		default:
			v.add(at, fmt.Sprintf("unknown role %q; only %q is stored", o.Role, store.RoleEditor))
		}
		v.person(at, "granted_by", o.GrantedBy)
		v.time(at, "granted_at", o.GrantedAt)
		if o.Username == "" {
			continue
		}
		name, ok := store.NormalizeUsername(o.Username)
		if !ok {
			v.add(at, fmt.Sprintf("username %q is not a Telegram username", o.Username))
			continue
		}
		// A grant copies the user record's username; the record may
		// change later (the user renamed), but not earlier.
		rec, found := users[o.UserID]
		if !found {
			continue
		}
		if have, _ := store.NormalizeUsername(rec.u.Username); have != name && rec.u.SeenAt.Before(o.GrantedAt) {
			v.add(at, fmt.Sprintf("username %q, but %s, unchanged since before the grant, has %q",
				o.Username, rec.at, rec.u.Username))
		}
	}
}
