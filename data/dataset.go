package data

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/store"
)

// Limits of what only the dataset holds, in characters (runes). A post's
// limits are store's: store.MaxTitleLen, store.MaxTextLen, store.MaxPlaceLen.
const (
	maxNameLen        = 100 // city name, country, area
	maxDescriptionLen = 1000
	maxShortLen       = 50 // flag, partner_since
	maxLinkLen        = 500
)

var timezoneRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`)

func (p *parser) dataset(f *fileJSON) (*store.Dataset, error) {
	if f.Home == nil {
		return nil, p.fail("home", "required: the home city, the municipality that runs the bot")
	}
	ds := &store.Dataset{Partners: make([]store.City, len(f.Partners)), Posts: make([]store.Post, len(f.Posts))}
	slugs := make(map[string]string) // slug → the path of the city that has it
	var err error
	if ds.Home, err = p.city("home", f.Home, slugs); err != nil {
		return nil, err
	}
	if len(f.Partners) == 0 {
		return nil, p.fail("partners", "required: at least one partner city")
	}
	for i := range f.Partners {
		if ds.Partners[i], err = p.city(index("partners", i), &f.Partners[i], slugs); err != nil {
			return nil, err
		}
	}
	keys := make(map[string]string) // post key → the path of the post that has it
	for i := range f.Posts {
		if ds.Posts[i], err = p.post(index("posts", i), &f.Posts[i], ds, keys); err != nil {
			return nil, err
		}
	}
	if ds.Privacy, err = p.text("privacy", f.Privacy, MaxPrivacyLen, true); err != nil {
		return nil, err
	}
	return ds, nil
}

// city converts and checks a city: cities have no rules in store, so the
// loader is their one home. slugs maps the slugs seen so far to their
// cities' paths.
func (p *parser) city(path string, c *cityJSON, slugs map[string]string) (store.City, error) {
	out := store.City{Slug: c.Slug, Flag: c.Flag, TimeZone: c.TimeZone, PartnerSince: c.PartnerSince, Link: c.Link}
	at := func(field string) string { return key(path, field) }
	switch {
	case c.Slug == "":
		return out, p.fail(at("slug"), `required: a short lowercase identifier, like "krefeld"`)
	case len(c.Slug) > store.MaxSlugLen:
		return out, p.fail(at("slug"), "too long: %d characters, at most %d", len(c.Slug), store.MaxSlugLen)
	case !store.ValidSlug(c.Slug):
		return out, p.fail(at("slug"), `invalid slug %q; use lowercase latin letters a-z, digits and single hyphens, like "bad-homburg"`, c.Slug)
	case c.Slug == store.AllCities:
		return out, p.fail(at("slug"), `%q is reserved for posts about every partner city; choose another slug`, c.Slug)
	case slugs[c.Slug] != "":
		return out, p.fail(at("slug"), "slug %q is already used by %s; slugs must be unique", c.Slug, slugs[c.Slug])
	}
	slugs[c.Slug] = path
	if err := p.optional(at("flag"), c.Flag, maxShortLen); err != nil {
		return out, err
	}
	if strings.ContainsFunc(c.Flag, unicode.IsSpace) {
		return out, p.fail(at("flag"), `must be a flag emoji without spaces, like "🇩🇪"`)
	}
	var err error
	if out.Name, err = p.text(at("name"), c.Name, maxNameLen, false); err != nil {
		return out, err
	}
	if len(out.Name) == 0 {
		return out, p.fail(at("name"), `required: the city's name in at least one language, like {"uk": "Крефельд", "en": "Krefeld"}`)
	}
	if out.Country, err = p.text(at("country"), c.Country, maxNameLen, false); err != nil {
		return out, err
	}
	switch {
	case c.TimeZone == "":
		return out, p.fail(at("timezone"), `required: the city's IANA time zone, like "Europe/Berlin"`)
	case c.TimeZone == "Local" || len(c.TimeZone) > 64 || !timezoneRE.MatchString(c.TimeZone):
		return out, p.fail(at("timezone"), `invalid time zone %q; use an IANA time zone name, like "Europe/Berlin"`, c.TimeZone)
	}
	if out.Location, err = time.LoadLocation(c.TimeZone); err != nil {
		return out, p.fail(at("timezone"), `unknown time zone %q; use an IANA time zone name, like "Europe/Berlin"`, c.TimeZone)
	}
	if err := p.optional(at("partner_since"), c.PartnerSince, maxShortLen); err != nil {
		return out, err
	}
	langs, err := langKeys(p, at("areas"), c.Areas)
	if err != nil {
		return out, err
	}
	for _, l := range langs {
		for i, a := range c.Areas[l] {
			if err := p.checkString(index(key(at("areas"), l), i), a, maxNameLen, false); err != nil {
				return out, err
			}
		}
		if len(c.Areas[l]) > 0 {
			if out.Areas == nil {
				out.Areas = make(map[store.Lang][]string)
			}
			out.Areas[store.Lang(l)] = slices.Clone(c.Areas[l])
		}
	}
	if out.Description, err = p.text(at("description"), c.Description, maxDescriptionLen, true); err != nil {
		return out, err
	}
	if err := p.optional(at("link"), c.Link, maxLinkLen); err != nil {
		return out, err
	}
	if u, err := url.Parse(c.Link); c.Link != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") ||
		u.Host == "" || strings.ContainsFunc(c.Link, unicode.IsSpace)) {
		return out, p.fail(at("link"), `invalid link %q; use a full web address, like "https://www.krefeld.de"`, c.Link)
	}
	return out, nil
}

