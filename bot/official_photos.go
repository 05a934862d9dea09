package bot

import (
	"context"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/store"
)

// promptPhotos asks for the post's photos: one, or an album, or several
// messages of them, up to store.MaxPhotos; Done when there are some, Skip
// for none.
func (b *Bot) promptPhotos(ctx context.Context, r *Request, d store.Draft, cancel []tgbotapi.InlineKeyboardButton) error {
	l := r.Lang
	row := []tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_skip"), Callback{cbWizard, "skip"})}
	text := b.tr.T(l, "wizard_photos", "Limit", store.MaxPhotos)
	if n := len(d.Post.Photos); n > 0 {
		row = []tgbotapi.InlineKeyboardButton{button(b.tr.T(l, "btn_photos_done"), Callback{cbWizard, "done"})}
		text = b.tr.T(l, "wizard_photos_more", "Count", n, "Limit", store.MaxPhotos)
	}
	return b.reply(ctx, r, text, keyboard(row, cancel))
}

// takePhotos takes photos (or refuses another kind of file) sent to an
// official's wizard.
func (b *Bot) takePhotos(ctx context.Context, r *Request, d store.Draft) error {
	if d.Step != stepPhotos {
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_no_photos_now"), nil)
	}
	if ferr := b.addPhotos(&d.Post, r); ferr != nil {
		return b.replyFormError(ctx, r, ferr, "")
	}
	return b.advance(ctx, r, d)
}

// addPhotos adds the request's photos to a post, each once, refusing a
// file that is not a photo and more than store.MaxPhotos in all; on
// refusal the post is left as it was.
func (b *Bot) addPhotos(p *store.Post, r *Request) error {
	if r.Attachment {
		return &FormError{Field: "photos", Problem: "not_photo"}
	}
	photos := p.Photos
	for _, ph := range r.Photos {
		if !hasPhoto(photos, ph.UniqueID) {
			photos = append(photos, ph)
		}
	}
	if len(photos) > store.MaxPhotos {
		return &FormError{Field: "photos", Problem: "too_many", Value: strconv.Itoa(len(photos)), Limit: store.MaxPhotos}
	}
	p.Photos = photos
	return nil
}

func hasPhoto(photos []store.Photo, uniqueID string) bool {
	for _, ph := range photos {
		if ph.UniqueID == uniqueID {
			return true
		}
	}
	return false
}
