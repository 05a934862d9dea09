package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Officials answer residents from the office's inbox: by writing in the
// resident's topic of the office group, or, without a group, by replying
// in their private chat to a resident's message (or card). The answer is
// copied to that resident — the one the topic or message is linked to in
// the store, checked against the resident's conversation, so it can never
// reach anyone else. Anyone in the office group may answer (the group is
// the office); /block and /unblock are for officials.

// officeMessage takes a message written in the office group, or an
// owner's reply to a resident's message in private; handled is false for
// anything else.
func (b *Bot) officeMessage(ctx context.Context, r *Request) (handled bool, err error) {
	switch {
	case b.office.ChatID != 0 && r.ChatID == b.office.ChatID:
		if !r.InTopic || r.ThreadID == 0 || !r.Copyable {
			return true, nil // the General topic's chatter, service messages
		}
		resident, err := b.topicResident(ctx, r.ThreadID)
		if isNotFound(err) {
			return true, b.reply(ctx, r, b.tr.T(r.Lang, "office_unknown_topic"), nil)
		}
		if err != nil {
			return true, err
		}
		return true, b.answerResident(ctx, r, resident)
	case r.Private() && r.ReplyTo != 0:
		resident, err := store.LinkedResident(ctx, b.store, r.ChatID, r.ReplyTo)
		if isNotFound(err) {
			return false, nil // a reply to something else: not for the office
		}
		if err != nil {
			return true, err
		}
		if _, err := b.store.Conversation(ctx, resident); isNotFound(err) {
			return true, b.reply(ctx, r, b.tr.T(r.Lang, "office_resident_gone"), nil)
		} else if err != nil {
			return true, err
		}
		return true, b.answerResident(ctx, r, resident)
	}
	return false, nil
}

// topicResident is the resident whose topic in the office group thread
// is: the store's link, and the resident's conversation agrees.
func (b *Bot) topicResident(ctx context.Context, thread int) (int64, error) {
	resident, err := b.store.TopicResident(ctx, b.office.ChatID, thread)
	if err != nil {
		return 0, err
	}
	c, err := b.store.Conversation(ctx, resident)
	if err != nil {
		return 0, err
	}
	if topic, _ := c.TopicIn(b.office.ChatID); topic != thread {
		return 0, fmt.Errorf("topic %d: %w", thread, store.ErrNotFound)
	}
	return resident, nil
}

// answerResident queues a copy of the official's message for the resident,
// once per message, after a line in the resident's language saying the
// office answers; nothing waits for an answer any more.
func (b *Bot) answerResident(ctx context.Context, r *Request, resident int64) error {
	now := b.now()
	seq := 0
	c, err := b.store.UpdateConversation(ctx, resident, func(c *store.Conversation) error {
		if !c.Stored() {
			return store.ErrUnchanged // deleted (/stop) meanwhile
		}
		c.Answered(now)
		seq = c.AnswerSeq(r.ChatID, r.MessageID, now)
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return err
	}
	if !c.Stored() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "office_resident_gone"), nil)
	}
	l := c.Lang
	if l == "" {
		l = b.chatLang(ctx, resident)
	}
	m := store.OutboxMessage{Kind: store.MsgOfficeOut, ChatID: resident, CreatedAt: now,
		Ref: officeRef(store.MsgOfficeOut, r, resident),
		Office: &store.OfficeCopy{Resident: resident, From: r.ChatID, Messages: r.MessageIDs, Seq: seq,
			Header: b.tr.T(l, "office_answer_header"), NoteChat: r.ChatID, NoteThread: r.ThreadID, Lang: r.Lang}}
	m.Dedupe = m.Ref
	if _, err := b.store.EnqueueEach(ctx, store.CauseTTL, m); err != nil {
		return fmt.Errorf("office: queue answer to %d: %w", resident, err)
	}
	return nil
}

// officeTarget is the resident an official's /block or /unblock is about:
// the resident of the topic it was sent in, or of the message it replies
// to. ok is false when it names none (the official was told).
func (b *Bot) officeTarget(ctx context.Context, r *Request) (resident int64, ok bool, err error) {
	switch {
	case b.office.ChatID != 0 && r.ChatID == b.office.ChatID && r.InTopic && r.ThreadID != 0:
		resident, err = b.topicResident(ctx, r.ThreadID)
	case r.Private() && r.ReplyTo != 0:
		resident, err = store.LinkedResident(ctx, b.store, r.ChatID, r.ReplyTo)
	default:
		return 0, false, b.reply(ctx, r, b.tr.T(r.Lang, "office_block_where"), nil)
	}
	if isNotFound(err) {
		return 0, false, b.reply(ctx, r, b.tr.T(r.Lang, "office_unknown_topic"), nil)
	}
	return resident, err == nil, err
}

