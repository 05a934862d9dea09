package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// Bucket names. Every concern has its own top-level bucket; values are JSON
// unless noted. keys.go is the one place that builds keys, so the file
// layout can be read (and changed) here.
//
// Layout (i64 = 8-byte signed key, see i64; str = length-prefixed string,
// see appendStr; ms = unix milliseconds as i64):
//
//	subs              i64(chatID)                  Subscriber
//	subs_active       i64(chatID)                  empty: active chats
//	subs_inactive     i64(chatID)                  empty: inactive chats
//	city_subs         str(city) i64(chatID)        empty: active chats of a city
//	zone_subs         str(zone) i64(chatID)        empty: active chats by
//	                                               Subscriber.TimeZone ("" for
//	                                               the home zone)
//	zone_counts       str(zone)                    u64: active chats of the zone
//	posts             i64(id)                      Post; the bucket's sequence
//	                                               is the last assigned post id
//	posts_by_time     ms(PublishedAt) i64(id)      empty
//	posts_by_city     str(city) ms(Pub) i64(id)    empty (city "all" = AllCities)
//	posts_by_kind     str(kind) ms(Pub) i64(id)    empty
//	events_by_start   ms(StartsAt) i64(id)         empty: events with StartsAt
//	events_by_city    str(city) ms(Start) i64(id)  empty
//	                                               (these five list published
//	                                               posts only: Post.Visible)
//	posts_by_status   str(status) ms(o) i64(id)    empty: posts not published,
//	                                               o = Post.WaitingOrder
//	posts_due         ms(Post.DueAt) i64(id)       empty: posts the planner
//	                                               has to act on
//	seeds             seed key                     i64(post id); kept when the
//	                                               post is deleted
//	officials         i64(userID)                  Official
//	users             i64(id)                      User
//	usernames         lower-case name without @    i64(user id)
//	drafts            i64(userID)                  draftRecord (draft + expiry)
//	audit             u64(seq)                     AuditEntry, every post; the
//	                                               newest auditCap are kept
//	audit_by_post     i64(postID) u64(seq)         AuditEntry of one post
//	outbox_ready      u64(seq)                     readyRecord; seq from the
//	                                               bucket's sequence, so the
//	                                               order is the enqueue order
//	outbox_personal   u64(seq)                     readyRecord of a personal
//	                                               message, claimed before
//	                                               outbox_ready; seq from
//	                                               outbox_ready's sequence, so
//	                                               seq is unique in both
//	outbox_pending    u64(seq)                     pendingRecord (consumer,
//	                                               claim time, message)
//	outbox_claims     ns(claimed) u64(seq)         empty: pending by claim time
//	outbox_personal_claims  the same, of pending personal messages
//	outbox_delayed    ms(due) u64(n)               OutboxMessage
//	outbox_dead       u64(seq)                     DeadLetter, newest deadCap
//	once              key                          i64(expiry, unix ns; 0 = never)
//	once_by_expiry    i64(expiry ns) key           empty: flags that expire
//	memos             "m/" key or "c/" cause       i64(expiry ns) + value: memos
//	                                               and the causes of keyed post
//	                                               changes (value: i64 post id)
//	memos_by_expiry   i64(expiry ns) key           empty: memos by expiry
//	digest_cursors    i64(chatID)                  i64(ms)
//	digest_days       i64(chatID)                  the day of the chat's last
//	                                               digest (store.DigestDay)
//	locks             name                         lockRecord (owner, expiry)
//	runs              run key                      DigestRun
//	runs_by_start     ms(StartedAt) run key        empty
//	run_counts        run key                      runCounts (sent, failed)
//	rsvps             i64(eventID)                 RSVPList: an event's sign-ups
//	rsvps_by_user     i64(userID) i64(eventID)     empty: the lists a person is on
//	office_convs      i64(resident)                Conversation
//	office_topics     i64(office) i64(topic)       i64(resident): whose topic it is
//	office_open       i64(resident)                empty: open conversations
//	office_waiting    i64(resident)                empty: waiting for an answer
//	office_answered   i64(resident)                i64(first answer time, ms)
//	meta              "layout"                     u64 layout version
//	                  "dead_count"                 u64 dead letters ever buried
var (
	bucketSubs          = []byte("subs")
	bucketActive        = []byte("subs_active")
	bucketInactive      = []byte("subs_inactive")
	bucketCitySubs      = []byte("city_subs")
	bucketZoneSubs      = []byte("zone_subs")
	bucketZoneCounts    = []byte("zone_counts")
	bucketDigestDays    = []byte("digest_days")
	bucketPosts         = []byte("posts")
	bucketPostsByTime   = []byte("posts_by_time")
	bucketPostsByCity   = []byte("posts_by_city")
	bucketPostsByKind   = []byte("posts_by_kind")
	bucketEventsByStart = []byte("events_by_start")
	bucketEventsByCity  = []byte("events_by_city")
	bucketSeeds         = []byte("seeds")
	bucketPostsByStatus = []byte("posts_by_status")
	bucketPostsDue      = []byte("posts_due")
	bucketOfficials     = []byte("officials")
	bucketUsers         = []byte("users")
	bucketUsernames     = []byte("usernames")
	bucketDrafts        = []byte("drafts")
	bucketAudit         = []byte("audit")
	bucketAuditByPost   = []byte("audit_by_post")
	bucketReady         = []byte("outbox_ready")
	bucketPending       = []byte("outbox_pending")
	bucketClaims        = []byte("outbox_claims")
	bucketPersonal      = []byte("outbox_personal")
	bucketPersonalClaim = []byte("outbox_personal_claims")
	bucketDelayed       = []byte("outbox_delayed")
	bucketDead          = []byte("outbox_dead")
	bucketOnce          = []byte("once")
	bucketOnceByExpiry  = []byte("once_by_expiry")
	bucketCursors       = []byte("digest_cursors")
	bucketLocks         = []byte("locks")
	bucketRuns          = []byte("runs")
	bucketRunsByStart   = []byte("runs_by_start")
	bucketRunCounts     = []byte("run_counts")
	bucketMeta          = []byte("meta")
	bucketMemos         = []byte("memos")
	bucketMemosByExpiry = []byte("memos_by_expiry")
	bucketRSVPs         = []byte("rsvps")
	bucketRSVPsByUser   = []byte("rsvps_by_user")
	bucketConversations = []byte("office_convs")
	bucketOfficeTopics  = []byte("office_topics")
	bucketOfficeOpen    = []byte("office_open")
	bucketOfficeWaiting = []byte("office_waiting")
	bucketOfficeAnswers = []byte("office_answered")

	allBuckets = [][]byte{
		bucketSubs, bucketActive, bucketInactive, bucketCitySubs, bucketZoneSubs, bucketZoneCounts, bucketDigestDays,
		bucketPosts, bucketPostsByTime, bucketPostsByCity, bucketPostsByKind,
		bucketEventsByStart, bucketEventsByCity, bucketSeeds,
		bucketPostsByStatus, bucketPostsDue,
		bucketOfficials, bucketUsers, bucketUsernames, bucketDrafts,
		bucketAudit, bucketAuditByPost,
		bucketReady, bucketPending, bucketClaims, bucketDelayed, bucketDead, bucketPersonal, bucketPersonalClaim,
		bucketOnce, bucketOnceByExpiry, bucketCursors, bucketLocks,
		bucketRuns, bucketRunsByStart, bucketRunCounts, bucketMeta,
		bucketMemos, bucketMemosByExpiry, bucketRSVPs, bucketRSVPsByUser,
		bucketConversations, bucketOfficeTopics, bucketOfficeOpen, bucketOfficeWaiting, bucketOfficeAnswers,
	}

	metaLayout    = []byte("layout")
	metaDeadCount = []byte("dead_count")
)

