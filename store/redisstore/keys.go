package redisstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/store"
)

// DefaultPrefix starts every key the store writes, so the bot can share a
// Redis database with other applications. Its hash tag ("{partnerbot}")
// puts every key in one hash slot of a Redis Cluster, so the transactions
// and scripts that touch several keys work there (no CROSSSLOT). Cluster
// mode is supported so that the bot can run on a managed Redis that only
// offers a cluster, not to shard the bot's data, which is small: all of it
// lives on one shard.
const DefaultPrefix = "{partnerbot}:"

// legacyPrefix is the default prefix of layout versions up to 5, without a
// hash tag. Migrate moves a database written with it to DefaultPrefix.
const legacyPrefix = "partnerbot:"

// keys builds every key name the store uses; no other file concatenates
// key names, so the layout can be read (and changed) in one place.
//
// Layout, after the prefix:
//
//	sub:{chatID}          string  Subscriber as JSON
//	city:{slug}:subs      zset    active subscribers of the city; member and
//	                              score are the chat id, so ZRANGE returns
//	                              ascending ids and can be paged by score
//	posts:seq             string  last assigned post id (INCR)
//	post:{id}             string  Post as JSON
//	posts:bytime          zset    every post, score PublishedAt (unix ms)
//	posts:city:{slug}     zset    posts of one city (slug "all" = AllCities),
//	                              score PublishedAt (unix ms)
//	events:bystart        zset    events with StartsAt, score StartsAt (unix ms)
//	events:city:{slug}    zset    the same per city
//	posts:kind:{kind}     zset    posts of one kind, score PublishedAt (unix ms)
//	                              (these five list published posts only:
//	                              store.Post.Visible)
//	posts:status:{status} zset    posts not published, by status; score
//	                              store.Post.WaitingOrder (unix ms)
//	posts:due             zset    posts the planner has to act on; score
//	                              store.Post.DueAt (unix ms)
//	seed:{seedKey}        string  id of the post created from a dataset entry;
//	                              kept when the post is deleted, so seeding
//	                              again does not bring it back
//	official:{userID}     string  Official as JSON
//	officials             zset    user ids with a grant; member and score are
//	                              the id
//	user:{id}             string  User as JSON
//	username:{name}       string  id of the user who last had @name (lower
//	                              case, without the @)
//	draft:{userID}        string  Draft as JSON, expiring (PX)
//	audit:post:{id}       list    AuditEntry JSON of one post, newest first
//	audit:all             list    AuditEntry JSON of every post, newest
//	                              first, trimmed to the newest auditCap
//	layout                string  version of this layout (layoutVersion),
//	                              written by Migrate; version 6 moved the
//	                              keys from legacyPrefix ("partnerbot:") to
//	                              DefaultPrefix ("{partnerbot}:")
//
// Post members of the zsets are ids zero-padded to 19 digits (see
// postMember): Redis orders members with equal scores by their bytes, so
// padding makes ties come out in id order.
//
// Redis Cluster: the transactions touch several of these keys at once, so
// they must share a hash slot; a prefix must hold a hash tag, like
// DefaultPrefix "{partnerbot}:" (Migrate refuses a cluster otherwise, see
// hasHashTag). Two rules keep every multi-key command in that one slot:
//
//   - every key name is built here, from the prefix; nothing else
//     concatenates key names;
//   - a Lua script touches only the keys passed to it in KEYS: it never
//     builds a key name from ARGV, from a value it read or from another
//     key's name (Redis Cluster routes a script by its KEYS; a key it
//     did not declare may belong to another node, and Redis refuses it).
type keys struct {
	prefix string
}

func (k keys) subscriber(chatID int64) string {
	return k.prefix + "sub:" + strconv.FormatInt(chatID, 10)
}

func (k keys) citySubscribers(city string) string {
	return k.prefix + "city:" + city + ":subs"
}

func (k keys) postSeq() string { return k.prefix + "posts:seq" }

func (k keys) post(id int64) string { return k.prefix + "post:" + strconv.FormatInt(id, 10) }

func (k keys) postsByTime() string { return k.prefix + "posts:bytime" }

func (k keys) cityPosts(city string) string { return k.prefix + "posts:city:" + city }

func (k keys) eventsByStart() string { return k.prefix + "events:bystart" }

func (k keys) cityEvents(city string) string { return k.prefix + "events:city:" + city }

func (k keys) kindPosts(kind store.Kind) string { return k.prefix + "posts:kind:" + string(kind) }

func (k keys) statusPosts(status store.PostStatus) string {
	return k.prefix + "posts:status:" + string(status)
}

func (k keys) duePosts() string { return k.prefix + "posts:due" }

func (k keys) seed(seedKey string) string { return k.prefix + "seed:" + seedKey }

