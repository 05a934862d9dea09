package main

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/partnerbot/partnerbot/store"
)

// officeRE is what OFFICE_CHAT_ID may be: a supergroup's numeric id
// (-100…); a forum is always a supergroup, and an office's group is
// private, so it has no @username to name it by.
var officeRE = regexp.MustCompile(`^-100[0-9]{6,15}$`)

// loadOffice reads the partnership office's settings; TIMEZONE must be
// read already, the office hours are in it.
func (c *Config) loadOffice(get func(string) string) error {
	if v := get("OFFICE_CHAT_ID"); v != "" {
		if !officeRE.MatchString(v) {
			return fmt.Errorf("OFFICE_CHAT_ID: %q is not a supergroup's numeric id, like -1001234567890", v)
		}
		c.OfficeChat, _ = strconv.ParseInt(v, 10, 64)
	}
	hours, err := store.ParseOfficeHours(get("OFFICE_HOURS"), c.TimeZone)
	if err != nil {
		return fmt.Errorf("OFFICE_HOURS: %v", err)
	}
	c.OfficeHours = hours
	rate, err := store.ParseContactRate(get("CONTACT_RATE"))
	if err != nil {
		return fmt.Errorf("CONTACT_RATE: %v", err)
	}
	c.ContactRate = rate
	lang, ok := store.ParseLang(get("OFFICE_LANG"))
	if !ok || len(get("OFFICE_LANG")) != 2 {
		return fmt.Errorf("OFFICE_LANG: %q is not one of uk, en, de, nl", get("OFFICE_LANG"))
	}
	c.OfficeLang = lang
	return nil
}
