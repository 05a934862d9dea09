package dump_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/dump"
)

// The fixture's dump, in its fixed order:
//
//	subscribers: -1001234567890 (supergroup), 7, 8, 42
//	posts:       1 (event), 20 (announcement), 21, 22 (seeded agreements)
//	seeds:       doomed → 23, krakow-agreement-2001 → 22, lyon-visit-1990 → 21
//	officials:   5, 300 ("mayor")
//	users:       2 ("@Carol"), 3 ("carol", seen before user 2), 300 ("Mayor")
//	audit:       post 1 created, post 1 edited, post 23 deleted
//	cursors:     -1001234567890, 42
//	last_post_id 24
func fixtureDump(t *testing.T) dump.Dump {
	t.Helper()
	d, err := dump.ReadJSON(bytes.NewReader(validDump(t)))
	must(t, err)
	return d
}

// cloned copies d's lists so a test case can change them.
func cloned(d dump.Dump) dump.Dump {
	d.Subscribers = slices.Clone(d.Subscribers)
	d.Posts = slices.Clone(d.Posts)
	d.Officials = slices.Clone(d.Officials)
	d.Users = slices.Clone(d.Users)
	d.Seeds = slices.Clone(d.Seeds)
	d.Audit = slices.Clone(d.Audit)
	d.DigestCursors = slices.Clone(d.DigestCursors)
	return d
}

func ptr(t time.Time) *time.Time { return &t }

