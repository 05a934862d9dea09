package render_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

var rsvpNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func rsvpEvent(capacity int) store.Post {
	start := rsvpNow.Add(48 * time.Hour)
	return store.Post{ID: 42, Kind: store.KindEvent, City: "krefeld", Lang: store.LangEN, Title: "Culture evening & music",
		Text: "Talks.", StartsAt: &start, Place: "City hall", Capacity: capacity}
}

func TestRSVPDataRoundTrip(t *testing.T) {
	for _, op := range []string{render.RSVPOpGoing, render.RSVPOpNotGoing, render.RSVPOpInfo, render.RSVPOpListGoing, render.RSVPOpListNot} {
		for _, l := range store.Langs() {
			data := render.RSVPData(op, 1<<52, l)
			if len(data) > 64 {
				t.Errorf("%q: %d bytes, over Telegram's 64", data, len(data))
			}
			action, arg, _ := strings.Cut(data, ":")
			gotOp, id, gotL, ok := render.ParseRSVPArg(arg)
			if action != render.RSVPAction || !ok || gotOp != op || id != 1<<52 || gotL != l {
				t.Errorf("%q: %s %s %d %s %t", data, action, gotOp, id, gotL, ok)
			}
		}
	}
	for _, arg := range []string{"", "y", "y-42", "y-42-", "y-42-fr", "y-42-EN", "y-042-en", "y--42-en", "z-42-en", "y-0-en",
		"y-42-en-x", "y-99999999999999999999-en", "y-4a-en"} {
		if _, _, _, ok := render.ParseRSVPArg(arg); ok {
			t.Errorf("ParseRSVPArg(%q) accepted", arg)
		}
	}
}

// buttons decodes a keyboard's rows into their texts and data.
func buttons(t *testing.T, rows [][]render.Button) (texts, data []string) {
	t.Helper()
	for _, row := range rows {
		for _, b := range row {
			texts, data = append(texts, b.Text), append(data, b.Data)
		}
	}
	return texts, data
}

