package main

import (
	"fmt"
	"regexp"

	"github.com/partnerbot/partnerbot/store"
)

// channelRE is what CHANNEL_ID may be: a public channel's @username, or a
// channel's numeric id (-100…).
var channelRE = regexp.MustCompile(`^(@[A-Za-z][A-Za-z0-9_]{3,31}|-100[0-9]{6,15})$`)

// loadChannel reads the city's channel settings.
func (c *Config) loadChannel(get func(string) string) error {
	c.Channel = get("CHANNEL_ID")
	if c.Channel != "" && !channelRE.MatchString(c.Channel) {
		return fmt.Errorf("CHANNEL_ID: %q is not a channel's @username or numeric id, like @kropyvnytskyi_partners or -1001234567890", c.Channel)
	}
	lang, ok := store.ParseLang(get("CHANNEL_LANG"))
	if !ok || len(get("CHANNEL_LANG")) != 2 {
		return fmt.Errorf("CHANNEL_LANG: %q is not one of uk, en, de, nl", get("CHANNEL_LANG"))
	}
	c.ChannelLang = lang
	return nil
}