// langKeys returns m's keys in file order, after checking that each is a
// language the bot speaks. File order makes the first problem reported the
// first one in the file, whatever the map's order.
func langKeys[V any](p *parser, path string, m map[string]V) ([]string, error) {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Compare(p.pos[key(path, a)], p.pos[key(path, b)])
	})
	for _, k := range keys {
		if !slices.Contains(store.Langs(), store.Lang(k)) {
			return nil, p.fail(key(path, k), "%s", langMsg(k))
		}
	}
	return keys, nil
}

func langMsg(code string) string {
	hint := map[string]string{"ua": "Ukrainian is \"uk\"", "ger": "German is \"de\"", "deu": "German is \"de\"",
		"nld": "Dutch is \"nl\"", "dut": "Dutch is \"nl\"", "eng": "English is \"en\"", "gb": "English is \"en\""}[strings.ToLower(code)]
	if hint != "" {
		hint = " (" + hint + ")"
	}
	return fmt.Sprintf("unknown language %q%s; use one of %s", code, hint, list(store.Langs()))
}

func list[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

// text converts a text in several languages; nil when there is none.
func (p *parser) text(path string, m map[string]string, maxLen int, multiline bool) (store.Text, error) {
	langs, err := langKeys(p, path, m)
	if err != nil || len(langs) == 0 {
		return nil, err
	}
	t := make(store.Text, len(langs))
	for _, l := range langs {
		if err := p.checkString(key(path, l), m[l], maxLen, multiline); err != nil {
			return nil, err
		}
		t[store.Lang(l)] = m[l]
	}
	return t, nil
}

func (p *parser) optional(path, s string, maxLen int) error {
	if s == "" {
		return nil
	}
	return p.checkString(path, s, maxLen, false)
}

// checkString checks a city's text: not blank, not too long, plain.
func (p *parser) checkString(path, s string, maxLen int, multiline bool) error {
	msg := plain(s, multiline)
	switch n := utf8.RuneCountInString(s); {
	case strings.TrimSpace(s) == "":
		msg = "must not be empty"
	case n > maxLen:
		msg = fmt.Sprintf("too long: %d characters, at most %d", n, maxLen)
	}
	if msg != "" {
		return p.fail(path, "%s", msg)
	}
	return nil
}

// plain refuses what would break a message: a line break where the bot
// shows one line, and characters that are invisible or broken.
func plain(s string, multiline bool) string {
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\t'):
		case r == '\n':
			return "must be one line, without line breaks"
		case unicode.IsControl(r):
			return fmt.Sprintf("contains the control character %U; remove it", r)
		case r == utf8.RuneError:
			return "contains the replacement character U+FFFD (a broken character or escape); remove it"
		}
	}
	return ""
}