func TestImportRefusesInvalidDump(t *testing.T) {
	good := fixtureDump(t)
	y3000 := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(d *dump.Dump)
		want   string
	}{
		{"version 0", func(d *dump.Dump) { d.Version = 0 }, "no version"},
		{"future version", func(d *dump.Dump) { d.Version = 2 }, "version 2, this partnerbot reads version 1"},

		{"owner role", func(d *dump.Dump) { d.Officials[1].Role = store.RoleOwner },
			`officials[1] (user 300): role "owner": owners come only from ADMIN_IDS`},
		{"unknown role", func(d *dump.Dump) { d.Officials[1].Role = "king" }, `officials[1] (user 300): unknown role "king"`},
		{"official user 0", func(d *dump.Dump) { d.Officials[0].UserID = 0 }, "officials[0] (user 0): user_id must be positive"},
		{"official beyond 52 bits", func(d *dump.Dump) { d.Officials[0].UserID = 1 << 52 }, "officials[0] (user 4503599627370496): user_id 4503599627370496 is beyond"},
		{"official an anonymous admin", func(d *dump.Dump) { d.Officials[0].UserID = store.AnonymousAdminID },
			"officials[0] (user 1087968824): user_id 1087968824 is one of Telegram's service accounts"},
		{"official the channel bot", func(d *dump.Dump) { d.Officials[1].UserID = store.ChannelBotID },
			"officials[1] (user 136817688): user_id 136817688 is one of Telegram's service accounts"},
		{"granted by Telegram", func(d *dump.Dump) { d.Officials[0].GrantedBy = store.TelegramServiceID },
			"officials[0] (user 5): granted_by 777000 is one of Telegram's service accounts"},
		{"official twice", func(d *dump.Dump) { d.Officials = append(d.Officials, d.Officials[0]) }, "officials[2] (user 5): user listed twice"},
		{"granted by nobody", func(d *dump.Dump) { d.Officials[0].GrantedBy = 0 }, "officials[0] (user 5): granted_by must be positive"},
		{"granted in year 3000", func(d *dump.Dump) { d.Officials[0].GrantedAt = y3000 }, "officials[0] (user 5): granted_at 3000-01-01T00:00:00Z is not between"},
		{"official username invalid", func(d *dump.Dump) { d.Officials[1].Username = "no way" }, `officials[1] (user 300): username "no way" is not a Telegram username`},
		{"official username not its user's", func(d *dump.Dump) {
			d.Officials[1].Username, d.Officials[1].GrantedAt = "boss", t0.Add(3*time.Hour)
		}, `officials[1] (user 300): username "boss", but users[2] (id 300), unchanged since before the grant, has "Mayor"`},

		{"huge last_post_id", func(d *dump.Dump) { d.LastPostID = math.MaxInt64 - 5 }, "last_post_id: 9223372036854775802 is above 1099511627776"},
		{"negative last_post_id", func(d *dump.Dump) { d.LastPostID = -1 }, "last_post_id: -1 is negative"},
		{"last_post_id below a post", func(d *dump.Dump) { d.LastPostID = 21 }, "posts[3] (id 22): id is above last_post_id 21"},
		{"last_post_id below a seed", func(d *dump.Dump) { d.LastPostID = 22 }, `seeds[0] ("doomed"): post_id is above last_post_id 22`},
		{"last_post_id below an audited post", func(d *dump.Dump) { d.LastPostID = 22 }, "audit[2] (post 23): post_id is above last_post_id 22"},

		{"duplicate post", func(d *dump.Dump) { d.Posts = append(d.Posts, d.Posts[0]) }, "posts[4] (id 1): id listed twice"},
		{"post id 0", func(d *dump.Dump) { d.Posts[3].ID = 0 }, "posts[3] (id 0): id must be positive"},
		{"negative post id", func(d *dump.Dump) { d.Posts[3].ID = -3 }, "posts[3] (id -3): id must be positive"},
		{"post id beyond the bound", func(d *dump.Dump) { d.Posts[3].ID = 1<<40 + 1 }, "posts[3] (id 1099511627777): id 1099511627777 is above 1099511627776"},
		{"bad kind", func(d *dump.Dump) { d.Posts[3].Kind = "gossip" }, `posts[3] (id 22): kind: unknown kind "gossip"`},
		{"no city", func(d *dump.Dump) { d.Posts[3].City = "" }, "posts[3] (id 22): city: required"},
		{"title too long", func(d *dump.Dump) { d.Posts[0].Title = strings.Repeat("я", 201) },
			"posts[0] (id 1): title: too long: 201 characters, at most 200"},
		{"no text", func(d *dump.Dump) { d.Posts[1].Text = "" }, "posts[1] (id 20): text: required"},
		{"visit with a place", func(d *dump.Dump) { d.Posts[2].Place = "Hall" }, "posts[2] (id 21): place: only events"},
		{"event ends before it starts", func(d *dump.Dump) { d.Posts[0].EndsAt = ptr(d.Posts[0].StartsAt.Add(-time.Hour)) },
			"posts[0] (id 1): ends_at: "},
		{"translation in unknown language", func(d *dump.Dump) {
			d.Posts[0].Translations = map[store.Lang]store.PostText{"fr": {Title: "T", Text: "t"}}
		}, `posts[0] (id 1): translations.fr: unknown lang "fr"`},
		{"author beyond 52 bits", func(d *dump.Dump) { d.Posts[0].Author = 1 << 60 }, "posts[0] (id 1): author: invalid"},
		{"seed key twice among posts", func(d *dump.Dump) { d.Posts[3].SeedKey = d.Posts[2].SeedKey }, `posts[3] (id 22): seed key "lyon-visit-1990" used by two posts`},

		{"duplicate seed", func(d *dump.Dump) { d.Seeds = append(d.Seeds, d.Seeds[0]) }, `seeds[3] ("doomed"): key listed twice`},
		{"empty seed key", func(d *dump.Dump) { d.Seeds[0].Key = "" }, `seeds[0] (""): empty key`},
		{"seed post id 0", func(d *dump.Dump) { d.Seeds[0].PostID = 0 }, `seeds[0] ("doomed"): post_id must be positive`},
		{"seed points at another post", func(d *dump.Dump) { d.Seeds[2].PostID = 22 },
			`seeds[2] ("lyon-visit-1990"): post_id 22, but post 21 has this seed key`},

		{"user 0", func(d *dump.Dump) { d.Users[2].ID = 0 }, "users[2] (id 0): id must be positive"},
		{"user beyond 52 bits", func(d *dump.Dump) { d.Users[2].ID = math.MaxInt64 }, "users[2] (id 9223372036854775807): id 9223372036854775807 is beyond"},
		{"user an anonymous admin", func(d *dump.Dump) { d.Users[2].ID = store.AnonymousAdminID },
			"users[2] (id 1087968824): id 1087968824 is one of Telegram's service accounts"},
		{"user Telegram", func(d *dump.Dump) { d.Users[0].ID = store.TelegramServiceID },
			"users[0] (id 777000): id 777000 is one of Telegram's service accounts"},
		{"user twice", func(d *dump.Dump) { d.Users = append(d.Users, d.Users[0]) }, "users[3] (id 2): user listed twice"},
		{"username not Telegram's", func(d *dump.Dump) { d.Users[0].Username = "carol!" }, `users[0] (id 2): username "carol!" is not a Telegram username`},
		{"username too short", func(d *dump.Dump) { d.Users[0].Username = "abc" }, `users[0] (id 2): username "abc"`},
		{"two users with one username at once", func(d *dump.Dump) { d.Users[1].SeenAt = d.Users[0].SeenAt },
			`users[1] (id 3): username "carol" is also users[0] (id 2)'s, seen at the same time`},
		{"user seen in year 1", func(d *dump.Dump) { d.Users[0].SeenAt = time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC) }, "users[0] (id 2): seen_at 0001-01-01"},

		{"chat 0", func(d *dump.Dump) { d.Subscribers[3].ChatID = 0 }, "subscribers[3] (chat 0): chat id 0"},
		{"chat beyond 52 bits", func(d *dump.Dump) { d.Subscribers[0].ChatID = -1 << 53 }, "subscribers[0] (chat -9007199254740992): chat id -9007199254740992 is beyond"},
		{"duplicate chat", func(d *dump.Dump) { d.Subscribers = append(d.Subscribers, d.Subscribers[0]) }, "subscribers[4] (chat -1001234567890): chat listed twice"},
		{"private chat with a group's id", func(d *dump.Dump) { d.Subscribers[3].ChatID = -42 }, "subscribers[3] (chat -42): a private chat's id"},
		{"group with a user's id", func(d *dump.Dump) { d.Subscribers[0].ChatID = 99 }, "subscribers[0] (chat 99): a supergroup's chat id is negative"},
		{"channel", func(d *dump.Dump) { d.Subscribers[0].ChatType = "channel" }, `subscribers[0] (chat -1001234567890): chat_type: unknown chat type "channel"`},
		{"unknown language", func(d *dump.Dump) { d.Subscribers[1].Lang = "fr" }, `subscribers[1] (chat 7): lang: unknown language "fr"`},
		{"no language", func(d *dump.Dump) { d.Subscribers[1].Lang = "" }, `subscribers[1] (chat 7): lang: unknown language ""`},
		{"bad frequency", func(d *dump.Dump) { d.Subscribers[3].Frequency = "hourly" }, `subscribers[3] (chat 42): frequency: unknown frequency "hourly"`},
		{"bad time zone", func(d *dump.Dump) { d.Subscribers[3].TimeZone = "Mars/Olympus" }, `subscribers[3] (chat 42): timezone: unknown time zone "Mars/Olympus"`},
		{"bad quiet hours", func(d *dump.Dump) { d.Subscribers[3].Quiet = &store.QuietHours{From: 60, To: 60} }, `subscribers[3] (chat 42): quiet: from 60 to 60 minutes after midnight`},
		{"bad subscriber kind", func(d *dump.Dump) { d.Subscribers[3].Kinds = []store.Kind{"event", "x"} }, `subscribers[3] (chat 42): kinds: unknown kind "x"`},
		{"empty city", func(d *dump.Dump) { d.Subscribers[3].Cities = []string{"lyon", ""} }, "subscribers[3] (chat 42): cities[1]: empty"},
		{"created in year 3000", func(d *dump.Dump) { d.Subscribers[2].CreatedAt = y3000 }, "subscribers[2] (chat 8): created_at 3000-01-01T00:00:00Z"},

		{"audit without action", func(d *dump.Dump) { d.Audit[2].Action = "" }, "audit[2] (post 23): no action"},
		{"audit by Telegram", func(d *dump.Dump) { d.Audit[2].UserID = store.TelegramServiceID },
			"audit[2] (post 23): user_id 777000 is one of Telegram's service accounts"},
		{"audit action unknown", func(d *dump.Dump) { d.Audit[2].Action = "liked" }, `audit[2] (post 23): unknown action "liked"`},
		{"audit post 0", func(d *dump.Dump) { d.Audit[0].PostID = 0 }, "audit[0] (post 0): post_id must be positive"},
		{"audit user 0", func(d *dump.Dump) { d.Audit[0].UserID = 0 }, "audit[0] (post 1): user_id must be positive"},
		{"audit in year 3000", func(d *dump.Dump) { d.Audit[0].At = y3000 }, "audit[0] (post 1): at 3000-01-01T00:00:00Z"},

		{"cursor without time", func(d *dump.Dump) { d.DigestCursors[1].At = time.Time{} }, "digest_cursors[1] (chat 42): at: no time"},
		{"cursor in year 3000", func(d *dump.Dump) { d.DigestCursors[1].At = y3000 }, "digest_cursors[1] (chat 42): at 3000-01-01T00:00:00Z"},
		{"cursor chat 0", func(d *dump.Dump) { d.DigestCursors[1].ChatID = 0 }, "digest_cursors[1] (chat 0): chat id 0"},
		{"cursor chat twice", func(d *dump.Dump) { d.DigestCursors[1].ChatID = d.DigestCursors[0].ChatID }, "digest_cursors[1] (chat -1001234567890): chat listed twice"},

		{"many problems", func(d *dump.Dump) {
			for range 30 {
				d.Audit = append(d.Audit, store.AuditEntry{PostID: 1, UserID: 9})
			}
		}, "and 10 more problems"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := cloned(good)
			tc.change(&d)
			dst := openBolt(t)
			err := dump.Import(t.Context(), dst, d)
			if !errors.Is(err, dump.ErrInvalid) || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "nothing was imported") {
				t.Fatalf("Import = %v\nwant ErrInvalid mentioning %q and that nothing was imported", err, tc.want)
			}
			wantEmpty(t, dst)
		})
	}
}

