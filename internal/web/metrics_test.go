package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/internal/metrics"
)

// With metrics on their own listener, the public one has none and the
// metrics one serves nothing public.
func TestMetricsHandlerAlone(t *testing.T) {
	d, err := data.Default()
	if err != nil {
		t.Fatal(err)
	}
	mets := metrics.New(nil)
	mets.Sent("reply")
	public := &Server{Data: d, TelegramReached: func() bool { return true }}
	public.SetStore(&fakeStore{})
	pub := httptest.NewServer(public.Handler())
	defer pub.Close()
	priv := httptest.NewServer(MetricsHandler(mets.Registry))
	defer priv.Close()

	for _, tt := range []struct {
		base, path string
		want       int
	}{
		{pub.URL, "/metrics", 404},
		{pub.URL, "/healthz", 200},
		{pub.URL, "/feed.atom", 200},
		{priv.URL, "/metrics", 200},
		{priv.URL, "/healthz", 200},
		{priv.URL, "/readyz", 404},
		{priv.URL, "/feed.atom", 404},
		{priv.URL, "/events.ics", 404},
	} {
		if code, _, _ := get(t, tt.base+tt.path); code != tt.want {
			name := "public"
			if tt.base == priv.URL {
				name = "metrics"
			}
			t.Errorf("%s GET %s = %d, want %d", name, tt.path, code, tt.want)
		}
	}
	if _, body, _ := get(t, priv.URL+"/metrics"); !strings.Contains(body, `partnerbot_messages_sent_total{kind="reply"} 1`) {
		t.Errorf("metrics listener's /metrics lacks the counters:\n%s", body)
	}
}
