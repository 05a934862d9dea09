package redisstore

import (
	"strings"

	"github.com/partnerbot/partnerbot/store"
)

// The outbox is two streams read by consumer groups of the same name:
// outbox:personal for personal messages (store.OutboxMessage.Personal:
// the office's copies, a place that became free), read first, and outbox
// for everything else. Two streams rather than one because a stream is
// read in order: a resident's answer queued behind a digest to 10,000
// readers would wait for all of it. Both keys carry the prefix's hash tag,
// so the scripts that touch both stay in one slot of a cluster.
//
// A claimed message's ID names its stream: an entry of outbox:personal
// gets personalID before its stream id ("p1700000000000-0"), one of outbox
// its stream id alone. Stream ids are digits and a dash, so the two never
// meet, and Ack, Retry, Bury and AckMany settle each entry in its own
// stream.

const (
	// personalID starts the ID of a message of outbox:personal.
	personalID = "p"
	// personalNonce starts the nonce of a personal message in
	// outbox:delayed (a character no hex nonce holds), so the promote
	// script, which cannot call store's rule, knows where it goes back.
	personalNonce = "!"
	// toStream and toPersonal tell the enqueue scripts, in place of a
	// due score, to add a message to outbox or to outbox:personal (the
	// scripts compare with these literally).
	toStream   = ""
	toPersonal = "p"
)

// queue is one of the outbox's streams.
type queue struct {
	key string
	// id starts the IDs of its messages (personalID, or "").
	id string
}

func (s *Store) personalQueue() queue { return queue{key: s.k.outboxPersonal(), id: personalID} }

func (s *Store) bulkQueue() queue { return queue{key: s.k.outbox()} }

// streamOf returns the stream of a claimed message and its entry id there.
func (s *Store) streamOf(id string) (stream, entry string) {
	if e, ok := strings.CutPrefix(id, personalID); ok {
		return s.k.outboxPersonal(), e
	}
	return s.k.outbox(), id
}

// streamFor is the stream a ready message goes to.
func (s *Store) streamFor(m store.OutboxMessage) string {
	if m.Personal() {
		return s.k.outboxPersonal()
	}
	return s.k.outbox()
}

// delayedMember is m's member in outbox:delayed: a nonce that keeps equal
// messages apart (and marks a personal one), then its JSON.
func delayedMember(m store.OutboxMessage, data string) string {
	n := newNonce()
	if m.Personal() {
		n = personalNonce + n[len(personalNonce):]
	}
	return n + data
}
