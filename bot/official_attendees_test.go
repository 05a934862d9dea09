package bot

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func TestCutCapacity(t *testing.T) {
	for _, tc := range []struct {
		in, text string
		capacity int
		problem  string
	}{
		{"Music and talks.", "Music and talks.", 0, ""},
		{"Music and talks. | capacity 40", "Music and talks.", 40, ""},
		{"Music | and talks | Capacity 7", "Music | and talks", 7, ""},
		{"Music and talks.\n| CAPACITY  100000", "Music and talks.", 100000, ""},
		{"Music and talks. | capacitynot a keyword", "Music and talks. | capacitynot a keyword", 0, ""},
		{"Sizes | small, large", "Sizes | small, large", 0, ""},
		{"Talks | capacity forty", "", 0, store.ProblemNumber},
		{"Talks | capacity 0", "", 0, store.ProblemNumber},
		{"Talks | capacity -3", "", 0, store.ProblemNumber},
		{"Talks | capacity 100001", "", 0, store.ProblemNumber},
		{"Talks | capacity", "", 0, store.ProblemNumber},
	} {
		text, n, err := cutCapacity(tc.in)
		if tc.problem != "" {
			fe, ok := asFormError(err)
			if !ok || fe.Problem != tc.problem || fe.Field != "capacity" {
				t.Errorf("cutCapacity(%q) = %q, %d, %v; want a %s error", tc.in, text, n, err, tc.problem)
			}
			continue
		}
		if err != nil || text != tc.text || n != tc.capacity {
			t.Errorf("cutCapacity(%q) = %q, %d, %v; want %q, %d", tc.in, text, n, err, tc.text, tc.capacity)
		}
	}
}

func TestAttendeesCSV(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := time.Date(2026, 4, 20, 12, 3, 0, 0, time.UTC)
	l := store.RSVPList{EventID: 9,
		Going: []store.Attendee{{UserID: 1, Name: "Марія Коваленко", Username: "maria_k", At: at},
			{UserID: 2, Name: "=HYPERLINK(\"x\")", At: at.Add(time.Minute)}},
		Waiting: []store.Attendee{{UserID: 3, Name: "Jan, \"de\" Vries", Username: "jan", At: at.Add(time.Hour), Waiting: true}},
	}
	data, err := AttendeesCSV(l, berlin)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(data, []byte("\uFEFF"))
	if !ok {
		t.Fatal("no byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	want := [][]string{
		AttendeesColumns(),
		{"going", "Марія Коваленко", "maria_k", "2026-04-20T14:03:00+02:00", ""},
		{"going", "'=HYPERLINK(\"x\")", "", "2026-04-20T14:04:00+02:00", ""},
		{"waiting", "Jan, \"de\" Vries", "jan", "2026-04-20T15:03:00+02:00", "1"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %q", len(rows), len(want), rows)
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Error("lines do not end in CRLF")
	}
}

func TestParseCapacity(t *testing.T) {
	if n, err := ParseCapacity(" 40 "); n != 40 || err != nil {
		t.Errorf("ParseCapacity(40) = %d, %v", n, err)
	}
	var fe *FormError
	if _, err := ParseCapacity("4O"); !errors.As(err, &fe) || fe.Value != "4O" || fe.Limit != store.MaxCapacity {
		t.Errorf("ParseCapacity(4O) = %v", err)
	}
}

// The CSV header is handed out as a copy: changing it changes no file.
func TestAttendeesColumnsCannotBeChanged(t *testing.T) {
	AttendeesColumns()[0] = "xx"
	if got := AttendeesColumns(); got[0] != "status" {
		t.Errorf("a changed copy changed the header: %q", got)
	}
}
