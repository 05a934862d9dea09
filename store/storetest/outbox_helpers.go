package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// msg returns an outbox message fixture.
func msg(chatID int64, text string) store.OutboxMessage {
	return store.OutboxMessage{Kind: store.MsgDigest, ChatID: chatID, Text: text, CreatedAt: t0, Ref: "daily:x"}
}

// claim claims without waiting.
func claim(t *testing.T, s store.Store, consumer string, max int, minIdle time.Duration) []store.OutboxMessage {
	t.Helper()
	got, err := s.Claim(t.Context(), consumer, max, 0, minIdle)
	if err != nil {
		t.Fatalf("Claim(%s, %d) = %v", consumer, max, err)
	}
	return got
}

func promote(t *testing.T, s store.Store, now time.Time) int {
	t.Helper()
	n, err := s.PromoteDue(t.Context(), now)
	if err != nil {
		t.Fatalf("PromoteDue = %v", err)
	}
	return n
}

func outboxStats(t *testing.T, s store.Store, now time.Time) store.OutboxStats {
	t.Helper()
	st, err := s.OutboxStats(t.Context(), now)
	if err != nil {
		t.Fatalf("OutboxStats = %v", err)
	}
	return st
}

func deadLetters(t *testing.T, s store.Store, limit int) []store.DeadLetter {
	t.Helper()
	got, err := s.DeadLetters(t.Context(), limit)
	if err != nil {
		t.Fatalf("DeadLetters(%d) = %v", limit, err)
	}
	return got
}

func msgIDs(msgs []store.OutboxMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// wantMsgs checks got against want in order, ignoring IDs.
func wantMsgs(t *testing.T, got, want []store.OutboxMessage) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d messages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !equalMsg(got[i], want[i]) {
			t.Errorf("message %d =\n %+v\nwant\n %+v", i, got[i], want[i])
		}
	}
}

func equalMsg(a, b store.OutboxMessage) bool {
	return reflect.DeepEqual(normMsg(a), normMsg(b))
}

func normMsg(m store.OutboxMessage) store.OutboxMessage {
	m.ID = ""
	m.CreatedAt = m.CreatedAt.UTC()
	return m
}

func equalDead(a, b store.DeadLetter) bool {
	return equalMsg(a.Message, b.Message) && a.Reason == b.Reason && a.At.Equal(b.At)
}

func wantCursors(t *testing.T, s store.Store, ids []int64, want map[int64]time.Time) {
	t.Helper()
	got, err := s.DigestCursors(t.Context(), ids)
	if err != nil {
		t.Fatalf("DigestCursors(%v) = %v", ids, err)
	}
	if len(got) != len(want) {
		t.Errorf("DigestCursors(%v) = %v, want %v", ids, got, want)
		return
	}
	for id, w := range want {
		if g, ok := got[id]; !ok || !g.Equal(w) {
			t.Errorf("DigestCursors(%v)[%d] = %v, want %v", ids, id, g, w)
		}
	}
}
