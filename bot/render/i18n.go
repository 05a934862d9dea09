package render

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"path"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/partnerbot/partnerbot/store"
)

//go:embed locales/*.json
var localeFS embed.FS

// Translator renders the texts residents see from the embedded locale files.
type Translator struct {
	locs map[store.Lang]*i18n.Localizer
}

// NewTranslator loads every locale file. Ukrainian is the fallback for a key
// a locale lacks (a test makes sure none lacks any).
func NewTranslator() (*Translator, error) {
	bundle := i18n.NewBundle(language.Ukrainian)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		return nil, fmt.Errorf("i18n: list locales: %w", err)
	}
	for _, f := range files {
		b, err := localeFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", f, err)
		}
		if _, err := bundle.ParseMessageFileBytes(b, path.Base(f)); err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", f, err)
		}
	}
	t := &Translator{locs: make(map[store.Lang]*i18n.Localizer)}
	for _, l := range store.Langs() {
		t.locs[l] = i18n.NewLocalizer(bundle, string(l), string(store.LangUK))
	}
	return t, nil
}

// HTML marks a template argument as already safe HTML, so T does not escape it.
type HTML string

// T returns the text id in language l. args are name/value pairs for the
// template; values are HTML-escaped unless they are HTML, because go-i18n's
// templates do not escape and every reply uses HTML parse mode.
func (t *Translator) T(l store.Lang, id string, args ...any) string {
	loc := t.locs[l]
	if loc == nil {
		loc = t.locs[store.LangUK]
	}
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = escapeArg(args[i+1])
		}
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || s == "" {
		return id
	}
	return s
}

func escapeArg(v any) any {
	switch v := v.(type) {
	case HTML:
		return string(v)
	case string:
		return html.EscapeString(v)
	case fmt.Stringer:
		return html.EscapeString(v.String())
	default:
		return v
	}
}

// LocaleKeys returns the message ids in one locale file, for the tests that
// every locale has every key and that the code asks only for keys that
// exist.
func LocaleKeys(l store.Lang) (map[string]string, error) {
	b, err := localeFS.ReadFile("locales/" + string(l) + ".json")
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("locale %s: %w", l, err)
	}
	for k := range m {
		if strings.TrimSpace(m[k]) == "" {
			return nil, fmt.Errorf("locale %s: key %q is empty", l, k)
		}
	}
	return m, nil
}
