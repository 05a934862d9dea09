package main

import (
	"testing"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/scheduler"
)

// The scheduler reads the client's names of the channel's rights.
func TestChannelRightNamesAgree(t *testing.T) {
	for _, p := range [][2]string{
		{scheduler.RightMember, telegram.RightMember},
		{scheduler.RightEdit, telegram.RightEdit},
		{scheduler.RightDelete, telegram.RightDelete},
	} {
		if p[0] != p[1] {
			t.Errorf("scheduler's right %q, the client's %q", p[0], p[1])
		}
	}
}
