package scheduler_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// /digest_preview shows exactly what the planner sends that subscriber at
// that moment: same window, same posts, same cap, the same sign-up
// buttons. A post published exactly at a digest's slot is in that digest
// and not in the next one.
func TestPreviewIsWhatThePlannerSends(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, 0)
	b, ds := renderer(t, r.st)
	slot1 := time.Date(2026, 11, 26, 9, 0, 0, 0, kyiv(t))
	clk := &clock{}
	pl := &scheduler.Planner{Store: r.st, Renderer: b, Data: ds, Log: r.log, Now: clk.Now}
	ps := poster{t, r.st}
	sub := r.subscriber(2001, store.LangEN, store.FreqDaily, []string{"venlo"})

	// More posts than a preview once read per city (30), and one exactly
	// at the slot.
	for i := range 40 {
		ps.post(store.KindVisit, "venlo", "Visit "+strings.Repeat("x", i%3)+time.Duration(i).String(), slot1.Add(-time.Duration(i+1)*time.Minute))
	}
	ps.post(store.KindVisit, "venlo", "At the slot", slot1)

	clk.Set(slot1)
	preview, since, err := pl.PreviewDigest(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if !since.Equal(slot1.Add(-24 * time.Hour)) {
		t.Errorf("preview window starts %v, want a day before", since)
	}
	if _, err := pl.RunDigest(ctx, store.FreqDaily, slot1); err != nil {
		t.Fatal(err)
	}
	r.deliver()
	sent := plainsOf(r.tg.SentTo(2001))
	if !slices.Equal(plainsOfHTML(t, r, preview), sent) {
		t.Errorf("preview differs from the digest sent:\npreview %d messages %+v\nsent %d messages %q", len(preview), preview, len(sent), sent)
	}
	if !strings.Contains(strings.Join(sent, "\n"), "At the slot") {
		t.Error("the post published at the slot is not in that slot's digest")
	}

	// The next day: the post at the previous slot is in neither the
	// preview nor the digest.
	slot2 := slot1.Add(24 * time.Hour)
	ps.post(store.KindVisit, "venlo", "Next day", slot1.Add(time.Hour))
	ps.post(store.KindEvent, "venlo", "Harbour concert", slot1.Add(2*time.Hour))
	clk.Set(slot2)
	preview, since, err = pl.PreviewDigest(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if !since.Equal(slot1) {
		t.Errorf("second preview starts %v, want the last digest's slot %v", since, slot1)
	}
	n := len(r.tg.SentTo(2001))
	if _, err := pl.RunDigest(ctx, store.FreqDaily, slot2); err != nil {
		t.Fatal(err)
	}
	r.deliver()
	sent = plainsOf(r.tg.SentTo(2001)[n:])
	if !slices.Equal(plainsOfHTML(t, r, preview), sent) {
		t.Errorf("second preview %+v, digest sent %q", preview, sent)
	}
	want := buttonsOf(r.tg.SentTo(2001)[n:])
	if got := buttonsOf(sendParts(t, r, preview)); !slices.Equal(got, want) || !slices.ContainsFunc(want, func(b string) bool {
		return strings.Contains(b, "Harbour concert")
	}) {
		t.Errorf("second preview's buttons %q, digest sent with %q (want the concert's sign-up)", got, want)
	}
	if got := strings.Join(sent, "\n"); strings.Contains(got, "At the slot") || !strings.Contains(got, "Next day") {
		t.Errorf("second digest %q: want only the post after the slot", got)
	}
}

// plainsOfHTML turns rendered HTML into what the resident reads, by
// sending it through the fake to a chat of its own.
func plainsOfHTML(t *testing.T, r *rig, parts []store.Part) []string {
	t.Helper()
	return plainsOf(sendParts(t, r, parts))
}

// sendParts sends a preview's messages to a chat of their own, the way
// the outbox sends a digest, and returns them as the fake got them.
func sendParts(t *testing.T, r *rig, parts []store.Part) []telegramtest.Message {
	t.Helper()
	const chat = 9999
	before := len(r.tg.SentTo(chat))
	for _, p := range parts {
		if _, err := r.client.SendPart(context.Background(), chat, 0, p, true); err != nil {
			t.Fatal(err)
		}
	}
	return r.tg.SentTo(chat)[before:]
}

// buttonsOf lists the buttons of messages, as "text → data".
func buttonsOf(msgs []telegramtest.Message) []string {
	var out []string
	for _, m := range msgs {
		for _, b := range m.ReplyMarkup.Buttons() {
			out = append(out, b.Text+" → "+b.CallbackData)
		}
	}
	return out
}
