package store_test

import (
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

func TestOutboxMessagePersonal(t *testing.T) {
	notice := func(what string) *store.AttendeeNotice { return &store.AttendeeNotice{What: what} }
	for _, c := range []struct {
		name string
		m    store.OutboxMessage
		want bool
	}{
		{"office in", store.OutboxMessage{Kind: store.MsgOfficeIn, Office: &store.OfficeCopy{}}, true},
		{"office out", store.OutboxMessage{Kind: store.MsgOfficeOut, Office: &store.OfficeCopy{}}, true},
		{"place became free", store.OutboxMessage{Kind: store.MsgAttendee, Notice: notice(store.NoticePromoted)}, true},
		{"event changed", store.OutboxMessage{Kind: store.MsgAttendee, Notice: notice(store.NoticeChanged)}, false},
		{"event cancelled", store.OutboxMessage{Kind: store.MsgAttendee, Notice: notice(store.NoticeCancelled)}, false},
		{"attendee without notice", store.OutboxMessage{Kind: store.MsgAttendee}, false},
		{"digest", store.OutboxMessage{Kind: store.MsgDigest}, false},
		{"announcement", store.OutboxMessage{Kind: store.MsgAnnouncement}, false},
		{"reminder", store.OutboxMessage{Kind: store.MsgReminder}, false},
		{"channel post", store.OutboxMessage{Kind: store.MsgChannel}, false},
		{"channel edit", store.OutboxMessage{Kind: store.MsgChannelEdit}, false},
		{"channel delete", store.OutboxMessage{Kind: store.MsgChannelDelete}, false},
		{"notice to officials", store.OutboxMessage{Kind: store.MsgNotice}, false},
		{"no kind", store.OutboxMessage{}, false},
	} {
		if got := c.m.Personal(); got != c.want {
			t.Errorf("%s: Personal() = %t, want %t", c.name, got, c.want)
		}
	}
}
