package bot

import (
	"testing"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// Every key the code asks for must exist: T returns the key itself when it
// is missing, which a resident would see.
func TestTranslatorKnowsCodeKeys(t *testing.T) {
	tr, err := render.NewTranslator()
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := render.LocaleKeys(store.LangUK)
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
	for _, st := range store.Statuses() {
		if _, ok := keys["status_"+string(st)]; !ok {
			t.Errorf("missing status_%s", st)
		}
	}
	for _, a := range store.AuditActions() {
		if _, ok := keys["audit_"+a]; !ok {
			t.Errorf("missing audit_%s", a)
		}
	}
	for _, f := range store.Frequencies() {
		for _, p := range []string{"freq_", "digest_set_"} {
			if _, ok := keys[p+string(f)]; !ok {
				t.Errorf("missing %s%s", p, f)
			}
		}
	}
}

// Every problem a post rule can report on a form has its message.
func TestFormProblemsHaveMessages(t *testing.T) {
	keys, err := render.LocaleKeys(store.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{store.ProblemRequired, store.ProblemTooLong, store.ProblemInvalid, store.ProblemUnknownKind,
		store.ProblemUnknownLang, store.ProblemUnknownCity, store.ProblemSameLang, store.ProblemEventOnly,
		store.ProblemEndBeforeStart, store.ProblemOutOfRange, store.ProblemMultiline, store.ProblemControlChar, store.ProblemTooMany,
		store.ProblemNumber} {
		fe, _ := asFormError(formError(&store.FieldError{Field: "title", Problem: p}))
		if _, ok := keys["form_problem_"+fe.Problem]; !ok {
			t.Errorf("rule problem %s becomes form_problem_%s, which no locale has", p, fe.Problem)
		}
	}
}
