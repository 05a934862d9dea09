package main

import (
	"fmt"
	"strconv"

	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/store"
)

// maxRetentionDays bounds RETENTION_DAYS and AUDIT_RETENTION_DAYS: a
// century, far below what a time.Duration can hold.
const maxRetentionDays = 36500

// loadPrivacy reads the retention periods and the privacy notice file.
func (c *Config) loadPrivacy(get func(string) string) error {
	for _, d := range []struct {
		name string
		to   *int
	}{{"RETENTION_DAYS", &c.Retention.ChatDays}, {"AUDIT_RETENTION_DAYS", &c.Retention.AuditDays}} {
		n, err := strconv.Atoi(get(d.name))
		if err != nil || n < 1 || n > maxRetentionDays {
			return fmt.Errorf("%s: %q is not a whole number of days from 1 to %d, like 30", d.name, get(d.name), maxRetentionDays)
		}
		*d.to = n
	}
	if err := c.Retention.Validate(); err != nil {
		return err // the checks above already hold the rule's bounds
	}
	c.PrivacyFile = get("PRIVACY_FILE")
	if c.PrivacyFile == "" {
		return nil
	}
	t, err := data.LoadPrivacy(c.PrivacyFile)
	if err != nil {
		return fmt.Errorf("PRIVACY_FILE: %w", err)
	}
	c.Privacy = t
	return nil
}

// privacyOf is the notice the bot shows: PRIVACY_FILE's, else the
// dataset's (nil: the bot's own).
func privacyOf(cfg Config, d *store.Dataset) store.Text {
	if cfg.Privacy != nil {
		return cfg.Privacy
	}
	return d.Privacy
}
