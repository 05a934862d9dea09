package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/partnerbot/partnerbot/internal/tgerr"
	"github.com/partnerbot/partnerbot/store"
)

// Messages between residents and the partnership office are copies
// (copyMessage, so photos, documents and voice messages go as they are),
// sent step by step like any outbox message: a resident's message goes to
// their topic in the office's forum, made on its first use, with their
// card as its first message; an official's answer goes to the resident
// after a line saying who answers. Nothing is dropped: while the inbox
// cannot be reached (the bot removed from the group, its rights taken,
// Telegram down) they wait and are tried again, and a deleted topic is
// made anew. They are personal messages (store.OutboxMessage.Personal):
// claimed before digests and announcements, and paced as replies.

// OfficeSender is what the office's messages need from Telegram besides
// Sender; the Telegram client implements it.
type OfficeSender interface {
	CreateForumTopic(ctx context.Context, chatID int64, name string) (int, error)
	CopyMessage(ctx context.Context, chatID int64, threadID int, fromChat int64, messageID int, bulk bool) (int, error)
}

// OfficeStore is where the workers find and record residents' topics, and
// link what they copy to owners' private chats.
type OfficeStore interface {
	Conversation(ctx context.Context, resident int64) (store.Conversation, error)
	UpdateConversation(ctx context.Context, resident int64, fn func(c *store.Conversation) error) (store.Conversation, error)
	store.Memos
}

// Office is what the workers need for the office's messages.
type Office struct {
	Sender OfficeSender
	Store  OfficeStore
	// Text renders a note to the office in language l (the translator).
	Text func(l store.Lang, key string, args ...any) string
}

const (
	// officeMaxWait caps the wait between tries of an office message that
	// cannot go yet: it goes soon after the inbox is back.
	officeMaxWait = 2 * time.Minute
	// topicClaimTTL is how long a message that creates a resident's topic
	// holds the others back; it outlasts officeMaxWait, so only a message
	// whose replica died loses its claim.
	topicClaimTTL = 10 * time.Minute
	// topicWait is how soon a message held back by another's claim looks
	// again.
	topicWait = 500 * time.Millisecond
	// A message waits for the one before it (the order of a resident's
	// messages, and of the office's answers), looking again after
	// orderWait, doubled each time up to orderWaitMax; after
	// orderMaxWait it goes anyway, so one that was lost (a crash between
	// numbering it and queuing it) holds nothing up for ever.
	orderWait    = 100 * time.Millisecond
	orderWaitMax = 5 * time.Second
	orderMaxWait = topicClaimTTL
)

// deliverOffice sends an office message from the step a retry left off.
func (w *Workers) deliverOffice(ctx, sctx context.Context, log *slog.Logger, m store.OutboxMessage, handBack time.Time) {
	o := m.Office
	if w.Office == nil {
		log.Error("outbox: office message, but this replica has no office configured; retried")
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, w.Now().Add(officeMaxWait)))
		return
	}
	needsTopic := m.Kind == store.MsgOfficeIn && o.TopicName != "" && m.ThreadID == 0
	var conv store.Conversation
	if m.Step == 0 && (o.Seq > 0 || needsTopic) {
		var err error
		if conv, err = w.Office.Store.Conversation(sctx, o.Resident); err != nil && !isNotFound(err) {
			w.officeFailed(sctx, log, m, err)
			return
		}
		toResident := m.Kind == store.MsgOfficeOut
		if !conv.Stored() && !toResident {
			// The resident deleted their data (/stop) since they wrote:
			// nothing of theirs is made again, not even a topic.
			log.Info("outbox: the resident deleted their data; their message is not passed on", "resident", o.Resident)
			w.settle(sctx, log, w.Store.Ack(sctx, m.ID))
			w.failed(m, "resident_gone")
			return
		}
		if conv.Stored() && !conv.Turn(toResident, o.Seq) && w.Now().Sub(m.CreatedAt) < orderMaxWait {
			d := min(orderWait<<min(o.Waits, 8), orderWaitMax)
			o.Waits++
			w.settle(sctx, log, w.Store.Retry(sctx, m.ID, m, w.Now().Add(d)))
			return
		}
	}
	if needsTopic && !w.officeTopic(ctx, sctx, log, &m, handBack, conv) {
		return
	}
	for m.Step < o.Steps() {
		if !w.pace(ctx, sctx, log, m, handBack) {
			return
		}
		cctx, cancel := context.WithTimeout(sctx, w.SendTimeout)
		var ids []int
		var err error
		if i := m.Step - (o.Steps() - len(o.Messages)); i < 0 {
			ids, err = w.Sender.SendPart(cctx, m.ChatID, m.ThreadID, store.Part{Text: o.Header}, bulk(m))
		} else {
			var id int
			id, err = w.Office.Sender.CopyMessage(cctx, m.ChatID, m.ThreadID, o.From, o.Messages[i], bulk(m))
			ids = []int{id}
		}
		cancel()
		if err != nil {
			w.officeFailed(sctx, log, m, err)
			return
		}
		if o.Link {
			for _, id := range ids {
				if id == 0 {
					continue // Telegram's answer held no id: nothing to link
				}
				if err := store.LinkOfficeMessage(sctx, w.Office.Store, m.ChatID, id, o.Resident); err != nil {
					log.Warn("outbox: copy not linked to its resident; a reply to it is taken for a message to the bot", "err", err)
				}
			}
		}
		m.Step++
	}
	w.wentOffice(sctx, log, m)
	w.done(sctx, m, m.ID, true)
	w.sent(m)
}

