package render

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// Every locale must have every key, so no resident ever sees a key name or
// a fallback in another language.
func TestLocalesHaveEveryKey(t *testing.T) {
	want, err := LocaleKeys(store.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range store.Langs() {
		got, err := LocaleKeys(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		for k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("%s lacks %q", l, k)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s has %q, which en lacks", l, k)
			}
		}
		for k, v := range got {
			if strings.Count(v, "{{") != strings.Count(want[k], "{{") {
				t.Errorf("%s %q: placeholders differ from en", l, k)
			}
		}
	}
}

func TestTranslatorEscapesArguments(t *testing.T) {
	tr, err := NewTranslator()
	if err != nil {
		t.Fatal(err)
	}
	got := tr.T(store.LangEN, "unknown_command", "Command", "/<b>x&y")
	if !strings.Contains(got, "/&lt;b&gt;x&amp;y") {
		t.Errorf("argument not escaped: %q", got)
	}
	got = tr.T(store.LangEN, "subscribed", "Cities", HTML("<b>Krefeld</b>"), "Frequency", "daily")
	if !strings.Contains(got, "<b>Krefeld</b>") {
		t.Errorf("HTML argument escaped: %q", got)
	}
	if got := tr.T(store.LangDE, "lang_name"); !strings.Contains(got, "Deutsch") {
		t.Errorf("de lang_name = %q", got)
	}
}
