package bot

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// Every locale must have every key, so no resident ever sees a key name or
// a fallback in another language.
func TestLocalesHaveEveryKey(t *testing.T) {
	want, err := localeKeys(store.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range store.Langs() {
		got, err := localeKeys(l)
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

// Every key the code asks for must exist: T returns the key itself when it
// is missing, which a resident would see.
func TestTranslatorKnowsCodeKeys(t *testing.T) {
	tr, err := NewTranslator()
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := localeKeys(store.LangUK)
	var b Bot
	b.tr = tr
	for _, rt := range b.routes() {
		if _, ok := keys[rt.Help]; !ok {
			t.Errorf("route %s: help key %q missing", rt.Command, rt.Help)
		}
	}
	for _, k := range store.Kinds() {
		for _, p := range []string{"kind_", "kinds_"} {
			if _, ok := keys[p+string(k)]; !ok {
				t.Errorf("missing %s%s", p, k)
			}
		}
	}
	for _, f := range store.Frequencies() {
		for _, p := range []string{"freq_", "digest_set_"} {
			if _, ok := keys[p+string(f)]; !ok {
				t.Errorf("missing %s%s", p, f)
			}
		}
	}
	_ = slices.Sorted(maps.Keys(keys))
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
