package bot

import (
	"context"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// DraftTTL is how long an untouched wizard is kept.
const DraftTTL = time.Hour

// Wizard steps, in order. Which of them a post passes through depends on
// its kind (see nextStep).
const (
	stepKind  = "kind"
	stepCity  = "city"
	stepTitle = "title"
	stepText  = "text"
	stepDate  = "date"  // visits and agreements
	stepStart = "start" // events
	stepEnd   = "end"   // events, optional
	stepPlace = "place" // events, optional
	// stepCapacity is an event's number of places, optional; its name
	// is the field's too (field_capacity).
	stepCapacity = "capacity"
	stepPhotos   = "photos"
	stepPreview  = "preview"
	// A translation's title and text, in Draft.TransLang; reached from
	// the preview (Add a translation) or /translate.
	stepTrTitle = "tr_title"
	stepTrText  = "tr_text"
	// The time to publish at, reached from the preview (Publish later).
	stepPublishAt = "publish_at"
)

// nextStep is the step after s for a post of kind k.
func nextStep(s string, k store.Kind) string {
	switch s {
	case stepKind:
		return stepCity
	case stepCity:
		return stepTitle
	case stepTitle:
		return stepText
	case stepText:
		switch k {
		case store.KindEvent:
			return stepStart
		case store.KindVisit, store.KindAgreement:
			return stepDate
		}
		return stepPhotos
	case stepStart:
		return stepEnd
	case stepEnd:
		return stepPlace
	case stepPlace:
		return stepCapacity
	case stepDate, stepCapacity:
		return stepPhotos
	case stepTrTitle:
		return stepTrText
	}
	return stepPreview
}

// handlePost starts the wizard in the official's private chat.
func (b *Bot) handlePost(ctx context.Context, r *Request) error {
	if !r.Private() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_private_only"), nil)
	}
	d := store.Draft{ID: r.Cause(), UserID: r.UserID, ChatID: r.ChatID, Step: stepKind}
	return b.advance(ctx, r, d)
}

// handleCancel drops a question the bot asked (a time, a reason), or else
// ends a wizard, whatever step it is in.
func (b *Bot) handleCancel(ctx context.Context, r *Request) error {
	if a, ok, err := b.pendingAwait(ctx, r); err != nil {
		return err
	} else if ok && a.Answer == 0 {
		if err := b.store.DeleteMemo(ctx, awaitKey(r.UserID)); err != nil {
			return err
		}
		return b.reply(ctx, r, b.tr.T(r.Lang, "await_cancelled", "ID", a.PostID), nil)
	}
	_, err := b.store.Draft(ctx, r.UserID)
	if isNotFound(err) {
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_nothing_to_cancel"), nil)
	}
	if err != nil {
		return err
	}
	if err := b.store.DeleteDraft(ctx, r.UserID); err != nil {
		return err
	}
	return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_cancelled"), nil)
}

// advance saves the draft, marked as moved on by this update, and asks for
// its current step.
func (b *Bot) advance(ctx context.Context, r *Request, d store.Draft) error {
	d.LastUpdate = r.UpdateID
	if err := b.store.SaveDraft(ctx, d, DraftTTL); err != nil {
		return err
	}
	return b.prompt(ctx, r, d)
}

// answerWizard feeds a message to the official's wizard through take;
// handled is false when there is no wizard (the message is then ordinary
// chatter or a form).
func (b *Bot) answerWizard(ctx context.Context, r *Request, take func(context.Context, *Request, store.Draft) error) (handled bool, err error) {
	d, err := b.store.Draft(ctx, r.UserID)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	// The role is checked on every step: a revoked editor's wizard stops.
	if ok, err := b.allowed(ctx, r, Editor); !ok || err != nil {
		return true, err
	}
	if d.LastUpdate == r.UpdateID {
		return true, b.prompt(ctx, r, d) // this answer was taken already
	}
	return true, take(ctx, r, d)
}

// takeText takes a typed answer at the draft's step.
func (b *Bot) takeText(ctx context.Context, r *Request, d store.Draft) error {
	text := strings.TrimSpace(r.Text)
	p := &d.Post
	loc := b.rd.Location(p.City)
	var ferr error
	switch d.Step {
	case stepTitle:
		p.Title = text
		ferr = formError(p.CheckField("title"))
	case stepText:
		// The official's line breaks are kept; only outer space goes.
		p.Text = strings.Trim(r.Text, " \t\r\n")
		ferr = formError(p.CheckField("text"))
	case stepDate:
		var t time.Time
		if t, ferr = ParseDate(text, loc); ferr == nil {
			p.Date = t
			// A date that parses may still be one the post rules refuse
			// (3000-01-01): the step asks again, as the /visit form does.
			if ferr = formError(p.CheckField("date")); ferr != nil {
				fe, _ := asFormError(ferr)
				fe.Value = short(text) // as typed, not as stored
			}
		}
	case stepStart:
		var t time.Time
		if t, ferr = ParseDateTime(text, loc); ferr == nil {
			p.StartsAt, p.Date, d.PastOK = &t, t, false
			if p.EndsAt != nil && !p.EndsAt.After(t) {
				p.EndsAt = nil
			}
			ferr = formError(p.CheckField("starts_at"))
		}
	case stepEnd:
		var t time.Time
		if t, ferr = ParseDateTime(text, loc); ferr != nil {
			ferr = renameField(ferr, "end")
		} else {
			p.EndsAt = &t
			if ferr = formError(p.CheckField("ends_at")); ferr != nil {
				fe, _ := asFormError(ferr)
				fe.Value = short(text) // as typed, not as stored
			}
		}
	case stepPlace:
		p.Place = text
		ferr = formError(p.CheckField("place"))
	case stepCapacity:
		p.Capacity, ferr = ParseCapacity(text)
	case stepTrTitle, stepTrText:
		ferr = b.takeTranslation(&d, r)
	case stepPublishAt:
		var t time.Time
		if t, ferr = b.parsePublishAt(text, p.City); ferr == nil {
			d.PublishAt = &t
			return b.publish(ctx, r, d)
		}
	default:
		// Buttons are expected at this step, not text.
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_use_buttons"), nil)
	}
	if ferr != nil {
		return b.replyFormError(ctx, r, ferr, "")
	}
	return b.advance(ctx, r, b.stepDone(d))
}