// layoutVersion is the version of the layout above, stored in meta by
// Open; a file written by a newer layout is refused rather than misread,
// an older one is brought up to date (initFile). Version 1 lacked
// subs_inactive, version 2 the zone index, version 3 the personal queue
// (outbox_personal, outbox_personal_claims): Open makes the two buckets
// empty and needs nothing else, but a release of version 3 would never
// claim what waits in them, so it is refused a file of version 4.
const layoutVersion = 4

// i64 encodes v so that byte order is numeric order: big-endian with the
// sign bit flipped, so negative ids (groups) sort before positive ones.
func i64(v int64) []byte { return appendI64(make([]byte, 0, 8), v) }

func appendI64(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v)^(1<<63))
}

// decodeI64 reads an i64 key (or the first 8 bytes of a composite key).
func decodeI64(b []byte) (int64, error) {
	if len(b) < 8 {
		return 0, fmt.Errorf("key %x: want at least 8 bytes", b)
	}
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)), nil
}

// u64 encodes a sequence number big-endian, so byte order is numeric order.
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v) }

func decodeU64(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("key %x: want 8 bytes", b)
	}
	return binary.BigEndian.Uint64(b), nil
}

// appendStr appends s with its length in front, so a composite key splits
// unambiguously and a prefix scan over one value ("lyon") never runs into
// a longer one ("lyons").
func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// strPrefix is the prefix of every composite key starting with str(s).
func strPrefix(s string) []byte { return appendStr(nil, s) }

