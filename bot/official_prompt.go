package bot

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// prompt asks for the draft's current step.
func (b *Bot) prompt(ctx context.Context, r *Request, d store.Draft) error {
	l := r.Lang
	cancel := []tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_cancel"), Callback{cbWizard, "cancel"})}
	switch d.Step {
	case stepKind:
		var row []tgbotapi.InlineKeyboardButton
		for _, k := range store.Kinds() {
			row = append(row, button(render.KindIcon(k)+" "+b.tr.T(l, "kind_"+string(k)), Callback{cbWizard, "k-" + string(k)}))
		}
		return b.reply(ctx, r, b.tr.T(l, "wizard_kind"), keyboard(row[:2], row[2:], cancel))
	case stepCity:
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, c := range b.data.Partners {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{button(c.Flag+" "+c.Name.In(l), Callback{cbWizard, "c-" + c.Slug})})
		}
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button("🌍 "+b.tr.T(l, "all_cities"), Callback{cbWizard, "c-" + store.AllCities})}, cancel)
		return b.reply(ctx, r, b.tr.T(l, "wizard_city"), keyboard(rows...))
	case stepTitle:
		return b.reply(ctx, r, b.tr.T(l, "wizard_title", "Limit", store.MaxTitleLen), keyboard(cancel))
	case stepText:
		return b.reply(ctx, r, b.tr.T(l, "wizard_text", "Limit", store.MaxTextLen), keyboard(cancel))
	case stepDate:
		return b.reply(ctx, r, b.tr.T(l, "wizard_date", "Zone", b.rd.Location(d.Post.City).String()),
			keyboard([]tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_today"), Callback{cbWizard, "today"})}, cancel))
	case stepStart:
		return b.reply(ctx, r, b.tr.T(l, "wizard_start", "Zone", b.rd.Location(d.Post.City).String()), keyboard(cancel))
	case stepEnd, stepPlace, stepCapacity:
		skip := []tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_skip"), Callback{cbWizard, "skip"})}
		return b.reply(ctx, r, b.tr.T(l, "wizard_"+d.Step, "Zone", b.rd.Location(d.Post.City).String()), keyboard(skip, cancel))
	case stepPhotos:
		return b.promptPhotos(ctx, r, d, cancel)
	case stepTrTitle, stepTrText:
		return b.promptTranslation(ctx, r, d, cancel)
	case stepPublishAt:
		return b.reply(ctx, r, b.tr.T(l, "wizard_publish_at", "Zone", b.rd.Location(d.Post.City).String(),
			"Now", b.rd.ZonedTime(b.now(), d.Post.City)), keyboard(cancel))
	}
	return b.sendPreview(ctx, r, d)
}

// sendPreview shows the post exactly as residents will see it, photos
// included, in the official's language (and says which translations it
// has).
func (b *Bot) sendPreview(ctx context.Context, r *Request, d store.Draft) error {
	l := r.Lang
	publish := []tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_publish"), Callback{cbWizard, "pub"})}
	if d.Editing == 0 || !d.Post.Visible() {
		// A published post has no later.
		publish = append(publish, button(b.tr.T(l, "btn_publish_later"), Callback{cbWizard, "later"}))
	}
	kb := keyboard(
		publish,
		[]tgbotapi.InlineKeyboardButton{
			button(b.tr.T(l, "btn_edit_field"), Callback{cbWizard, "edit"}),
			button(b.tr.T(l, "btn_add_translation"), Callback{cbWizard, "tr"}),
		},
		[]tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_cancel"), Callback{cbWizard, "cancel"})},
	)
	b.reply(ctx, r, b.tr.T(l, "wizard_preview", "Versions", b.versions(d.Post, l)), nil)
	b.replyParts(r, b.rd.PostParts(d.Post, l, keyboardJSON(kb)))
	return nil
}
