package feeds

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// ErrFeedID is returned by WriteAtom when Feed.ID is empty: atom:id is
// required (RFC 4287 §4.1.1) and must never change, so it is not guessed.
var ErrFeedID = errors.New("feeds: Atom feed needs an ID")

// ErrFeedUpdated is returned by WriteAtom when no time is known for the
// feed's atom:updated: Feed.Updated is zero and no post has a time. Writing
// the zero time would tell readers the feed last changed in year 1.
var ErrFeedUpdated = errors.New("feeds: Atom feed needs an updated time")

// tagYear is the date part of every entry's tag: URI (RFC 4151). It must
// never change, or every entry id would change with it and readers would
// show all posts again as new.
const tagYear = "2025"

// Feed is what WriteAtom renders: posts as an Atom 1.0 feed.
type Feed struct {
	// Title is the feed's title.
	Title string
	// ID is the feed's permanent id: a tag: URI or a URL. Required.
	ID string
	// SelfURL, when set, is the feed's own address (link rel="self"), which
	// RFC 4287 recommends so readers can find the canonical location.
	SelfURL string
	// Posts become the entries, in the given order.
	Posts []store.Post
	// Cities resolves a post's city slug to a name, written as a second
	// category (scheme tag:<Host>,2025:city) so readers can filter by
	// city; it may be nil, and posts about all cities get none.
	Cities *store.Dataset
	// Lang is the language of titles and texts, and the feed's xml:lang.
	Lang store.Lang
	// Author is the feed-level author name. Atom requires an author on the
	// feed unless every entry has one; posts carry only a Telegram user id,
	// so the feed-level author is always written, falling back to Title.
	Author string
	// Updated is the feed's atom:updated when it is later than every post's
	// UpdatedAt, and the only one for an empty feed.
	Updated time.Time
	// Host makes entry ids globally unique:
	// tag:<Host>,2025:post-<id>. Required.
	Host string
	// MediaBase is the base URL of the photo links (PUBLIC_URL, which may
	// have a path). Empty: SelfURL's scheme and host, or, without
	// SelfURL, none: the links are then absolute paths, which readers
	// resolve against the feed's own address.
	MediaBase string
}

type atomFeed struct {
	XMLName xml.Name   `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string     `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID      string     `xml:"id"`
	Title   atomText   `xml:"title"`
	Updated string     `xml:"updated"`
	Author  atomPerson `xml:"author"`
	Links   []atomLink `xml:"link"`
	Entries []atomEntry
}

type atomEntry struct {
	XMLName    xml.Name       `xml:"entry"`
	Lang       string         `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Categories []atomCategory `xml:"category"`
	Links      []atomLink     `xml:"link"`
	Content    atomText       `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

// WriteAtom writes f as an Atom 1.0 (RFC 4287) document to w.
//
// Entry ids are tag:<Host>,2025:post-<id>, so a post keeps its entry when
// its title or text is edited. Times are RFC 3339 in UTC. An entry's updated
// is the post's UpdatedAt, falling back to PublishedAt, then Date, since
// atom:updated is required; the feed's updated is the latest of those and
// f.Updated. Content is type="text": posts are plain text, and
// encoding/xml escapes it, so markup in a post is shown, never run. A
// post's photos are linked as enclosures (MediaPath, under MediaBase).
//
// Like WriteICS, the document is built in memory and written at once.
func WriteAtom(w io.Writer, f Feed) error {
	if err := checkHost(f.Host); err != nil {
		return err
	}
	if f.ID == "" {
		return ErrFeedID
	}
	author := f.Author
	if author == "" {
		author = f.Title
	}
	doc := atomFeed{
		Lang:   string(f.Lang),
		ID:     f.ID,
		Title:  atomText{Type: "text", Body: f.Title},
		Author: atomPerson{Name: author},
	}
	if f.SelfURL != "" {
		doc.Links = append(doc.Links, atomLink{Rel: "self", Type: "application/atom+xml", Href: f.SelfURL})
	}

	updated := f.Updated
	for _, p := range f.Posts {
		pu := firstNonZero(p.UpdatedAt, p.PublishedAt, p.Date)
		if pu.After(updated) {
			updated = pu
		}
		t := p.In(f.Lang)
		e := atomEntry{
			ID:      "tag:" + f.Host + "," + tagYear + ":" + postKey(p),
			Title:   atomText{Type: "text", Body: p.DisplayTitle(f.Lang)},
			Content: atomText{Type: "text", Body: t.Text},
		}
		// Label the entry with the language it is really in when the post
		// had no translation into f.Lang.
		if l := postLang(p, f.Lang); l != f.Lang {
			e.Lang = string(l)
		}
		if !pu.IsZero() {
			e.Updated = atomTime(pu)
		}
		if !p.PublishedAt.IsZero() {
			e.Published = atomTime(p.PublishedAt)
		}
		if p.Kind != "" {
			e.Categories = append(e.Categories, atomCategory{Term: string(p.Kind)})
		}
		if name := cityName(f.Cities, p.City, f.Lang); name != "" {
			// The scheme keeps a city slug from being read as a kind.
			e.Categories = append(e.Categories, atomCategory{
				Term:   p.City,
				Scheme: "tag:" + f.Host + "," + tagYear + ":city",
				Label:  name,
			})
		}
		e.Links = photoLinks(p, mediaBase(f))
		doc.Entries = append(doc.Entries, e)
	}
	if updated.IsZero() {
		return ErrFeedUpdated
	}
	doc.Updated = atomTime(updated)
	// An entry with no time of its own takes the feed's, since atom:updated
	// is required on every entry.
	for i := range doc.Entries {
		if doc.Entries[i].Updated == "" {
			doc.Entries[i].Updated = doc.Updated
		}
	}

	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// MediaPath is where the HTTP server serves a post's photo: the post's id,
// so a deleted post's photos are gone with it, and the photo's unique id,
// which never names other bytes, so a photo replaced in an edit gets a new
// address and a cached copy is never wrong.
func MediaPath(postID int64, uniqueID string) string {
	return "/media/" + strconv.FormatInt(postID, 10) + "/" + uniqueID + ".jpg"
}

// photoLinks links each of a post's photos as an enclosure, in the order
// the official sent them. A photo without a usable unique id cannot be
// served, so it is not linked.
func photoLinks(p store.Post, base string) []atomLink {
	var out []atomLink
	for _, ph := range p.Photos {
		if store.ValidMediaKey(ph.UniqueID) {
			out = append(out, atomLink{Rel: "enclosure", Type: "image/jpeg", Href: base + MediaPath(p.ID, ph.UniqueID)})
		}
	}
	return out
}

// mediaBase is what photo links start with: see Feed.MediaBase.
func mediaBase(f Feed) string {
	if f.MediaBase != "" {
		return strings.TrimRight(f.MediaBase, "/")
	}
	if u, err := url.Parse(f.SelfURL); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return ""
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