// ms is the index form of a time: unix milliseconds, like redisstore's
// scores, so both backends order and tie alike.
func ms(t time.Time) int64 { return t.UnixMilli() }

// minMS is the lowest millisecond index value at or after t: t rounded up
// to a whole millisecond.
func minMS(t time.Time) int64 {
	m := t.UnixMilli()
	if t.After(time.UnixMilli(m)) {
		m++
	}
	return m
}

// timeIDKey is an index key ms(t) i64(id) after prefix.
func timeIDKey(prefix []byte, t int64, id int64) []byte {
	b := make([]byte, 0, len(prefix)+16)
	b = append(b, prefix...)
	b = appendI64(b, t)
	return appendI64(b, id)
}

// cityIDKey is a city_subs key.
func cityIDKey(city string, chatID int64) []byte {
	return appendI64(appendStr(nil, city), chatID)
}

// zoneIDKey is a zone_subs key.
func zoneIDKey(zone string, chatID int64) []byte {
	return appendI64(appendStr(nil, zone), chatID)
}

// cityTimeKey is a posts_by_city or events_by_city key.
func cityTimeKey(city string, t, id int64) []byte { return timeIDKey(strPrefix(city), t, id) }

// kindTimeKey is a posts_by_kind key.
func kindTimeKey(kind string, t, id int64) []byte { return timeIDKey(strPrefix(kind), t, id) }

// topicKey is an office_topics key.
func topicKey(office int64, topic int) []byte { return appendI64(i64(office), int64(topic)) }

// postAuditKey is an audit_by_post key.
func postAuditKey(postID int64, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(i64(postID), seq)
}

// claimKey is an outbox_claims key: claim time (unix ns) then sequence.
func claimKey(claimedNS int64, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(i64(claimedNS), seq)
}

// delayedKey is an outbox_delayed key: due time (unix ms) then a
// sequence number that keeps equal messages apart.
func delayedKey(dueMS int64, n uint64) []byte {
	return binary.BigEndian.AppendUint64(i64(dueMS), n)
}

// userEventKey is an rsvps_by_user key.
func userEventKey(userID, eventID int64) []byte { return appendI64(i64(userID), eventID) }

// memoKey and causeKey are memos keys; the prefixes keep the two apart.
func memoKey(key string) []byte    { return []byte("m/" + key) }
func causeKey(cause string) []byte { return []byte("c/" + cause) }

// expiryKey is a once_by_expiry or memos_by_expiry key.
func expiryKey(expiresNS int64, key string) []byte {
	return append(i64(expiresNS), key...)
}

// runStartKey is a runs_by_start key.
func runStartKey(startedMS int64, key string) []byte {
	return append(i64(startedMS), key...)
}

// hasPrefix is bytes.HasPrefix, named for cursor loops.
func hasPrefix(k, prefix []byte) bool { return k != nil && bytes.HasPrefix(k, prefix) }

// messageID is the outbox id of the entry with sequence seq: its decimal
// form, opaque to callers.
func messageID(seq uint64) string { return strconv.FormatUint(seq, 10) }
