package redisstore

import (
	"fmt"
	"strconv"
)

// DefaultPrefix starts every key the store writes, so the bot can share a
// Redis database with other applications.
const DefaultPrefix = "partnerbot:"

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
//	seed:{seedKey}        string  id of the post created from a dataset entry
//
// Post members of the zsets are ids zero-padded to 19 digits (see
// postMember): Redis orders members with equal scores by their bytes, so
// padding makes ties come out in id order.
//
// Redis Cluster: the transactions touch several of these keys at once, so
// they must share a hash slot; use a prefix with a hash tag such as
// "{partnerbot}:".
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

func (k keys) seed(seedKey string) string { return k.prefix + "seed:" + seedKey }

// subscriberMember is a chat's member in a city:{slug}:subs zset.
func subscriberMember(chatID int64) string { return strconv.FormatInt(chatID, 10) }

// postMember is a post's member in the post and event zsets. Ids are never
// negative (CreatePost rejects them), so 19 digits hold every int64.
func postMember(id int64) string { return fmt.Sprintf("%019d", id) }

// parseMember reads a subscriberMember or postMember back.
func parseMember(m string) (int64, error) { return strconv.ParseInt(m, 10, 64) }
