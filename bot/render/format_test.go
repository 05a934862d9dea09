package render

import (
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// Every kind has its own icon, and the icons are a function's answers, not
// a map a caller could change for every reply.
func TestKindIcon(t *testing.T) {
	seen := map[string]store.Kind{}
	for _, k := range store.Kinds() {
		icon := KindIcon(k)
		if icon == "" {
			t.Errorf("kind %q has no icon", k)
		}
		if other, dup := seen[icon]; dup {
			t.Errorf("kinds %q and %q share the icon %q", other, k, icon)
		}
		seen[icon] = k
	}
	if got := KindIcon("gossip"); got != "" {
		t.Errorf("unknown kind has the icon %q, want none", got)
	}
	if got := KindIcon(store.KindVisit); got != "✈️" {
		t.Errorf("KindIcon(visit) = %q, want ✈️", got)
	}
}