// stepDone moves the draft on: to the next step, or back to the preview
// when the official was changing one field.
func (b *Bot) stepDone(d store.Draft) store.Draft {
	next := nextStep(d.Step, d.Post.Kind)
	if d.Return == stepPreview {
		next = stepPreview
		d.Return = ""
	}
	d.Step = next
	return d
}

// onWizard handles the wizard's buttons.
func (b *Bot) onWizard(ctx context.Context, r *Request) error {
	d, err := b.store.Draft(ctx, r.UserID)
	if isNotFound(err) {
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "wizard_expired")))
		return nil
	}
	if err != nil {
		return err
	}
	if d.LastUpdate == r.UpdateID {
		return b.prompt(ctx, r, d) // this tap was taken already
	}
	arg := r.Arg
	switch {
	case arg == "cancel":
		if err := b.store.DeleteDraft(ctx, r.UserID); err != nil {
			return err
		}
		return b.edit(ctx, r, b.tr.T(r.Lang, "wizard_cancelled"), nil)
	case strings.HasPrefix(arg, "k-") && d.Step == stepKind:
		k := store.Kind(strings.TrimPrefix(arg, "k-"))
		if !k.Valid() {
			return errBadArg
		}
		d.Post.Kind = k
	case strings.HasPrefix(arg, "c-") && d.Step == stepCity:
		slug, ok := b.citySlug(strings.TrimPrefix(arg, "c-"))
		if !ok {
			return errBadArg
		}
		d.Post.City = slug
	case arg == "today" && d.Step == stepDate:
		now := b.now().In(b.rd.Location(d.Post.City))
		d.Post.Date = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	case arg == "skip" && d.Step == stepTrTitle && d.Post.Kind == store.KindAnnouncement:
		t := d.Post.Translations[d.TransLang]
		t.Title = ""
		if d.Post.Translations == nil {
			d.Post.Translations = map[store.Lang]store.PostText{}
		}
		d.Post.Translations[d.TransLang] = t
	case arg == "skip" && (d.Step == stepEnd || d.Step == stepPlace || d.Step == stepCapacity || d.Step == stepPhotos):
		switch d.Step {
		case stepEnd:
			d.Post.EndsAt = nil
		case stepPlace:
			d.Post.Place = ""
		case stepCapacity:
			d.Post.Capacity = 0
		case stepPhotos:
			d.Post.Photos = nil
		}
	case arg == "done" && d.Step == stepPhotos:
	case arg == "edit" && d.Step == stepPreview:
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_which_field"), b.fieldKeyboard(d.Post, r.Lang))
	case strings.HasPrefix(arg, "f-") && d.Step == stepPreview:
		return b.editField(ctx, r, d, strings.TrimPrefix(arg, "f-"))
	case arg == "tr" && d.Step == stepPreview:
		return b.reply(ctx, r, b.tr.T(r.Lang, "wizard_which_language"), b.translationKeyboard(d.Post, r.Lang))
	case strings.HasPrefix(arg, "t-") && d.Step == stepPreview:
		l, ok := store.ParseLang(strings.TrimPrefix(arg, "t-"))
		if !ok || l == d.Post.Lang {
			return errBadArg
		}
		d.Step, d.TransLang, d.Return = firstTranslationStep(d.Post), l, ""
		return b.advance(ctx, r, d)
	case arg == "pub" && d.Step == stepPreview:
		d.PublishAt = nil
		return b.publish(ctx, r, d)
	case arg == "later" && d.Step == stepPreview && (d.Editing == 0 || !d.Post.Visible()):
		d.Step = stepPublishAt
		return b.advance(ctx, r, d)
	case arg == "past" && d.Step == stepPreview:
		d.PastOK = true
		return b.publish(ctx, r, d)
	default:
		// A button from an earlier step or another draft.
		b.answer(ctx, r, render.PlainText(b.tr.T(r.Lang, "button_invalid")))
		return nil
	}
	return b.advance(ctx, r, b.stepDone(d))
}
