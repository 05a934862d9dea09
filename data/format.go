package data

import "reflect"

// The file as JSON. The scan checks the file against these types, so they
// are the one list of fields. Maps keyed by language are keyed by string so
// that a wrong code is reported rather than lost.
type fileJSON struct {
	Home     *cityJSON  `json:"home"`
	Partners []cityJSON `json:"partners"`
	Posts    []postJSON `json:"posts"`
	// Privacy is the privacy notice /privacy shows, by language.
	Privacy map[string]string `json:"privacy"`
}

type cityJSON struct {
	Slug         string              `json:"slug"`
	Flag         string              `json:"flag"`
	Name         map[string]string   `json:"name"`
	Country      map[string]string   `json:"country"`
	TimeZone     string              `json:"timezone"`
	PartnerSince string              `json:"partner_since"`
	Areas        map[string][]string `json:"areas"`
	Description  map[string]string   `json:"description"`
	Link         string              `json:"link"`
}

type postJSON struct {
	Key          string                  `json:"key"`
	Kind         string                  `json:"kind"`
	City         string                  `json:"city"`
	Date         string                  `json:"date"`
	Lang         string                  `json:"lang"`
	Title        string                  `json:"title"`
	Text         string                  `json:"text"`
	Translations map[string]postTextJSON `json:"translations"`
	StartsAt     string                  `json:"starts_at"`
	EndsAt       string                  `json:"ends_at"`
	Place        string                  `json:"place"`
}

type postTextJSON struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// what names each type of the file in "must be ..." messages: the Go type
// would mean nothing to the person editing the file.
var what = map[reflect.Type]string{
	reflect.TypeFor[fileJSON]():                `one JSON object {"home": ..., "partners": [...], "posts": [...]}`,
	reflect.TypeFor[cityJSON]():                "a city object {...}",
	reflect.TypeFor[[]cityJSON]():              "a list of city objects [{...}, ...]",
	reflect.TypeFor[postJSON]():                "a post object {...}",
	reflect.TypeFor[[]postJSON]():              "a list of post objects [{...}, ...]",
	reflect.TypeFor[postTextJSON]():            `an object like {"title": "...", "text": "..."}`,
	reflect.TypeFor[map[string]postTextJSON](): `an object of translations by language, like {"en": {"title": "...", "text": "..."}}`,
	reflect.TypeFor[map[string]string]():       `an object of texts by language, like {"uk": "...", "en": "..."}`,
	reflect.TypeFor[map[string][]string]():     `an object of lists by language, like {"uk": ["..."], "en": ["..."]}`,
	reflect.TypeFor[[]string]():                `a list of strings, like ["...", "..."]`,
	reflect.TypeFor[string]():                  "a string",
}
