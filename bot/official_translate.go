package bot

import (
	"context"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

// translationKeyboard offers the languages a post can be translated into:
// every one but its own, a mark on those it has.
func (b *Bot) translationKeyboard(p store.Post, l store.Lang) *tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, tl := range store.Langs() {
		if tl == p.Lang {
			continue
		}
		row = append(row, button(mark(p.HasLang(tl))+b.tr.T(l, "lang_"+string(tl)), Callback{cbWizard, "t-" + string(tl)}))
	}
	return keyboard(row)
}

// firstTranslationStep is where a translation starts: an announcement
// without a title (its first line is its title) has only a text to
// translate.
func firstTranslationStep(p store.Post) string {
	if p.Kind == store.KindAnnouncement && p.Title == "" {
		return stepTrText
	}
	return stepTrTitle
}

// promptTranslation asks for a translation's title (announcements may have
// none) or text, showing the original to translate from.
func (b *Bot) promptTranslation(ctx context.Context, r *Request, d store.Draft, cancel []tgbotapi.InlineKeyboardButton) error {
	l := r.Lang
	lang := b.tr.T(l, "lang_"+string(d.TransLang))
	if d.Step == stepTrTitle {
		kb := keyboard(cancel)
		if d.Post.Kind == store.KindAnnouncement {
			kb = keyboard([]tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_skip"), Callback{cbWizard, "skip"})}, cancel)
		}
		return b.reply(ctx, r, b.tr.T(l, "wizard_tr_title", "Lang", lang, "Original", d.Post.Title, "Limit", store.MaxTitleLen), kb)
	}
	return b.reply(ctx, r, b.tr.T(l, "wizard_tr_text", "Lang", lang, "Original", d.Post.Text, "Limit", store.MaxTextLen), keyboard(cancel))
}

// takeTranslation takes the typed title or text of the translation in
// d.TransLang, by the same rules as the post's own.
func (b *Bot) takeTranslation(d *store.Draft, r *Request) error {
	if d.Post.Translations == nil {
		d.Post.Translations = map[store.Lang]store.PostText{}
	}
	t := d.Post.Translations[d.TransLang]
	check := store.Post{Kind: d.Post.Kind}
	if d.Step == stepTrTitle {
		t.Title, check.Title = strings.TrimSpace(r.Text), strings.TrimSpace(r.Text)
		d.Post.Translations[d.TransLang] = t
		return formError(check.CheckField("title"))
	}
	body := strings.Trim(r.Text, " \t\r\n")
	t.Text, check.Text = body, body
	d.Post.Translations[d.TransLang] = t
	return formError(check.CheckField("text"))
}

// versions lists the languages a post is in: its own first.
func (b *Bot) versions(p store.Post, l store.Lang) string {
	lang := p.Lang
	if lang == "" {
		lang = l
	}
	out := []string{b.tr.T(l, "lang_"+string(lang)) + " (" + b.tr.T(l, "original") + ")"}
	for _, tl := range translatedLangs(p) {
		out = append(out, b.tr.T(l, "lang_"+string(tl)))
	}
	return strings.Join(out, ", ")
}

// handleTranslate opens the wizard on a published post at a translation:
// /translate 42 de. Publishing it again edits the post.
func (b *Bot) handleTranslate(ctx context.Context, r *Request) error {
	if !r.Private() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_private_only"), nil)
	}
	fields := strings.Fields(r.Args)
	var id int64
	var ok bool
	if len(fields) == 2 {
		id, ok = postID(fields[0])
	}
	lang, langOK := store.Lang(""), false
	if ok {
		lang, langOK = store.ParseLang(fields[1])
	}
	if !ok || !langOK || len(fields[1]) != 2 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "translate_usage"), nil)
	}
	p, err := b.store.Post(ctx, id)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "post_unknown", "ID", id), nil)
	}
	if err != nil {
		return err
	}
	if lang == p.Lang {
		return b.reply(ctx, r, b.tr.T(r.Lang, "translate_original", "ID", id), nil)
	}
	d := store.Draft{ID: r.Cause(), UserID: r.UserID, ChatID: r.ChatID, Step: firstTranslationStep(p), Post: p, Editing: id,
		PastOK: true, TransLang: lang}
	return b.advance(ctx, r, d)
}
