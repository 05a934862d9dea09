package store

import (
	"fmt"
	"strconv"
	"strings"
)

// minutesPerDay is the length of a day on the wall clock, and 24:00 read
// as minutes after midnight.
const minutesPerDay = 24 * 60

// clockForm is how a setting spells a time of day. parseClock is the one
// reader of times of day in the package; each setting names its form.
type clockForm struct {
	// short lets the hour be one digit and the minutes be left out,
	// "9", "9:30" or "22": quiet hours, typed by a resident in a chat.
	// Without it only HH:MM is read.
	short bool
	// allow24 reads 24:00 as the end of the day (minutesPerDay): an
	// office may close at midnight. Without it times run to 23:59.
	allow24 bool
}

var (
	// quietClock is the form of /quiet hours: "22:00", "7:15", "22".
	quietClock = clockForm{short: true}
	// officeClock is the form of OFFICE_HOURS: "09:00", up to "24:00".
	officeClock = clockForm{allow24: true}
)

// parseClock reads s, spelt in form, as minutes after midnight: 0 to
// 23*60+59, or minutesPerDay for 24:00 where form allows it. Hours and
// minutes are ASCII digits only (no signs or spaces); minutes, when
// given, are two digits.
func parseClock(s string, form clockForm) (int, error) {
	hh, mm, hasMin := strings.Cut(s, ":")
	ok := isDigits(hh) && len(hh) <= 2 && (!hasMin || len(mm) == 2 && isDigits(mm))
	if !form.short {
		ok = ok && len(hh) == 2 && hasMin
	}
	if !ok {
		return 0, clockError(s)
	}
	h, _ := strconv.Atoi(hh) // at most two digits: cannot fail
	m := 0
	if hasMin {
		m, _ = strconv.Atoi(mm)
	}
	switch {
	case h < 24 && m < 60:
		return h*60 + m, nil
	case h == 24 && m == 0 && form.allow24:
		return minutesPerDay, nil
	}
	return 0, clockError(s)
}

// clockError is parseClock's error.
func clockError(s string) error {
	return fmt.Errorf("%q is not a time of day like 09:00", s)
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
