package store

// Personal messages go first. Issue 14 promised residents that replies
// always go before bulk delivery, but some replies travel through the
// outbox: an official's answer copied to a resident, a resident's message
// copied to the office, the notice that a place on an event's list became
// theirs. Queued behind a digest to 10,000 readers they would wait for the
// whole digest (5.6 minutes at 30 messages a second). So the outbox keeps
// them in a queue of their own that workers read first, and they are paced
// as replies: they may take the limiter's reserve for replies, and they
// never carry allow_paid_broadcast (Telegram charges for it, and one person
// writing to another is no broadcast).

// Personal reports whether m is one person's message to another (or the
// answer to one), which goes before bulk delivery: the office's copies
// both ways (MsgOfficeIn, MsgOfficeOut), and the notice to one attendee
// that a place became theirs (MsgAttendee with NoticePromoted), which
// follows someone else's cancellation and is worth little if it comes
// late. An event's change or cancellation, told to everyone on its list
// at once, is a fan-out like an announcement and stays bulk, as do
// digests, announcements, reminders, channel posts and notices to
// officials.
//
// The backends put a message in its queue when it is enqueued (and again
// when a retry is promoted), by this rule, so the rule lives here and
// nowhere else.
func (m OutboxMessage) Personal() bool {
	switch m.Kind {
	case MsgOfficeIn, MsgOfficeOut:
		return true
	case MsgAttendee:
		return m.Notice != nil && m.Notice.What == NoticePromoted
	}
	return false
}
