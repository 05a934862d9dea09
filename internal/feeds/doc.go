// Package feeds renders posts as an iCalendar file (RFC 5545) of upcoming
// events and as an Atom feed (RFC 4287) of posts, for calendar apps and feed
// readers that cannot talk to a Telegram bot.
//
// Everything here is a pure function of its arguments, the clock included
// (Calendar.Now, Feed.Updated): the HTTP side lives elsewhere, and the same
// input always gives the same bytes, so clients that compare bodies or
// ETags do not see spurious changes.
//
// Identifiers are derived only from a post's id and the configured host,
// never from its title or time, so that editing a post updates the entry or
// event in place in every client instead of duplicating it.
package feeds

import (
	"errors"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/store"
)

// ErrHost is returned when the Host of a Calendar or Feed is empty or is not
// a DNS-style name. Host goes into every UID and tag: URI, and those must be
// stable and globally unique, so a missing or malformed host is a
// configuration error rather than something to paper over.
var ErrHost = errors.New("feeds: host must be a non-empty DNS name (letters, digits, '-', '.')")

// checkHost reports whether host can be used as the authority of a tag: URI
// (RFC 4151) and the right-hand side of a UID.
func checkHost(host string) error {
	if host == "" {
		return ErrHost
	}
	for _, c := range []byte(host) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
		if !ok {
			return ErrHost
		}
	}
	return nil
}

// postLang returns the language that p.In(l) actually answers in: l when the
// post has a usable translation, the post's own language otherwise. It
// mirrors store.Post.In so that a fallback text is not labelled as l.
func postLang(p store.Post, l store.Lang) store.Lang {
	if t, ok := p.Translations[l]; ok && t.Title != "" {
		return l
	}
	return p.Lang
}

// cityName returns the name in l of the city a post is about: a partner or
// the home city. It is empty for AllCities, unknown slugs or a nil dataset,
// because there is no single place to name then.
func cityName(d *store.Dataset, slug string, l store.Lang) string {
	if d == nil || slug == "" || slug == store.AllCities {
		return ""
	}
	if c, ok := d.Partner(slug); ok {
		return c.Name.In(l)
	}
	if d.Home.Slug == slug {
		return d.Home.Name.In(l)
	}
	return ""
}

// postKey is the host-independent part of every identifier of a post.
func postKey(p store.Post) string { return "post-" + strconv.FormatInt(p.ID, 10) }

// location joins an event's place and its city's name. The city is left out
// when the place already names it ("Rathaus Krefeld"), to avoid
// "Rathaus Krefeld, Krefeld".
func location(place, city string) string {
	place = strings.TrimSpace(place)
	switch {
	case city == "":
		return place
	case place == "":
		return city
	case strings.Contains(strings.ToLower(place), strings.ToLower(city)):
		return place
	}
	return place + ", " + city
}
