package bot

import (
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text string
		want Command
		ok   bool
	}{
		{"/start", Command{Name: "start"}, true},
		{"/city Krefeld", Command{Name: "city", Args: "Krefeld"}, true},
		{"/city   Крефельд  ", Command{Name: "city", Args: "Крефельд"}, true},
		{"/CITY venlo", Command{Name: "city", Args: "venlo"}, true},
		{"/city@PartnerBot krefeld", Command{Name: "city", Args: "krefeld", Addressed: true}, true},
		{"/city@partnerbot", Command{Name: "city", Addressed: true}, true},
		{"/city@OtherBot krefeld", Command{Name: "city", Args: "krefeld", OtherBot: true}, true},
		{"/city\nKrefeld", Command{Name: "city", Args: "Krefeld"}, true},
		{"/start city_krefeld", Command{Name: "start", Args: "city_krefeld"}, true},
		{"hello", Command{}, false},
		{"", Command{}, false},
		{"/", Command{}, false},
		{"/ city", Command{}, false},
		{"/мiсто", Command{}, false},
		{"/" + strings.Repeat("a", 33), Command{}, false},
		{"/@PartnerBot", Command{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseCommand(tt.text, "PartnerBot")
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v, %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/start", "/city@PartnerBot Krefeld", "/events\nvenlo", "/x@", "/😀", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, ok := ParseCommand(text, "PartnerBot")
		if !ok {
			if c != (Command{}) {
				t.Fatalf("not a command but got %+v", c)
			}
			return
		}
		if c.Name == "" || len(c.Name) > maxCommandName || c.Name != strings.ToLower(c.Name) {
			t.Fatalf("bad name %q from %q", c.Name, text)
		}
		if c.Args != strings.TrimSpace(c.Args) {
			t.Fatalf("untrimmed args %q", c.Args)
		}
		if c.Addressed && c.OtherBot {
			t.Fatal("addressed to both this and another bot")
		}
		if !strings.HasPrefix(strings.ToLower(text), "/"+c.Name) {
			t.Fatalf("name %q not at the start of %q", c.Name, text)
		}
	})
}
