package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/store"
)

// Limits on the lengths of texts, counted in characters (runes).
const (
	MaxTitleLen       = 200  // post title
	MaxTextLen        = 3000 // post text
	MaxNameLen        = 100  // city name, country, area
	MaxDescriptionLen = 1000 // city description
	MaxSlugLen        = 32
	MaxKeyLen         = 100 // post key
	MaxPlaceLen       = 200
	maxShortLen       = 50 // flag, partner_since
	maxLinkLen        = 500
)

// Layouts of the date and time fields.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02 15:04"
)

// Error is a data file the bot refuses. Its message names the file and
// either the field (Path) or the place (Line, Column) at fault, or both:
//
//	data file "x.json": line 12, column 5: invalid character '}' looking for beginning of object key string
//	data file "x.json": partners[1].timezone: unknown time zone "Europe/Krefeld" (line 40, column 19)
type Error struct {
	File string // the name given to Parse, the path given to Load
	// Path is the field at fault, e.g. "partners[1].timezone"; empty for
	// syntax errors and for errors about the file as a whole.
	Path string
	// Line and Column locate the error, counted from 1 (the column in
	// characters); both are 0 when unknown.
	Line, Column int
	Msg          string
	Err          error // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data file %q: ", e.File)
	switch {
	case e.Path != "":
		b.WriteString(e.Path + ": " + e.Msg)
		if e.Line > 0 {
			fmt.Fprintf(&b, " (line %d, column %d)", e.Line, e.Column)
		}
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d, column %d: %s", e.Line, e.Column, e.Msg)
	default:
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// The file as JSON. Maps keyed by language are map[string] so that unknown
// keys are reported by validation rather than lost.
type fileJSON struct {
	Home     *cityJSON  `json:"home"`
	Partners []cityJSON `json:"partners"`
	Posts    []postJSON `json:"posts"`
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

// Parse parses a data file's contents; name is the file name errors report.
// It returns the dataset, or one *Error describing the first problem found.
func Parse(name string, b []byte) (*store.Dataset, error) {
	p := &parser{name: name, b: bytes.TrimPrefix(b, []byte("\uFEFF"))}
	ds, err := p.parse()
	if err != nil {
		return nil, err
	}
	return ds, nil
}

type parser struct {
	name string
	b    []byte
	// pos maps a field path ("" is the top level) to the offset where its
	// value starts.
	pos map[string]int
}

func (p *parser) parse() (*store.Dataset, error) {
	if len(bytes.Trim(p.b, " \t\r\n")) == 0 {
		return nil, &Error{File: p.name, Msg: "the file is empty; it must contain one JSON object"}
	}
	if !utf8.Valid(p.b) {
		off := 0
		for off < len(p.b) {
			r, n := utf8.DecodeRune(p.b[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return nil, p.errAt(off, fmt.Sprintf("invalid UTF-8 (byte 0x%02x); save the file in the UTF-8 encoding", p.b[off]))
	}
	// Syntax, including trailing data after the object.
	var raw json.RawMessage
	if err := json.Unmarshal(p.b, &raw); err != nil {
		return nil, p.jsonErr(err)
	}
	// Structure: field names, types, duplicates; records positions.
	p.pos = make(map[string]int)
	if err := p.walk(); err != nil {
		return nil, err
	}
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(p.b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		// walk has checked what Decode checks; this is a safety net.
		return nil, p.jsonErr(err)
	}
	return p.dataset(&f)
}

// jsonErr converts an error from encoding/json.
func (p *parser) jsonErr(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		msg := se.Error()
		if strings.HasPrefix(msg, "unexpected end of JSON input") {
			end := len(bytes.TrimRight(p.b, " \t\r\n"))
			e := p.errAt(end, msg+" (is a closing } or ] or \" missing?)")
			e.Err = err
			return e
		}
		e := p.errAt(int(se.Offset)-1, msg)
		e.Err = err
		return e
	case errors.As(err, &te):
		e := p.errAt(int(te.Offset), fmt.Sprintf("%s must not be a JSON %s", te.Field, te.Value))
		e.Err = err
		return e
	}
	return &Error{File: p.name, Msg: err.Error(), Err: err}
}

// errAt returns an error located at byte offset off.
func (p *parser) errAt(off int, msg string) *Error {
	line, col := p.lineCol(off)
	return &Error{File: p.name, Line: line, Column: col, Msg: msg}
}

// fail returns a validation error about the field at path, located at the
// field, or at the nearest enclosing field the file has.
func (p *parser) fail(path, format string, args ...any) *Error {
	e := &Error{File: p.name, Path: path, Msg: fmt.Sprintf(format, args...)}
	for q := path; ; q = parentPath(q) {
		if off, ok := p.pos[q]; ok {
			e.Line, e.Column = p.lineCol(off)
			break
		}
		if q == "" {
			break
		}
	}
	return e
}

func (p *parser) lineCol(off int) (line, col int) {
	off = max(0, min(off, len(p.b)))
	before := p.b[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// Field paths.

func field(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// key is the path of a map entry: name.uk, or name["u k"] for an odd key.
func key(path, k string) string {
	if k != "" && strings.IndexFunc(k, func(r rune) bool {
		return !(r < utf8.RuneSelf && (r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)))
	}) < 0 {
		return field(path, k)
	}
	return path + "[" + strconv.Quote(k) + "]"
}

func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndex(path, "["); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// The structure of the file, checked by walk before decoding so that every
// unknown field, duplicate field and wrong type is reported with its line.

type shape int

const (
	shString shape = iota
	shStruct       // an object with known fields
	shMap          // an object with any keys, checked later
	shArray
)

type schema struct {
	shape  shape
	what   string // for messages: "a city", "a text in several languages"...
	fields map[string]*schema
	order  []string
	elem   *schema
}

func structOf(what string, kv ...any) *schema {
	s := &schema{shape: shStruct, what: what, fields: make(map[string]*schema)}
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		s.fields[name] = kv[i+1].(*schema)
		s.order = append(s.order, name)
	}
	return s
}

var fileSchema = func() *schema {
	str := &schema{shape: shString, what: "a string"}
	langs := &schema{shape: shMap, what: `an object of texts by language, like {"uk": "...", "en": "..."}`, elem: str}
	areas := &schema{shape: shMap, what: `an object of lists by language, like {"uk": ["..."], "en": ["..."]}`,
		elem: &schema{shape: shArray, what: `a list of strings, like ["...", "..."]`, elem: str}}
	city := structOf("a city object {...}",
		"slug", str, "flag", str, "name", langs, "country", langs, "timezone", str,
		"partner_since", str, "areas", areas, "description", langs, "link", str)
	postText := structOf(`an object like {"title": "...", "text": "..."}`, "title", str, "text", str)
	post := structOf("a post object {...}",
		"key", str, "kind", str, "city", str, "date", str, "lang", str, "title", str, "text", str,
		"translations", &schema{shape: shMap, what: `an object of translations by language, like {"en": {"title": "...", "text": "..."}}`, elem: postText},
		"starts_at", str, "ends_at", str, "place", str)
	return structOf(`one JSON object {"home": ..., "partners": [...], "posts": [...]}`,
		"home", city,
		"partners", &schema{shape: shArray, what: "a list of city objects [{...}, ...]", elem: city},
		"posts", &schema{shape: shArray, what: "a list of post objects [{...}, ...]", elem: post})
}()

func (p *parser) walk() error {
	dec := json.NewDecoder(bytes.NewReader(p.b))
	dec.UseNumber()
	return p.walkValue(dec, "", fileSchema)
}

// skip returns the offset of the next token at or after off.
func (p *parser) skip(off int) int {
	for off < len(p.b) && strings.IndexByte(" \t\r\n,:", p.b[off]) >= 0 {
		off++
	}
	return off
}

func (p *parser) walkValue(dec *json.Decoder, path string, s *schema) error {
	start := p.skip(int(dec.InputOffset()))
	p.pos[path] = start
	tok, err := dec.Token()
	if err != nil {
		return p.jsonErr(err)
	}
	got := ""
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			if s.shape == shStruct || s.shape == shMap {
				return p.walkObject(dec, path, s)
			}
			got = "an object {...}"
		case '[':
			if s.shape == shArray {
				for i := 0; dec.More(); i++ {
					if err := p.walkValue(dec, index(path, i), s.elem); err != nil {
						return err
					}
				}
				_, err := dec.Token() // ]
				if err != nil {
					return p.jsonErr(err)
				}
				return nil
			}
			got = "a list [...]"
		}
	case string:
		if s.shape == shString {
			return nil
		}
		got = "a string"
	case nil:
		return nil // null is the same as leaving the field out
	case json.Number:
		got = "a number"
	case bool:
		got = "true or false"
	}
	msg := "must be " + s.what + ", not " + got
	if s.shape == shString && got == "a number" {
		msg += `; put the value in double quotes, like "2023"`
	}
	e := p.fail(path, "%s", msg)
	if path == "" {
		e.Msg = "the file must contain " + s.what + ", not " + got
	}
	return e
}

func (p *parser) walkObject(dec *json.Decoder, path string, s *schema) error {
	seen := make(map[string]bool)
	for dec.More() {
		keyOff := p.skip(int(dec.InputOffset()))
		tok, err := dec.Token()
		if err != nil {
			return p.jsonErr(err)
		}
		k, _ := tok.(string)
		kp := key(path, k)
		if seen[k] {
			p.pos[kp] = keyOff
			what := "field"
			if s.shape == shMap {
				what = "key"
			}
			return p.fail(kp, "duplicate %s %q: each %s may appear only once", what, k, what)
		}
		seen[k] = true
		sub := s.elem
		if s.shape == shStruct {
			sub = s.fields[k]
			if sub == nil {
				line, col := p.lineCol(keyOff)
				where := ""
				if path == "" {
					where = " at the top level"
				}
				return &Error{File: p.name, Path: path, Line: line, Column: col,
					Msg: fmt.Sprintf("unknown field %q%s (check the spelling; field names are case-sensitive); the known fields are: %s",
						k, where, strings.Join(s.order, ", "))}
			}
		}
		if err := p.walkValue(dec, kp, sub); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return p.jsonErr(err)
	}
	return nil
}

// Validation and conversion.

var (
	slugRE     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	timezoneRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`)
	dateRE     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	dateTimeRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$`)
)

func langList() string {
	s := make([]string, len(store.Langs()))
	for i, l := range store.Langs() {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

func kindList() string {
	s := make([]string, len(store.Kinds()))
	for i, k := range store.Kinds() {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func (p *parser) lang(path, code string) (store.Lang, error) {
	l := store.Lang(code)
	if slices.Contains(store.Langs(), l) {
		return l, nil
	}
	hint := ""
	switch strings.ToLower(code) {
	case "ua":
		hint = ` (Ukrainian is "uk")`
	case "ger", "deu":
		hint = ` (German is "de")`
	case "nld", "dut":
		hint = ` (Dutch is "nl")`
	case "eng", "gb":
		hint = ` (English is "en")`
	}
	return "", p.fail(path, "unknown language %q%s; use one of %s", code, hint, langList())
}

// sortedKeys returns m's keys in the order they appear in the file.
func sortedKeys[V any](p *parser, path string, m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if d := p.pos[key(path, a)] - p.pos[key(path, b)]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return keys
}

// checkString checks a text value: not blank, not too long, no control
// characters (multi-line texts may have line breaks and tabs).
func (p *parser) checkString(path, s string, maxLen int, multiline bool) error {
	if strings.TrimSpace(s) == "" {
		return p.fail(path, "must not be empty")
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return p.fail(path, "too long: %d characters, at most %d allowed", n, maxLen)
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		switch {
		case r == '\n':
			return p.fail(path, "must be one line, without line breaks")
		case unicode.IsControl(r):
			return p.fail(path, "contains the control character %U; remove it", r)
		case r == utf8.RuneError:
			return p.fail(path, "contains the replacement character %U (a broken character or escape); remove it", r)
		}
	}
	return nil
}

// text converts a text in several languages.
func (p *parser) text(path string, m map[string]string, maxLen int, multiline bool) (store.Text, error) {
	if len(m) == 0 {
		return nil, nil
	}
	t := make(store.Text, len(m))
	for _, k := range sortedKeys(p, path, m) {
		kp := key(path, k)
		l, err := p.lang(kp, k)
		if err != nil {
			return nil, err
		}
		if err := p.checkString(kp, m[k], maxLen, multiline); err != nil {
			return nil, err
		}
		t[l] = m[k]
	}
	return t, nil
}

func (p *parser) city(path string, c *cityJSON, slugs map[string]string) (store.City, error) {
	var out store.City
	var err error
	fp := field(path, "slug")
	switch {
	case c.Slug == "":
		return out, p.fail(fp, `required: a short lowercase identifier, like "krefeld"`)
	case len(c.Slug) > MaxSlugLen:
		return out, p.fail(fp, "too long: %d characters, at most %d allowed", len(c.Slug), MaxSlugLen)
	case !slugRE.MatchString(c.Slug):
		return out, p.fail(fp, `invalid slug %q; use lowercase latin letters a-z, digits and single hyphens, like "bad-homburg"`, c.Slug)
	case c.Slug == store.AllCities:
		return out, p.fail(fp, `%q is reserved for posts about every partner city; choose another slug`, c.Slug)
	}
	if prev, ok := slugs[c.Slug]; ok {
		return out, p.fail(fp, "slug %q is already used by %s; slugs must be unique", c.Slug, prev)
	}
	slugs[c.Slug] = path
	out.Slug = c.Slug

	if c.Flag != "" {
		if err := p.checkString(field(path, "flag"), c.Flag, maxShortLen, false); err != nil {
			return out, err
		}
		if strings.ContainsFunc(c.Flag, unicode.IsSpace) {
			return out, p.fail(field(path, "flag"), "must be a flag emoji without spaces, like \"🇩🇪\"")
		}
	}
	out.Flag = c.Flag

	if out.Name, err = p.text(field(path, "name"), c.Name, MaxNameLen, false); err != nil {
		return out, err
	}
	if len(out.Name) == 0 {
		return out, p.fail(field(path, "name"), `required: the city's name in at least one language, like {"uk": "Крефельд", "en": "Krefeld"}`)
	}
	if out.Country, err = p.text(field(path, "country"), c.Country, MaxNameLen, false); err != nil {
		return out, err
	}

	fp = field(path, "timezone")
	switch {
	case c.TimeZone == "":
		return out, p.fail(fp, `required: the city's IANA time zone, like "Europe/Berlin"`)
	case c.TimeZone == "Local" || len(c.TimeZone) > 64 || !timezoneRE.MatchString(c.TimeZone):
		return out, p.fail(fp, `invalid time zone %q; use an IANA time zone name, like "Europe/Berlin"`, c.TimeZone)
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return out, p.fail(fp, `unknown time zone %q; use an IANA time zone name, like "Europe/Berlin"`, c.TimeZone)
	}
	out.TimeZone, out.Location = c.TimeZone, loc

	if c.PartnerSince != "" {
		if err := p.checkString(field(path, "partner_since"), c.PartnerSince, maxShortLen, false); err != nil {
			return out, err
		}
	}
	out.PartnerSince = c.PartnerSince

	if len(c.Areas) > 0 {
		ap := field(path, "areas")
		out.Areas = make(map[store.Lang][]string, len(c.Areas))
		for _, k := range sortedKeys(p, ap, c.Areas) {
			kp := key(ap, k)
			l, err := p.lang(kp, k)
			if err != nil {
				return out, err
			}
			for i, a := range c.Areas[k] {
				if err := p.checkString(index(kp, i), a, MaxNameLen, false); err != nil {
					return out, err
				}
			}
			if len(c.Areas[k]) > 0 {
				out.Areas[l] = slices.Clone(c.Areas[k])
			}
		}
		if len(out.Areas) == 0 {
			out.Areas = nil
		}
	}

	if out.Description, err = p.text(field(path, "description"), c.Description, MaxDescriptionLen, true); err != nil {
		return out, err
	}

	if c.Link != "" {
		fp = field(path, "link")
		if err := p.checkString(fp, c.Link, maxLinkLen, false); err != nil {
			return out, err
		}
		u, err := url.Parse(c.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			strings.ContainsFunc(c.Link, unicode.IsSpace) {
			return out, p.fail(fp, `invalid link %q; use a full web address, like "https://www.krefeld.de"`, c.Link)
		}
	}
	out.Link = c.Link
	return out, nil
}

// parseTime parses a date or a date and time in loc, refusing a local time
// that does not exist there (clocks moved forward).
func (p *parser) parseTime(path, s string, withTime bool, loc *time.Location) (time.Time, error) {
	layout, re, what, form := DateLayout, dateRE, "date", `"YYYY-MM-DD", like "2025-10-30"`
	if withTime {
		layout, re, what, form = DateTimeLayout, dateTimeRE, "date and time", `"YYYY-MM-DD HH:MM" (24-hour clock), like "2025-10-30 18:00"`
	}
	if !re.MatchString(s) {
		return time.Time{}, p.fail(path, "invalid %s %q; use the form %s", what, s, form)
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:] // "month out of range", "day out of range"...
		}
		return time.Time{}, p.fail(path, "invalid %s %q: %s", what, s, msg)
	}
	if y := t.Year(); y < 1900 || y > 2999 {
		return time.Time{}, p.fail(path, "invalid date %q: the year must be between 1900 and 2999", s)
	}
	if withTime && t.Format(layout) != s {
		return time.Time{}, p.fail(path, "%q does not exist in the time zone %s (the clocks are put forward then)", s, loc)
	}
	return t, nil
}

func (p *parser) post(path string, rp *postJSON, ds *store.Dataset, keys map[string]string) (store.Post, error) {
	var out store.Post
	fp := field(path, "key")
	switch {
	case rp.Key == "":
		return out, p.fail(fp, `required: a unique name for the post that never changes, like "2025-10-visit-krefeld"`)
	case utf8.RuneCountInString(rp.Key) > MaxKeyLen:
		return out, p.fail(fp, "too long: %d characters, at most %d allowed", utf8.RuneCountInString(rp.Key), MaxKeyLen)
	case strings.ContainsFunc(rp.Key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError }):
		return out, p.fail(fp, `invalid key %q; use letters, digits and hyphens without spaces, like "2025-10-visit-krefeld"`, rp.Key)
	}
	if prev, ok := keys[rp.Key]; ok {
		return out, p.fail(fp, "key %q is already used by %s; keys must be unique", rp.Key, prev)
	}
	keys[rp.Key] = path
	out.SeedKey = rp.Key

	fp = field(path, "kind")
	out.Kind = store.Kind(rp.Kind)
	if rp.Kind == "" {
		return out, p.fail(fp, "required: one of %s", kindList())
	}
	if !out.Kind.Valid() {
		return out, p.fail(fp, "unknown kind %q; use one of %s", rp.Kind, kindList())
	}

	fp = field(path, "city")
	loc := ds.Home.Location
	switch c, ok := ds.Partner(rp.City); {
	case rp.City == store.AllCities:
	case ok:
		loc = c.Location
	case rp.City == "":
		return out, p.fail(fp, `required: a partner city's slug (%s) or "all"`, strings.Join(ds.PartnerSlugs(), ", "))
	case rp.City == ds.Home.Slug:
		return out, p.fail(fp, `%q is the home city; use a partner city's slug (%s) or "all"`, rp.City, strings.Join(ds.PartnerSlugs(), ", "))
	default:
		return out, p.fail(fp, `unknown city %q; use a partner city's slug (%s) or "all"`, rp.City, strings.Join(ds.PartnerSlugs(), ", "))
	}
	out.City = rp.City

	var err error
	fp = field(path, "date")
	if rp.Date == "" {
		return out, p.fail(fp, `required: the day of the visit or agreement, or the day it was published, like "2025-10-30"`)
	}
	if out.Date, err = p.parseTime(fp, rp.Date, false, loc); err != nil {
		return out, err
	}

	out.Lang = store.LangUK
	if rp.Lang != "" {
		if out.Lang, err = p.lang(field(path, "lang"), rp.Lang); err != nil {
			return out, err
		}
	}

	if err := p.checkString(field(path, "title"), rp.Title, MaxTitleLen, false); err != nil {
		return out, err
	}
	if err := p.checkString(field(path, "text"), rp.Text, MaxTextLen, true); err != nil {
		return out, err
	}
	out.Title, out.Text = rp.Title, rp.Text

	if len(rp.Translations) > 0 {
		tp := field(path, "translations")
		out.Translations = make(map[store.Lang]store.PostText, len(rp.Translations))
		for _, k := range sortedKeys(p, tp, rp.Translations) {
			kp := key(tp, k)
			l, err := p.lang(kp, k)
			if err != nil {
				return out, err
			}
			if l == out.Lang {
				return out, p.fail(kp, "the post itself is in %q (lang); a translation must be in another language", l)
			}
			tr := rp.Translations[k]
			if err := p.checkString(field(kp, "title"), tr.Title, MaxTitleLen, false); err != nil {
				return out, err
			}
			if err := p.checkString(field(kp, "text"), tr.Text, MaxTextLen, true); err != nil {
				return out, err
			}
			out.Translations[l] = store.PostText{Title: tr.Title, Text: tr.Text}
		}
	}

	sp, ep := field(path, "starts_at"), field(path, "ends_at")
	if out.Kind == store.KindEvent {
		if rp.StartsAt == "" {
			return out, p.fail(sp, `required for an event: when it starts, in the city's local time, like "2025-10-30 18:00"`)
		}
		start, err := p.parseTime(sp, rp.StartsAt, true, loc)
		if err != nil {
			return out, err
		}
		out.StartsAt = &start
		if rp.EndsAt != "" {
			end, err := p.parseTime(ep, rp.EndsAt, true, loc)
			if err != nil {
				return out, err
			}
			if !end.After(start) {
				return out, p.fail(ep, "the event must end after it starts (starts_at is %s, ends_at is %s)", rp.StartsAt, rp.EndsAt)
			}
			out.EndsAt = &end
		}
	} else {
		if rp.StartsAt != "" {
			return out, p.fail(sp, `only events have a start time; this post's kind is %q (leave starts_at out, or use kind "event")`, rp.Kind)
		}
		if rp.EndsAt != "" {
			return out, p.fail(ep, `only events have an end time; this post's kind is %q (leave ends_at out, or use kind "event")`, rp.Kind)
		}
	}

	if rp.Place != "" {
		if err := p.checkString(field(path, "place"), rp.Place, MaxPlaceLen, false); err != nil {
			return out, err
		}
	}
	out.Place = rp.Place
	out.PublishedAt = out.Date
	out.UpdatedAt = out.Date
	return out, nil
}

func (p *parser) dataset(f *fileJSON) (*store.Dataset, error) {
	ds := &store.Dataset{}
	slugs := make(map[string]string)
	if f.Home == nil {
		return nil, p.fail("home", "required: the home city, the municipality that runs the bot")
	}
	var err error
	if ds.Home, err = p.city("home", f.Home, slugs); err != nil {
		return nil, err
	}
	if len(f.Partners) == 0 {
		return nil, p.fail("partners", "required: at least one partner city")
	}
	ds.Partners = make([]store.City, len(f.Partners))
	for i := range f.Partners {
		if ds.Partners[i], err = p.city(index("partners", i), &f.Partners[i], slugs); err != nil {
			return nil, err
		}
	}
	keys := make(map[string]string)
	ds.Posts = make([]store.Post, len(f.Posts))
	for i := range f.Posts {
		if ds.Posts[i], err = p.post(index("posts", i), &f.Posts[i], ds, keys); err != nil {
			return nil, err
		}
	}
	return ds, nil
}
