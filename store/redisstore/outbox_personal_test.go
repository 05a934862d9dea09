package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// personalMsg is an official's answer to chatID: a personal message.
func personalMsg(chatID int64, text string) store.OutboxMessage {
	return store.OutboxMessage{Kind: store.MsgOfficeOut, ChatID: chatID, CreatedAt: tOut,
		Office: &store.OfficeCopy{Resident: chatID, From: -1001, Messages: []int{1}, Header: text}}
}

// A personal message lives in outbox:personal, its ID says so, and a
// retry of it waits in outbox:delayed marked so that promotion puts it
// back there.
func TestPersonalStream(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if err := s.Enqueue(ctx, outMsg(1, "digest"), personalMsg(2, "answer")); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int64{s.k.outbox(): 1, s.k.outboxPersonal(): 1} {
		if n, err := s.rdb.XLen(ctx, key).Result(); err != nil || n != want {
			t.Errorf("XLEN %s = %d, %v; want %d", key, n, err, want)
		}
	}
	got := mustClaim(t, s, "c1", 10, 0, time.Minute)
	if len(got) != 2 || !strings.HasPrefix(got[0].ID, personalID) || strings.HasPrefix(got[1].ID, personalID) {
		t.Fatalf("Claim = %v, want the answer (ID with %q) then the digest", got, personalID)
	}
	if err := s.Retry(ctx, got[0].ID, got[0], tOut); err != nil {
		t.Fatal(err)
	}
	members, err := s.rdb.ZRange(ctx, s.k.outboxDelayed(), 0, -1).Result()
	if err != nil || len(members) != 1 || !strings.HasPrefix(members[0], personalNonce) || len(members[0]) <= delayedNonceLen {
		t.Fatalf("delayed members = %q, %v; want one starting with %q", members, err, personalNonce)
	}
	if n, err := s.PromoteDue(ctx, tOut); err != nil || n != 1 {
		t.Fatalf("PromoteDue = %d, %v; want 1", n, err)
	}
	if n, err := s.rdb.XLen(ctx, s.k.outboxPersonal()).Result(); err != nil || n != 1 {
		t.Errorf("XLEN outbox:personal after promotion = %d, %v; want the answer back", n, err)
	}
	if err := s.Ack(ctx, got[1].ID); err != nil {
		t.Fatal(err)
	}
	back := mustClaim(t, s, "c1", 10, 0, time.Minute)
	if len(back) != 1 || !strings.HasPrefix(back[0].ID, personalID) || back[0].Office.Header != "answer" {
		t.Fatalf("Claim after promotion = %+v, want the answer", back)
	}
	if err := s.AckMany(ctx, []store.Settled{{ID: back[0].ID}}); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{s.k.outbox(), s.k.outboxPersonal()} {
		if n, err := s.rdb.XLen(ctx, key).Result(); err != nil || n != 0 {
			t.Errorf("XLEN %s after settling = %d, %v; want 0", key, n, err)
		}
	}
}

// A database of layout 6 has a consumer group on outbox only; the first
// claim makes it on outbox:personal, and both streams are read.
func TestPersonalStreamOnLayout6(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if err := s.rdb.XGroupCreateMkStream(ctx, s.k.outbox(), outboxGroup, "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, outMsg(1, "digest"), personalMsg(2, "answer")); err != nil {
		t.Fatal(err)
	}
	if st := mustStats(t, s); st.Ready != 2 {
		t.Errorf("OutboxStats without a group on outbox:personal = %+v, want 2 ready", st)
	}
	got := mustClaim(t, s, "c1", 10, 0, time.Minute)
	if len(got) != 2 || got[0].ChatID != 2 || got[1].ChatID != 1 {
		t.Fatalf("Claim = %+v, want the answer, then the digest", got)
	}
}

// A read of both streams that finds both answering keeps to max: the
// surplus digests go back, and come again.
func TestClaimSurplusGoesBack(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	if err := s.createGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, outMsg(1, "a"), outMsg(2, "b"), outMsg(3, "c"), personalMsg(4, "answer")); err != nil {
		t.Fatal(err)
	}
	read, err := s.readNew(ctx, "c1", []queue{s.personalQueue(), s.bulkQueue()}, 3, 0)
	if err != nil || len(read) != 4 {
		t.Fatalf("readNew of both streams, COUNT 3 = %d messages, %v; want 4 (1 + 3)", len(read), err)
	}
	kept, err := s.keepFirst(ctx, read, 3)
	if err != nil || len(kept) != 3 || kept[0].ChatID != 4 || kept[2].ChatID != 2 {
		t.Fatalf("keepFirst = %+v, %v; want the answer, a, b", kept, err)
	}
	if st := mustStats(t, s); st.Pending != 3 || st.Delayed != 1 || st.Ready != 0 {
		t.Errorf("OutboxStats = %+v, want 3 pending and c back in the delayed set", st)
	}
	if n, err := s.PromoteDue(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("PromoteDue = %d, %v; want 1", n, err)
	}
	if again := mustClaim(t, s, "c2", 10, 0, time.Minute); len(again) != 1 || again[0].Text != "c" {
		t.Errorf("Claim = %+v, want c", again)
	}
}
