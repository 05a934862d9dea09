package web

import (
	"net/http"

	"github.com/partnerbot/partnerbot/internal/feeds"
	"github.com/partnerbot/partnerbot/store"
)

// calendar serves /events.ics and /events/<city>.ics: the upcoming events,
// each with the number going as it is when the calendar is fetched.
func (s *Server) calendar(w http.ResponseWriter, r *http.Request, city string) {
	l, st, ok := s.feedRequest(w, r)
	if !ok {
		return
	}
	events, err := st.UpcomingEvents(r.Context(), city, s.Now(), feedEvents)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := make([]int64, len(events))
	for i, p := range events {
		ids[i] = p.ID
	}
	counts, err := st.RSVPCounts(r.Context(), ids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	turnouts := make(map[int64]store.Turnout, len(events))
	for _, p := range events {
		turnouts[p.ID] = p.Turnout(counts[p.ID])
	}
	name := s.Data.Home.Name.In(l)
	if c, ok := s.Data.Partner(city); ok {
		name += " — " + c.Name.In(l)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	err = feeds.WriteICS(w, feeds.Calendar{Name: name, Events: events, Cities: s.Data, Lang: l, Host: s.host(), Now: s.Now(),
		Turnouts: turnouts})
	if err != nil {
		s.Log.Error("calendar feed", "err", err)
	}
}
