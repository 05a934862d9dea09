package bot

import (
	"errors"
	"fmt"
	"strings"

	"github.com/partnerbot/partnerbot/bot/render"
)

// Callback is the data behind an inline button: an action and one argument.
// It is user input: anyone can send any callback_data, so Decode checks it.
type Callback struct {
	Action string
	Arg    string
}

// Callback actions.
const (
	cbMenu        = "m"  // arg: a menu entry (cities, events, news, sub, lang, settings, digest)
	cbCity        = "c"  // arg: city slug; shows the card
	cbCityEvents  = "e"  // arg: city slug
	cbSubscribe   = "s"  // arg: city slug; from a city card
	cbUnsubscribe = "u"  // arg: city slug; from a city card
	cbToggleCity  = "tc" // arg: 1 or 0 (follow or not) and a city slug; in the toggle keyboard
	cbToggleKind  = "tk" // arg: 1 or 0 and a post kind
	cbToggleDone  = "td" // no arg
	cbLang        = "l"  // arg: language code
	cbDigest      = "d"  // arg: frequency
	cbWizard      = "w"  // arg: a wizard step answer (officials)
	cbDelete      = "x"  // arg: post id to delete, or "no" (officials)
	cbPostSub     = "ps" // arg: city slug; under a post shown in full
	cbSchedule    = "sc" // arg: n-<id> publish now, t-<id> change the time, c-<id> cancel (officials)
	cbReview      = "rv" // arg: a-<id> approve, r-<id> reject, e-<id> edit (approvers)
	cbZone        = "z"  // arg: the slug of the city whose time zone to take
	cbQuiet       = "q"  // arg: quiet hours "22-7" (store.ParseQuietHours), or "off"
	// cbRSVP is the sign-up buttons under an event, made by the shared
	// renderer (render.RSVPData: arg <op>-<event id>-<lang>), since the
	// scheduler's reminders and channel posts carry them too.
	cbRSVP    = render.RSVPAction
	cbContact = "of" // arg: o opens the conversation with the office, d closes it
)

var knownActions = map[string]bool{
	cbMenu: true, cbCity: true, cbCityEvents: true, cbSubscribe: true, cbUnsubscribe: true,
	cbToggleCity: true, cbToggleKind: true, cbToggleDone: true, cbLang: true, cbDigest: true,
	cbWizard: true, cbDelete: true, cbPostSub: true, cbSchedule: true, cbReview: true, cbZone: true, cbQuiet: true, cbRSVP: true,
	cbContact: true,
}

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// ErrBadCallback is returned for callback data this bot did not make.
var ErrBadCallback = errors.New("invalid callback data")

// Encode returns the callback_data string.
func (c Callback) Encode() string { return c.Action + ":" + c.Arg }

// cutCallback splits callback_data into action and argument, unchecked:
// for reading a keyboard the bot made, not for acting on a tap.
func cutCallback(data string) (action, arg string, ok bool) { return strings.Cut(data, ":") }

// DecodeCallback parses callback_data made by Encode.
func DecodeCallback(data string) (Callback, error) {
	if data == "" || len(data) > maxCallbackData {
		return Callback{}, fmt.Errorf("%w: length %d", ErrBadCallback, len(data))
	}
	action, arg, ok := strings.Cut(data, ":")
	if !ok || !knownActions[action] {
		return Callback{}, fmt.Errorf("%w: unknown action", ErrBadCallback)
	}
	for _, r := range arg {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return Callback{}, fmt.Errorf("%w: bad argument", ErrBadCallback)
		}
	}
	return Callback{Action: action, Arg: arg}, nil
}
