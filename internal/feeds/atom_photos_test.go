package feeds

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/partnerbot/partnerbot/store"
)

// A post's photos are enclosures a feed reader finds, in the order sent,
// under the public base URL; a photo without a usable unique id is left
// out, and a post without photos has no links.
func TestAtomPhotoEnclosures(t *testing.T) {
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	posts := []store.Post{
		{ID: 42, Kind: store.KindVisit, Lang: store.LangUK, Title: "Візит", Text: "т", PublishedAt: at, UpdatedAt: at,
			Photos: []store.Photo{
				{FileID: "AgAC1", UniqueID: "AQADone"},
				{FileID: "AgAC2", UniqueID: ""}, // cannot be served
				{FileID: "AgAC3", UniqueID: "AQADthree_3-x"},
			}},
		{ID: 7, Kind: store.KindEvent, Lang: store.LangUK, Title: "Подія", Text: "т", PublishedAt: at, UpdatedAt: at},
	}
	for _, tc := range []struct {
		name            string
		self, mediaBase string
		wantBase        string
	}{
		{"public URL with a path", "https://example.org/partners/feed/krefeld.atom", "https://example.org/partners/", "https://example.org/partners"},
		{"from the feed's own URL", "https://example.org/feed.atom?lang=en", "", "https://example.org"},
		{"no public URL", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, parsed := renderAtom(t, Feed{ID: "urn:x", Host: testHost, Lang: store.LangUK, Posts: posts, Author: "a",
				SelfURL: tc.self, MediaBase: tc.mediaBase})
			want := []string{tc.wantBase + "/media/42/AQADone.jpg", tc.wantBase + "/media/42/AQADthree_3-x.jpg"}

			var got []string
			for _, l := range parsed.Entries[0].Links {
				if l.Rel == "enclosure" && l.Type == "image/jpeg" {
					got = append(got, l.Href)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("entry links = %+v, want enclosures %q\n%s", parsed.Entries[0].Links, want, out)
			}
			if len(parsed.Entries[1].Links) != 0 {
				t.Errorf("post without photos has links %+v", parsed.Entries[1].Links)
			}

			// The generic model, which most readers use, sees them as
			// enclosures of the item.
			generic, err := gofeed.NewParser().Parse(bytes.NewReader([]byte(out)))
			if err != nil {
				t.Fatal(err)
			}
			got = nil
			for _, enc := range generic.Items[0].Enclosures {
				if enc.Type == "image/jpeg" {
					got = append(got, enc.URL)
				}
			}
			if !slices.Equal(got, want) || len(generic.Items[1].Enclosures) != 0 {
				t.Errorf("gofeed enclosures = %q and %d, want %q and none", got, len(generic.Items[1].Enclosures), want)
			}
		})
	}
}

func TestMediaPath(t *testing.T) {
	if got := MediaPath(42, "AQADone"); got != "/media/42/AQADone.jpg" {
		t.Errorf("MediaPath = %q", got)
	}
}