// officeTopic finds the resident's topic for m (in m.ThreadID), making it
// when there is none: claimed, created, its card sent. false: m was
// settled here (it waits for another message's claim, or failed).
func (w *Workers) officeTopic(ctx, sctx context.Context, log *slog.Logger, m *store.OutboxMessage, handBack time.Time, conv store.Conversation) bool {
	o := m.Office
	var err error
	if topic, ok := conv.Deliverable(m.ChatID, m.Ref, w.Now()); ok {
		m.ThreadID = topic
		return true
	}
	now := w.Now()
	conv, err = w.Office.Store.UpdateConversation(sctx, o.Resident, func(c *store.Conversation) error {
		if !c.Stored() || !c.ClaimTopic(m.Ref, now, topicClaimTTL) {
			return store.ErrUnchanged
		}
		return nil
	})
	if err != nil {
		w.officeFailed(sctx, log, *m, err)
		return false
	}
	if conv.Claim != m.Ref {
		// Another message of the resident is making the topic: this one
		// follows once it is in.
		w.settle(sctx, log, w.Store.Retry(sctx, m.ID, *m, now.Add(topicWait)))
		return false
	}
	o.Claimed = true
	topic, ready := conv.TopicIn(m.ChatID)
	if topic == 0 {
		if !w.pace(ctx, sctx, log, *m, handBack) {
			return false
		}
		cctx, cancel := context.WithTimeout(sctx, w.SendTimeout)
		topic, err = w.Office.Sender.CreateForumTopic(cctx, m.ChatID, o.TopicName)
		cancel()
		if err != nil {
			w.officeFailed(sctx, log, *m, err)
			return false
		}
		log.Info("outbox: office topic created", "resident", o.Resident, "topic", topic)
		if _, err := w.Office.Store.UpdateConversation(sctx, o.Resident, func(c *store.Conversation) error {
			if !c.Stored() {
				return store.ErrUnchanged
			}
			c.SetTopic(m.ChatID, topic)
			return nil
		}); err != nil {
			// Not recorded: the next try makes another topic, and this
			// one stays empty.
			w.officeFailed(sctx, log, *m, err)
			return false
		}
	}
	// m.ThreadID is set only once the card is in: a try that stops before
	// it (a pace handed back, a failure) sends the card next time.
	if !ready {
		if !w.pace(ctx, sctx, log, *m, handBack) {
			return false
		}
		cctx, cancel := context.WithTimeout(sctx, w.SendTimeout)
		_, err := w.Sender.SendPart(cctx, m.ChatID, topic, store.Part{Text: o.Card}, bulk(*m))
		cancel()
		if err != nil {
			failed := *m
			if tgerr.Classify(err).Outcome == tgerr.ThreadGone {
				failed.ThreadID = topic // deleted already: made anew
			}
			w.officeFailed(sctx, log, failed, err)
			return false
		}
		if _, err := w.Office.Store.UpdateConversation(sctx, o.Resident, func(c *store.Conversation) error {
			if !c.TopicReady(m.ChatID, topic) {
				return store.ErrUnchanged
			}
			return nil
		}); err != nil {
			log.Warn("outbox: topic not marked ready; its card may come again", "err", err)
		}
	}
	m.ThreadID = topic
	return true
}

// wentOffice records that m went (or was given up): the next message in
// its order may follow, and its claim on the resident's topic ends.
func (w *Workers) wentOffice(ctx context.Context, log *slog.Logger, m store.OutboxMessage) {
	o := m.Office
	if o == nil || w.Office == nil || o.Seq == 0 && !o.Claimed {
		return
	}
	toResident := m.Kind == store.MsgOfficeOut
	_, err := w.Office.Store.UpdateConversation(ctx, o.Resident, func(c *store.Conversation) error {
		if !c.Stored() {
			return store.ErrUnchanged
		}
		before := *c
		c.Went(toResident, o.Seq)
		released := o.Claimed && c.ReleaseTopic(m.Ref)
		if !released && c.InSent == before.InSent && c.OutSent == before.OutSent {
			return store.ErrUnchanged
		}
		return nil
	})
	if err != nil {
		log.Warn("outbox: office message's place not recorded; the next waits a little", "err", err)
	}
}
