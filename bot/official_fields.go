package bot

import (
	"context"
	"slices"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

// fieldKeyboard offers what an official can change from the preview: the
// post's fields, its photos, and each translation it has.
func (b *Bot) fieldKeyboard(p store.Post, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, f := range editableFields(p.Kind) {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "field_"+f), Callback{cbWizard, "f-" + f})})
	}
	for _, tl := range translatedLangs(p) {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "field_translation", "Lang", b.tr.T(l, "lang_"+string(tl))),
			Callback{cbWizard, "f-tr-" + string(tl)})})
	}
	return keyboard(rows...)
}

func editableFields(k store.Kind) []string {
	switch k {
	case store.KindEvent:
		return []string{stepCity, stepTitle, stepText, stepStart, stepEnd, stepPlace, stepCapacity, stepPhotos}
	case store.KindVisit, store.KindAgreement:
		return []string{stepCity, stepTitle, stepText, stepDate, stepPhotos}
	}
	return []string{stepCity, stepTitle, stepText, stepPhotos}
}

// editField reopens one field (or a translation, "tr-de") from the
// preview; the official comes back to the preview after it. Photos are
// replaced, not added to.
func (b *Bot) editField(ctx context.Context, r *Request, d store.Draft, field string) error {
	if lang, ok := strings.CutPrefix(field, "tr-"); ok {
		l, valid := store.ParseLang(lang)
		if !valid || !slices.Contains(translatedLangs(d.Post), l) {
			return errBadArg
		}
		d.Step, d.TransLang, d.Return = firstTranslationStep(d.Post), l, ""
		return b.advance(ctx, r, d)
	}
	if !slices.Contains(editableFields(d.Post.Kind), field) {
		return errBadArg
	}
	if field == stepPhotos {
		d.Post.Photos = nil
	}
	d.Step, d.Return = field, stepPreview
	return b.advance(ctx, r, d)
}

// translatedLangs are the languages a post is translated into, in the
// bot's order.
func translatedLangs(p store.Post) []store.Lang {
	var out []store.Lang
	for _, l := range store.Langs() {
		if l != p.Lang && p.HasLang(l) {
			out = append(out, l)
		}
	}
	return out
}