// handleBlock stops a resident's messages from reaching the office; they
// are told once, when they next write.
func (b *Bot) handleBlock(ctx context.Context, r *Request) error {
	return b.setBlocked(ctx, r, true)
}

// handleUnblock lets a blocked resident write again.
func (b *Bot) handleUnblock(ctx context.Context, r *Request) error {
	return b.setBlocked(ctx, r, false)
}

func (b *Bot) setBlocked(ctx context.Context, r *Request, block bool) error {
	resident, ok, err := b.officeTarget(ctx, r)
	if !ok || err != nil {
		return err
	}
	changed := false
	now := b.now()
	c, err := b.store.UpdateConversation(ctx, resident, func(c *store.Conversation) error {
		if !c.Stored() {
			return store.ErrUnchanged // deleted (/stop) meanwhile
		}
		if block {
			changed = c.Block(r.UserID, now)
		} else {
			changed = c.Unblock()
		}
		if !changed {
			return store.ErrUnchanged
		}
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return err
	}
	if !c.Stored() {
		return b.reply(ctx, r, b.tr.T(r.Lang, "office_resident_gone"), nil)
	}
	b.log.Info("office: resident blocked or unblocked", "resident", resident, "blocked", block, "by", r.UserID, "changed", changed)
	key := map[[2]bool]string{{true, true}: "office_blocked", {true, false}: "office_already_blocked",
		{false, true}: "office_unblocked", {false, false}: "office_not_blocked"}[[2]bool{block, changed}]
	return b.reply(ctx, r, b.tr.T(r.Lang, key), nil)
}

// officeStatus is /stats' line about the office, "" without one.
func (b *Bot) officeStatus(ctx context.Context, l store.Lang) (string, error) {
	if !b.officeOn() {
		return "", nil
	}
	st, err := b.store.OfficeStats(ctx)
	if err != nil {
		return "", err
	}
	median := b.tr.T(l, "stats_office_no_answer")
	if st.Answered > 0 {
		median = b.rd.Duration(l, st.Median)
	}
	line := b.tr.T(l, "stats_office", "Open", st.Open, "Unanswered", st.Unanswered, "Median", median, "Answered", st.Answered)
	if b.office.ChatID != 0 && b.office.Rights != nil {
		missing, err := b.office.Rights.MissingTopicRights(ctx, b.office.ChatID)
		switch {
		case err != nil:
			line += "\n" + b.tr.T(l, "office_rights_unknown")
		case len(missing) > 0:
			line += "\n" + b.tr.T(l, "office_rights_missing", "Missing", b.topicRightsList(missing, l))
		}
	}
	return line, nil
}

func (b *Bot) topicRightsList(missing []string, l store.Lang) string {
	names := make([]string, len(missing))
	for i, m := range missing {
		names[i] = b.tr.T(l, "office_right_"+m)
	}
	return strings.Join(names, ", ")
}

// CheckOffice looks at the bot's place in the office group at start. When
// something is missing (topics off, not an administrator, no right to
// manage topics), every owner is told what (once a day, through the
// outbox); residents' messages wait in the outbox until it is fixed. It
// returns what is missing, for the log.
func (b *Bot) CheckOffice(ctx context.Context) ([]string, error) {
	if b.office.ChatID == 0 || b.office.Rights == nil {
		return nil, nil
	}
	missing, err := b.office.Rights.MissingTopicRights(ctx, b.office.ChatID)
	if err != nil || len(missing) == 0 {
		return missing, err
	}
	day := b.now().UTC().Format(time.DateOnly)
	var msgs []store.OutboxMessage
	for _, owner := range b.owners {
		l := b.chatLang(ctx, owner)
		text := b.tr.T(l, "office_missing_notice", "Missing", b.topicRightsList(missing, l))
		msgs = append(msgs, store.OutboxMessage{Kind: store.MsgNotice, ChatID: owner, Text: text, CreatedAt: b.now(),
			Ref: "office-rights", Dedupe: fmt.Sprintf("office-rights:%s:%d", day, owner)})
	}
	_, err = b.store.EnqueueEach(ctx, 36*time.Hour, msgs...)
	return missing, err
}
