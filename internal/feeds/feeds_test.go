package feeds

import (
	"errors"
	"testing"
	"time"
	// Embedded tz data: the Berlin tests must not depend on the machine
	// having /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/partnerbot/partnerbot/store"
)

const testHost = "partnerbot.kropyvnytskyi"

func testDataset() *store.Dataset {
	return &store.Dataset{
		Home: store.City{
			Slug:     "kropyvnytskyi",
			Name:     store.Text{store.LangUK: "Кропивницький", store.LangEN: "Kropyvnytskyi"},
			TimeZone: "Europe/Kyiv",
		},
		Partners: []store.City{
			{
				Slug:     "krefeld",
				Name:     store.Text{store.LangUK: "Крефельд", store.LangEN: "Krefeld", store.LangDE: "Krefeld"},
				TimeZone: "Europe/Berlin",
			},
		},
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func ptr(t time.Time) *time.Time { return &t }

// failWriter fails every write, to prove errors from w are returned.
type failWriter struct{}

var errWrite = errors.New("write failed")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestCheckHost(t *testing.T) {
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"partnerbot.kropyvnytskyi", true},
		{"example-1.org", true},
		{"", false},
		{"a b", false},
		{"a,b", false},
		{"a:b", false},
		{"host\r\nX-INJECT:1", false},
	} {
		err := checkHost(tc.host)
		if (err == nil) != tc.ok {
			t.Errorf("checkHost(%q) = %v, want ok=%v", tc.host, err, tc.ok)
		}
	}
}

func TestLocation(t *testing.T) {
	for _, tc := range []struct{ place, city, want string }{
		{"", "", ""},
		{"Rathaus", "", "Rathaus"},
		{"", "Krefeld", "Krefeld"},
		{"Rathaus", "Krefeld", "Rathaus, Krefeld"},
		{"Rathaus Krefeld", "Krefeld", "Rathaus Krefeld"},
		{" Ратуша ", "Крефельд", "Ратуша, Крефельд"},
	} {
		if got := location(tc.place, tc.city); got != tc.want {
			t.Errorf("location(%q, %q) = %q, want %q", tc.place, tc.city, got, tc.want)
		}
	}
}
