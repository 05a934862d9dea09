package store

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// DigestPostLimit is how many of the latest posts of each city (and of
// all cities) a digest considers. A digest covers at most a week, far fewer
// posts than this; the planner and /digest_preview use the same number.
const DigestPostLimit = 200

// Period is how far a first digest looks back: a day, or a week.
func (f Frequency) Period() time.Duration {
	if f == FreqWeekly {
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

// DigestSince is where a chat's digest for the slot starts: after its
// last digest, or one period back for a chat that never had one.
func DigestSince(f Frequency, last time.Time, hadOne bool, slot time.Time) time.Time {
	if hadOne {
		return last
	}
	return slot.Add(-f.Period())
}

// Matches reports whether p is about one of the subscriber's cities (or
// all cities) and of a kind they follow.
func (s Subscriber) Matches(p Post) bool {
	return (p.City == AllCities || s.Follows(p.City)) && s.Wants(p.Kind)
}

// InDigest reports whether p belongs in the subscriber's digest of the
// window (since, until]: a post at exactly since was in the previous
// digest, one at exactly until is in this one, so a post published at a
// slot boundary is in exactly one digest. Announcements never are: they
// were pushed when published; nor are posts residents may not see yet.
func (s Subscriber) InDigest(p Post, since, until time.Time) bool {
	return p.Visible() && p.Kind != KindAnnouncement && s.Matches(p) &&
		p.PublishedAt.After(since) && !p.PublishedAt.After(until)
}

// SelectDigest picks the posts of the subscriber's digest for (since,
// until] from candidates (in any order, possibly listed twice), each once.
func SelectDigest(s Subscriber, candidates []Post, since, until time.Time) []Post {
	var out []Post
	seen := map[int64]bool{}
	for _, p := range candidates {
		if seen[p.ID] || !s.InDigest(p, since, until) {
			continue
		}
		seen[p.ID] = true
		out = append(out, p)
	}
	return out
}

// DisplayTitle is what lists and feeds show as the post's heading in
// language l: its title, or for an announcement without one the first
// line of its text, shortened.
func (p Post) DisplayTitle(l Lang) string {
	t := p.In(l)
	if strings.TrimSpace(t.Title) != "" {
		return t.Title
	}
	first, _, _ := strings.Cut(strings.TrimSpace(t.Text), "\n")
	return shorten(strings.TrimSpace(first), 80)
}

// shorten cuts s to at most n characters, ending with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// NewestFirst sorts posts by publication time, newest first.
func NewestFirst(posts []Post) {
	slices.SortFunc(posts, func(a, b Post) int { return b.PublishedAt.Compare(a.PublishedAt) })
}

// ListedCities are the cities whose posts a listing for city shows: a city
// and all cities (a post for all cities concerns every partner); only all
// cities for AllCities; nil, meaning every post, for "".
func ListedCities(city string) []string {
	switch city {
	case "":
		return nil
	case AllCities:
		return []string{AllCities}
	}
	return []string{city, AllCities}
}

// IsDatedEvent reports whether p is an event with a start time: only those
// can be upcoming, reminded of and put in a calendar.
func (p Post) IsDatedEvent() bool { return p.Kind == KindEvent && p.StartsAt != nil }

// GetsDigest reports whether the subscriber gets digests of frequency f:
// they reach the chat, chose f, and follow a city.
func (s Subscriber) GetsDigest(f Frequency) bool {
	return s.Active && s.Frequency == f && len(s.Cities) > 0
}

// Count adds one chat's record to the figures: every record counts in
// Total, PerLang and PerFreq; only active ones in PerCity, each city once.
func (st *SubscriberStats) Count(s Subscriber) {
	if st.PerCity == nil {
		st.PerCity, st.PerLang, st.PerFreq = map[string]int{}, map[Lang]int{}, map[Frequency]int{}
	}
	st.Total++
	if s.TopicLost {
		st.TopicLost++
	}
	st.PerLang[s.Lang]++
	st.PerFreq[s.Frequency]++
	if !s.Active {
		st.Inactive++
		return
	}
	st.Active++
	for i, city := range s.Cities {
		if slices.Index(s.Cities, city) == i {
			st.PerCity[city]++
		}
	}
}