// What the bot itself writes is accepted, however odd it looks.
func TestImportAcceptsWhatTheBotWrites(t *testing.T) {
	good := fixtureDump(t)
	tests := map[string]func(d *dump.Dump){
		// The fixture already has users 2 and 3 both named carol.
		"official renamed after the grant": func(d *dump.Dump) { d.Users[2].Username = "new_mayor" },
		"official granted by id, no user":  func(d *dump.Dump) { d.Users = d.Users[:2] },
		"unset times": func(d *dump.Dump) {
			d.Subscribers[1].CreatedAt, d.Users[0].SeenAt, d.Officials[0].GrantedAt = time.Time{}, time.Time{}, time.Time{}
		},
		"group chat": func(d *dump.Dump) { d.Subscribers[0].ChatType = "group" },
		"largest ids": func(d *dump.Dump) {
			d.LastPostID, d.Users[0].ID, d.Subscribers[3].ChatID = dump.MaxPostID, store.MaxTelegramID, store.MaxTelegramID
		},
		"collectible username": func(d *dump.Dump) { d.Users[0].Username = "Jack" },
		"no users' usernames":  func(d *dump.Dump) { d.Users[0].Username, d.Users[1].Username = "", "" },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			d := cloned(good)
			change(&d)
			if err := dump.Import(t.Context(), openBolt(t), d); err != nil {
				t.Errorf("Import = %v, want it accepted", err)
			}
		})
	}
}

// The forgeries found by probing, as files given to "partnerbot import".
func TestReadJSONRefusesForgedDump(t *testing.T) {
	good := string(validDump(t))
	for _, tc := range []struct{ name, old, new, want string }{
		{"owner", `"role": "editor"`, `"role": "owner"`, "owners come only from ADMIN_IDS"},
		{"post ids used up", `"last_post_id": 24`, `"last_post_id": 9223372036854775000`, "last_post_id: 9223372036854775000 is above"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forged := strings.Replace(good, tc.old, tc.new, 1)
			if forged == good {
				t.Fatalf("the dump has no %s", tc.old)
			}
			if _, err := dump.ReadJSON(strings.NewReader(forged)); !errors.Is(err, dump.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadJSON = %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}
