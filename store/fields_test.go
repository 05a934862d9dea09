package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func TestCheckField(t *testing.T) {
	start := time.Date(2030, 5, 1, 18, 0, 0, 0, time.UTC)
	early, late := start.Add(-time.Hour), start.Add(time.Hour)
	ancient := time.Date(1200, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		p       store.Post
		field   string
		problem string // "" for no error
	}{
		{"title fits", store.Post{Kind: store.KindVisit, Title: "Visit"}, "title", ""},
		{"title too long", store.Post{Kind: store.KindVisit, Title: strings.Repeat("t", 201)}, "title", store.ProblemTooLong},
		{"blank title of a visit", store.Post{Kind: store.KindVisit, Title: "  "}, "title", store.ProblemRequired},
		{"announcement needs no title", store.Post{Kind: store.KindAnnouncement}, "title", ""},
		{"text too long", store.Post{Kind: store.KindVisit, Text: strings.Repeat("x", 3001)}, "text", store.ProblemTooLong},
		{"text required", store.Post{Kind: store.KindVisit}, "text", store.ProblemRequired},
		{"place too long", store.Post{Kind: store.KindEvent, Place: strings.Repeat("p", 201)}, "place", store.ProblemTooLong},
		{"end after start", store.Post{Kind: store.KindEvent, StartsAt: &start, EndsAt: &late}, "ends_at", ""},
		{"end before start", store.Post{Kind: store.KindEvent, StartsAt: &start, EndsAt: &early}, "ends_at", store.ProblemEndBeforeStart},
		{"date in range", store.Post{Kind: store.KindVisit, Date: start}, "date", ""},
		{"date a thousand years ahead", store.Post{Kind: store.KindVisit, Date: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}, "date", store.ProblemOutOfRange},
		{"date in the middle ages", store.Post{Kind: store.KindAgreement, Date: ancient}, "date", store.ProblemOutOfRange},
		{"last plausible date", store.Post{Kind: store.KindVisit, Date: time.Date(2999, 12, 31, 0, 0, 0, 0, time.UTC)}, "date", ""},
		{"unset date is Validate's business", store.Post{Kind: store.KindVisit}, "date", ""},
		{"start out of range", store.Post{Kind: store.KindEvent, StartsAt: &ancient}, "starts_at", store.ProblemOutOfRange},
		{"a missing text is not the title's problem", store.Post{Kind: store.KindVisit, Title: "Visit"}, "title", ""},
		{"title on two lines", store.Post{Kind: store.KindVisit, Title: "Visit\nto Venlo"}, "title", store.ProblemMultiline},
		{"text keeps its lines and tabs", store.Post{Kind: store.KindVisit, Text: "One\n\tTwo"}, "text", ""},
		{"bell in a text", store.Post{Kind: store.KindVisit, Text: "Ring\a"}, "text", store.ProblemControlChar},
		{"broken character in a place", store.Post{Kind: store.KindEvent, Place: "Hall \uFFFD"}, "place", store.ProblemControlChar},
	}
	for _, tt := range tests {
		err := tt.p.CheckField(tt.field)
		var fe *store.FieldError
		switch {
		case tt.problem == "" && err != nil:
			t.Errorf("%s: CheckField(%s) = %v, want nil", tt.name, tt.field, err)
		case tt.problem != "" && (!errors.As(err, &fe) || fe.Problem != tt.problem || fe.Field != tt.field):
			t.Errorf("%s: CheckField(%s) = %v, want %s on %s", tt.name, tt.field, err, tt.problem, tt.field)
		}
	}
}
