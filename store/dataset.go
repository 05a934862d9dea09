package store

import (
	"slices"
	"strings"
)

// Dataset is one municipality's own data: the home city, its partner cities
// and the first posts. It is loaded once at start (package data) and does not
// change while the bot runs.
type Dataset struct {
	Home     City
	Partners []City
	Posts    []Post
	// Privacy is the municipality's privacy notice (/privacy), by
	// language; nil keeps the bot's own.
	Privacy Text
}

// Partner returns the partner city with the given slug.
func (d *Dataset) Partner(slug string) (City, bool) {
	i := slices.IndexFunc(d.Partners, func(c City) bool { return c.Slug == slug })
	if i < 0 {
		return City{}, false
	}
	return d.Partners[i], true
}

// FindPartner matches name against every partner's slug and its name in
// every language, ignoring case and surrounding space.
func (d *Dataset) FindPartner(name string) (City, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return City{}, false
	}
	for _, c := range d.Partners {
		if strings.EqualFold(c.Slug, name) {
			return c, true
		}
		for _, n := range c.Name {
			if strings.EqualFold(n, name) {
				return c, true
			}
		}
	}
	return City{}, false
}

// PartnerSlugs returns the partner slugs in dataset order.
func (d *Dataset) PartnerSlugs() []string {
	out := make([]string, len(d.Partners))
	for i, c := range d.Partners {
		out[i] = c.Slug
	}
	return out
}