func TestEventRows(t *testing.T) {
	r := newRenderer(t)
	started := rsvpEvent(10)
	started.StartsAt = &rsvpNow
	for _, tc := range []struct {
		name  string
		p     store.Post
		t     store.Turnout
		texts []string
	}{
		{"no limit", rsvpEvent(0), store.Turnout{Going: 3}, []string{"✅ I'm going", "❌ Not going", "👥 Going: 3"}},
		{"places left", rsvpEvent(40), store.Turnout{Going: 12, Capacity: 40}, []string{"✅ I'm going", "❌ Not going", "👥 Going: 12 · places left: 28"}},
		{"full", rsvpEvent(2), store.Turnout{Going: 2, Waiting: 5, Capacity: 2}, []string{"📝 Join the waiting list", "❌ Not going", "👥 Going: 2 · full · waiting: 5"}},
		{"started: the counts only", started, store.Turnout{Going: 9, Capacity: 10}, []string{"👥 Going: 9 · places left: 1"}},
		{"not an event", store.Post{ID: 3, Kind: store.KindVisit}, store.Turnout{}, nil},
	} {
		texts, data := buttons(t, r.EventRows(tc.p, tc.t, store.LangEN, rsvpNow))
		if strings.Join(texts, "|") != strings.Join(tc.texts, "|") {
			t.Errorf("%s: %q, want %q", tc.name, texts, tc.texts)
		}
		for _, d := range data {
			if !strings.HasPrefix(d, "at:") || !strings.HasSuffix(d, "-42-en") {
				t.Errorf("%s: callback data %q", tc.name, d)
			}
		}
	}
	kb := r.EventKeyboard(rsvpEvent(0), store.Turnout{}, store.LangDE, rsvpNow)
	var decoded struct {
		Rows [][]struct {
			Text string `json:"text"`
			Data string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(kb), &decoded); err != nil || len(decoded.Rows) != 2 || decoded.Rows[0][0].Text != "✅ Ich komme" {
		t.Errorf("EventKeyboard = %s (%v)", kb, err)
	}
	if kb := r.EventKeyboard(store.Post{Kind: store.KindAnnouncement}, store.Turnout{}, store.LangEN, rsvpNow); kb != "" {
		t.Errorf("announcement keyboard %q", kb)
	}
}

func TestEventListRow(t *testing.T) {
	r := newRenderer(t)
	texts, data := buttons(t, [][]render.Button{r.EventListRow(rsvpEvent(40), store.Turnout{Going: 12, Capacity: 40}, store.LangEN, rsvpNow)})
	if len(texts) != 2 || texts[0] != "✅ Culture evening & music · 12/40" || texts[1] != "❌" ||
		data[0] != "at:ly-42-en" || data[1] != "at:ln-42-en" {
		t.Errorf("row %q %q", texts, data)
	}
	texts, _ = buttons(t, [][]render.Button{r.EventListRow(rsvpEvent(2), store.Turnout{Going: 2, Capacity: 2}, store.LangEN, rsvpNow)})
	if texts[0] != "📝 Culture evening & music · waiting list" {
		t.Errorf("full row %q", texts)
	}
	past := rsvpEvent(0)
	past.StartsAt = &rsvpNow
	if row := r.EventListRow(past, store.Turnout{}, store.LangEN, rsvpNow); row != nil {
		t.Errorf("a started event has a row: %+v", row)
	}
}

func TestAttendeeNotices(t *testing.T) {
	r := newRenderer(t)
	ev := rsvpEvent(10)
	was := ev
	was.Place = "Old hall"
	was.Title = "Culture <evening>"
	kb := r.EventKeyboard(ev, store.Turnout{Going: 1, Capacity: 10}, store.LangEN, rsvpNow)
	for _, tc := range []struct {
		name    string
		n       store.AttendeeNotice
		current *store.Post
		want    []string
		kb      bool
	}{
		{"promoted", store.AttendeeNotice{What: store.NoticePromoted, Lang: store.LangEN}, &ev,
			[]string{"became free", "Culture evening &amp; music", "City hall", "/p42"}, true},
		{"changed", store.AttendeeNotice{What: store.NoticeChanged, Lang: store.LangEN, Was: store.EventSnapshot(was)}, &ev,
			[]string{"has changed", "Was:", "<s>📍 Old hall</s>", "Now:", "📍 City hall"}, true},
		{"cancelled", store.AttendeeNotice{What: store.NoticeCancelled, Lang: store.LangEN, Was: store.EventSnapshot(was)}, nil,
			[]string{"has been cancelled", "Culture &lt;evening&gt;", "Old hall"}, false},
	} {
		parts := r.AttendeeNotice(tc.n, tc.current, kb)
		if len(parts) != 1 {
			t.Fatalf("%s: %d parts", tc.name, len(parts))
		}
		for _, w := range tc.want {
			if !strings.Contains(parts[0].Text, w) {
				t.Errorf("%s: %q lacks %q", tc.name, parts[0].Text, w)
			}
		}
		if (parts[0].Keyboard != "") != tc.kb {
			t.Errorf("%s: keyboard %q", tc.name, parts[0].Keyboard)
		}
	}
	if parts := r.AttendeeNotice(store.AttendeeNotice{What: store.NoticePromoted, Lang: store.LangEN}, nil, ""); len(parts) != 0 {
		t.Errorf("a promotion to an event that is gone: %+v", parts)
	}
}

func TestEventBodyShowsCapacity(t *testing.T) {
	r := newRenderer(t)
	if html := r.PostHTML(rsvpEvent(40), store.LangEN); !strings.Contains(html, "👥 Places: 40") {
		t.Errorf("no capacity in %q", html)
	}
	if html := r.PostHTML(rsvpEvent(0), store.LangEN); strings.Contains(html, "Places") {
		t.Errorf("capacity shown without one: %q", html)
	}
}

func FuzzParseRSVPArg(f *testing.F) {
	for _, s := range []string{"y-42-en", "ln-1-uk", "i-9007199254740991-nl", "y-42", "y--1-en", "y-042-de", "y-42-DE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		op, id, l, ok := render.ParseRSVPArg(arg)
		if !ok {
			return
		}
		if data := render.RSVPData(op, id, l); data != render.RSVPAction+":"+arg || len(data) > 64 {
			t.Fatalf("round trip %q -> %q", arg, data)
		}
	})
}