func (k keys) official(userID int64) string {
	return k.prefix + "official:" + strconv.FormatInt(userID, 10)
}

func (k keys) officials() string { return k.prefix + "officials" }

func (k keys) user(id int64) string { return k.prefix + "user:" + strconv.FormatInt(id, 10) }

// username takes a name already normalized by store.UsernameKey.
func (k keys) username(name string) string { return k.prefix + "username:" + name }

func (k keys) draft(userID int64) string { return k.prefix + "draft:" + strconv.FormatInt(userID, 10) }

func (k keys) postAudit(postID int64) string {
	return k.prefix + "audit:post:" + strconv.FormatInt(postID, 10)
}

func (k keys) audit() string { return k.prefix + "audit:all" }

func (k keys) layout() string { return k.prefix + "layout" }

// subscriberPattern is the SCAN pattern matching every subscriber key (and
// possibly keys of a longer prefix; parseSubscriberKey tells them apart).
func (k keys) subscriberPattern() string { return globEscape(k.prefix) + "sub:*" }

// parseSubscriberKey returns the chat id of a subscriber key; ok is false
// for any other key.
func (k keys) parseSubscriberKey(key string) (chatID int64, ok bool) {
	rest, found := strings.CutPrefix(key, k.prefix+"sub:")
	if !found {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && k.subscriber(id) == key
}

// globEscape quotes the characters SCAN's MATCH treats specially.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// subscriberMember is a chat's member in a city:{slug}:subs zset.
func subscriberMember(chatID int64) string { return strconv.FormatInt(chatID, 10) }

// officialMember is a user's member in the officials zset.
func officialMember(userID int64) string { return strconv.FormatInt(userID, 10) }

// postMember is a post's member in the post and event zsets. Ids are never
// negative (CreatePost rejects them), so 19 digits hold every int64.
func postMember(id int64) string { return fmt.Sprintf("%019d", id) }

// parseMember reads a subscriberMember, officialMember or postMember back.
func parseMember(m string) (int64, error) { return strconv.ParseInt(m, 10, 64) }

// pacing names the sending limiter's state (limiter.go): a bucket's
// theoretical arrival time in microseconds ("pacing:global", "pacing:chat:42"),
// a pause ("pacing:pause:all", "pacing:pause:chat:42") or the last flood
// mark ("pacing:flood:last"), each expiring (PX) once it no longer matters.
func (k keys) pacing(name string) string { return k.prefix + "pacing:" + name }

// Delivery keys (outbox*.go, locks.go, digests.go), after the prefix:
//
//	outbox                stream  messages to send, field "m" = OutboxMessage
//	                              JSON; consumer group outboxGroup ("senders");
//	                              entries are deleted when settled
//	outbox:personal       stream  the same for personal messages
//	                              (store.OutboxMessage.Personal), read before
//	                              outbox; its entries' message ids start with
//	                              personalID (layout 7)
//	outbox:delayed        zset    messages waiting for a retry, score due time
//	                              (unix ms), member a delayedNonceLen-char
//	                              nonce followed by OutboxMessage JSON; the
//	                              nonce of a personal message starts with
//	                              personalNonce, so promotion puts it back in
//	                              outbox:personal
//	outbox:dead           stream  dead letters, field "d" = DeadLetter JSON,
//	                              trimmed to about deadCap entries
//	outbox:dead:count     string  dead letters ever buried (INCR)
//	once:{key}            string  flag of EnqueueOnce and MarkOnce, expiring
//	digest:cursor:{chat}  string  slot of the chat's last planned digest
//	                              (unix ms)
//	lock:{name}           string  owner of a lease, expiring (PX)
//	run:{key}             string  DigestRun as JSON
//	runs:bystart          zset    run keys, score StartedAt (unix ms)
//	subs:active           zset    active subscribers; member and score are
//	                              the chat id (like city:{slug}:subs)
//	subs:inactive         zset    inactive subscribers, likewise: what
//	                              retention reads instead of every record
//	zone:{name}:subs      zset    active subscribers whose TimeZone is name
//	                              ("zone::subs" for the home zone), like
//	                              subs:active
//	zones                 set     every zone name ever indexed; a name whose
//	                              zset is empty is in use by nobody
//	digest:day:{chat}     string  the day of the chat's last digest
//	                              (store.DigestDay), set with its cursor

func (k keys) outbox() string { return k.prefix + "outbox" }

func (k keys) outboxPersonal() string { return k.prefix + "outbox:personal" }

func (k keys) outboxDelayed() string { return k.prefix + "outbox:delayed" }

func (k keys) outboxDead() string { return k.prefix + "outbox:dead" }

func (k keys) outboxDeadCount() string { return k.prefix + "outbox:dead:count" }

func (k keys) once(key string) string { return k.prefix + "once:" + key }

func (k keys) digestCursor(chatID int64) string {
	return k.prefix + "digest:cursor:" + strconv.FormatInt(chatID, 10)
}

func (k keys) lock(name string) string { return k.prefix + "lock:" + name }

func (k keys) run(key string) string { return k.prefix + "run:" + key }

func (k keys) runsByStart() string { return k.prefix + "runs:bystart" }

func (k keys) activeSubscribers() string { return k.prefix + "subs:active" }

func (k keys) inactiveSubscribers() string { return k.prefix + "subs:inactive" }

func (k keys) zoneSubscribers(zone string) string { return k.prefix + "zone:" + zone + ":subs" }

func (k keys) zones() string { return k.prefix + "zones" }

func (k keys) digestDay(chatID int64) string {
	return k.prefix + "digest:day:" + strconv.FormatInt(chatID, 10)
}

// runCounts is a hash of a run's settled messages (fields "sent" and
// "failed"), kept apart from run:{key} so SaveRun cannot overwrite them:
//
//	runcounts:{key}       hash    sent, failed (HINCRBY)
func (k keys) runCounts(key string) string { return k.prefix + "runcounts:" + key }

// Keys of changes made once (changes.go), after the prefix:
//
//	cause:{cause}         string  id of the post a keyed change concerned,
//	                              expiring after store.CauseTTL
//	memo:{key}            string  a memo's value, expiring (PX)

func (k keys) cause(cause string) string { return k.prefix + "cause:" + cause }

func (k keys) memo(key string) string { return k.prefix + "memo:" + key }

// Keys of the media cache (media.go), after the prefix:
//
//	media:{uniqueID}      hash    a downloaded photo: field "type" its
//	                              content type, "data" its bytes; expiring
//	                              (PX) after mediaTTL, so photos no post
//	                              shows any more leave Redis's memory
//	mediakeys             zset    the unique ids of the media hashes, score
//	                              when each expires (unix ms), so PruneMedia
//	                              lists them without scanning the keyspace
//	                              (media hashes written before it existed
//	                              are not in it: they just expire)

func (k keys) media(uniqueID string) string { return k.prefix + "media:" + uniqueID }

// mediaIndex is not of the form media:{uniqueID}, so no unique id can name
// it.
func (k keys) mediaIndex() string { return k.prefix + "mediakeys" }

// Keys of event sign-ups (rsvps.go), after the prefix:
//
//	rsvp:{eventID}         string  store.RSVPList as JSON (absent: nobody)
//	rsvp:{eventID}:counts  string  its store.Turnout counts as JSON, so lists
//	                               of events read a few bytes per event
//	rsvps:user:{userID}    set     ids of the events a person is on the list of
//
// A cause of a sign-up is a cause:{cause} key too, with "rsvp:" before the
// update's cause, so it can never be mistaken for a post change's.

func (k keys) rsvp(eventID int64) string { return k.prefix + "rsvp:" + strconv.FormatInt(eventID, 10) }

func (k keys) rsvpCounts(eventID int64) string {
	return k.prefix + "rsvp:" + strconv.FormatInt(eventID, 10) + ":counts"
}

func (k keys) userRSVPs(userID int64) string {
	return k.prefix + "rsvps:user:" + strconv.FormatInt(userID, 10)
}

// Keys of the partnership office (office.go), after the prefix:
//
//	office:conv:{resident}        string  Conversation as JSON
//	office:topic:{office}:{topic} string  resident whose conversation is in
//	                                      the topic of the office forum
//	office:open                   set     residents with an open conversation
//	office:waiting                set     residents waiting for an answer
//	office:answered               zset    residents whose conversation got a
//	                                      first answer; score its time (ms)

func (k keys) conversation(resident int64) string {
	return k.prefix + "office:conv:" + strconv.FormatInt(resident, 10)
}

func (k keys) officeTopic(office int64, topic int) string {
	return k.prefix + "office:topic:" + strconv.FormatInt(office, 10) + ":" + strconv.Itoa(topic)
}

func (k keys) officeOpen() string { return k.prefix + "office:open" }

func (k keys) officeWaiting() string { return k.prefix + "office:waiting" }

func (k keys) officeAnswered() string { return k.prefix + "office:answered" }

// hasHashTag reports whether every key under prefix hashes by a tag inside
// prefix: the prefix holds a "{" followed, later in the prefix, by a "}"
// with at least one character between them. Redis hashes a key by the
// part between its first "{" and the first "}" after it, so such a prefix
// puts all the store's keys in one slot, whatever follows it.
func hasHashTag(prefix string) bool {
	open := strings.IndexByte(prefix, '{')
	if open < 0 {
		return false
	}
	closing := strings.IndexByte(prefix[open+1:], '}')
	return closing > 0
}
