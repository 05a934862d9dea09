package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// Edits of channel posts: made while the post went out, of a photo's
// caption, and while the bot lacks the right to edit or delete.

// heldRef holds the first SetChannelRef until released: the channel post
// went out, as it was rendered, and is not recorded yet.
type heldRef struct {
	shortBlock
	once     sync.Once
	entered  chan struct{}
	released chan struct{}
}

func (h *heldRef) SetChannelRef(ctx context.Context, id int64, ref *store.ChannelRef) error {
	first := false
	h.once.Do(func() { first = true })
	if first && ref != nil {
		close(h.entered)
		select {
		case <-h.released:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return h.Store.SetChannelRef(ctx, id, ref)
}

// outboxHolds reports how many messages the outbox holds, dead ones aside.
func (c *channelRig) outboxHolds() int {
	ob, err := c.st.OutboxStats(context.Background(), time.Now())
	if err != nil {
		c.t.Fatal(err)
	}
	return int(ob.Ready + ob.Pending + ob.Delayed)
}

// An edit whose channel message is prepared after the post went out (as
// it was) but before it was recorded finds no channel message to edit and
// is settled: the post's own message, once recorded, sees the post
// changed and queues the edit, once.
func TestChannelEditWhilePostGoesOut(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("The delegation met the mayor. ", 50)
	rows := []struct {
		name        string
		photos      []string
		text        string
		wantMethods []string // the calls of the late edit
	}{
		{name: "text only", text: "The delegation met the mayor.", wantMethods: []string{"editMessageText"}},
		{name: "photo with the post as caption", photos: []string{"ph-a"}, text: "The delegation met the mayor.",
			wantMethods: []string{"editMessageCaption"}},
		{name: "photo, then the long text", photos: []string{"ph-a"}, text: long,
			wantMethods: []string{"editMessageText", "editMessageCaption"}},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &heldRef{entered: make(chan struct{}), released: make(chan struct{})}
			c := newChannelRig(t, allRights, 0, func(w *scheduler.Workers) {
				h.shortBlock = shortBlock{w.Store.(shortBlock).Store}
				w.Store = h
			})
			p := c.post("Delegation in Venlo", tt.text, tt.photos...)
			c.publish(p)
			select {
			case <-h.entered:
			case <-time.After(wait):
				t.Fatal("the channel post was not recorded")
			}
			before := c.live()
			if len(before) == 0 || strings.Contains(before[len(before)-1].Plain, "council") {
				t.Fatalf("want the post out in its first form:%s", describe(before))
			}

			c.edit(p.ID, "edit-1", func(p *store.Post) {
				p.Title = "Delegation in Venlo received"
				p.Text = strings.TrimSpace(tt.text) + " And the council."
			})
			// The edit finds the post not in the channel and is settled.
			waitFor(t, "the edit settled while the post is not recorded", func() bool { return c.outboxHolds() == 1 })
			close(h.released)
			c.settled()

			live := c.live()
			if !slices.Equal(messageIDs(live), messageIDs(before)) || len(c.tg.SentTo(partsChannel)) != len(before) {
				t.Fatalf("want the same messages, edited, nothing sent anew:\nbefore%s\nafter%s", describe(before), describe(c.tg.SentTo(partsChannel)))
			}
			last := live[len(live)-1]
			if !last.Edited || !strings.Contains(last.Plain, "And the council.") {
				t.Errorf("the channel shows the post as it was before the edit:%s", describe(live))
			}
			if !strings.Contains(live[0].Plain, "Delegation in Venlo received") {
				t.Errorf("the channel shows the old title:%s", describe(live))
			}
			for _, method := range []string{"editMessageText", "editMessageCaption"} {
				want := 0
				if slices.Contains(tt.wantMethods, method) {
					want = 1
				}
				if n := len(callsTo(c.tg, method, partsChannel)); n != want {
					t.Errorf("%d %s calls, want %d", n, method, want)
				}
			}
			checkRef(t, c.ref(p.ID), live, p)
			if failed, sent := c.rec.get(); len(failed) != 0 {
				t.Errorf("failures %v (sent %d), want none", failed, sent)
			}
		})
	}
}

// A photo whose caption is the title, then the long text: an edit of the
// title edits the caption too, once; an edit of the text alone does not.
func TestChannelEditTitleOfPhotoWithLongText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("The delegation met the mayor. ", 50)
	c := newChannelRig(t, allRights, 0)
	p := c.post("Delegation in Venlo", long, "ph-a")
	c.publish(p)
	c.settled()
	before := c.live()
	if len(before) != 2 || before[0].Media != "photo" {
		t.Fatalf("want a photo, then the text:%s", describe(before))
	}

	c.edit(p.ID, "edit-1", func(p *store.Post) { p.Title = "Delegation in Venlo received" })
	c.settled()
	live := c.live()
	if !slices.Equal(messageIDs(live), messageIDs(before)) {
		t.Fatalf("the channel's messages changed:\nbefore%s\nafter%s", describe(before), describe(live))
	}
	if got := live[0]; !got.Edited || !strings.Contains(got.Plain, "Delegation in Venlo received") || len(got.History) != 1 {
		t.Errorf("the photo's caption is %q (edited %v, %d versions before), want the new title once", got.Plain, got.Edited, len(got.History))
	}
	if got := live[1]; !got.Edited || !strings.Contains(got.Plain, "Delegation in Venlo received") {
		t.Errorf("the text message lacks the new title:%s", describe(live))
	}
	if n := len(callsTo(c.tg, "editMessageCaption", partsChannel)); n != 1 {
		t.Errorf("%d editMessageCaption calls, want 1", n)
	}

	// The text alone: the caption stays as it is.
	c.edit(p.ID, "edit-2", func(p *store.Post) { p.Text = long + "And the council." })
	c.settled()
	live = c.live()
	if got := live[1]; !strings.Contains(got.Plain, "And the council.") {
		t.Errorf("the text was not edited:%s", describe(live))
	}
	if got := live[0]; len(got.History) != 1 {
		t.Errorf("the caption was changed again: %d versions before", len(got.History))
	}
	if failed, _ := c.rec.get(); len(failed) != 0 {
		t.Errorf("failures %v, want none", failed)
	}
}

// An edit or a deletion while the bot has lost the right to it waits for
// the right, as posts do, and goes through once it is granted. With the
// right, Telegram's refusal means the message is beyond reach, and the
// change is dropped as before.
func TestChannelEditDeleteWaitForRights(t *testing.T) {
	t.Parallel()
	noEdit := telegramtest.ChannelRights{Member: true}
	rows := []struct {
		name   string
		delete bool
		method string
		errMsg string
	}{
		{name: "edit", method: "editMessageText", errMsg: "Bad Request: message can't be edited"},
		{name: "delete", delete: true, method: "deleteMessage", errMsg: "Bad Request: message can't be deleted"},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var lost atomic.Int32
			c := newChannelRig(t, allRights, 2, func(w *scheduler.Workers) {
				w.RightsLost = func(context.Context) { lost.Add(1) }
			})
			p := c.post("Delegation in Venlo", "The delegation met the mayor.")
			c.publish(p)
			c.settled()
			c.tg.SetChannelRights(partsChannel, noEdit)

			if tt.delete {
				p, err := c.st.Post(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if _, applied, err := c.st.RemovePost(ctx, p.ID, store.Change{Cause: "delete-1", Audit: store.AuditEntry{Action: "deleted", At: time.Now()}}); err != nil || !applied {
					t.Fatalf("remove post: applied %v, %v", applied, err)
				}
				if err := c.pl.ChannelDelete(ctx, p); err != nil {
					t.Fatal(err)
				}
			} else {
				c.edit(p.ID, "edit-1", func(p *store.Post) { p.Text = "The delegation met the council." })
			}
			waitFor(t, "the change refused more than MaxAttempts times", func() bool {
				return len(answered(callsTo(c.tg, tt.method, partsChannel))) > 3
			})
			for _, call := range answered(callsTo(c.tg, tt.method, partsChannel)) {
				if !strings.Contains(call.Response, tt.errMsg) {
					t.Fatalf("the fake answered %s, want %q", call.Response, tt.errMsg)
				}
			}
			if n := c.outboxHolds(); n != 1 {
				t.Fatalf("outbox holds %d messages, want the change waiting", n)
			}
			if n := lost.Load(); n != 1 {
				t.Errorf("RightsLost called %d times, want once, at the first refusal", n)
			}

			c.tg.SetChannelRights(partsChannel, allRights)
			c.settled()
			live := c.live()
			switch {
			case tt.delete && len(live) != 0:
				t.Errorf("the deleted post is still in the channel:%s", describe(live))
			case !tt.delete && (len(live) != 1 || !live[0].Edited || !strings.Contains(live[0].Plain, "council")):
				t.Errorf("the edit did not reach the channel:%s", describe(live))
			}
			failed, _ := c.rec.get()
			if len(failed) == 0 || slices.ContainsFunc(failed, func(s string) bool { return s != "no_rights" }) {
				t.Errorf("failures %v, want only no_rights", failed)
			}
		})
	}

	// With every right, a refusal may predate the grant: the edit is
	// tried once more, the right known to be there. Refused again, the
	// message is beyond reach (deleted by hand): dropped.
	for _, refusals := range []int{1, 2} {
		t.Run(fmt.Sprintf("with the rights, refused %d times", refusals), func(t *testing.T) {
			t.Parallel()
			c := newChannelRig(t, allRights, 0)
			p := c.post("Delegation in Venlo", "The delegation met the mayor.")
			c.publish(p)
			c.settled()
			c.tg.FailNextTo("editMessageText", partsChannel, refusals, 400, "Bad Request: message can't be edited")
			c.edit(p.ID, "edit-1", func(p *store.Post) { p.Text = "The delegation met the council." })
			c.settled()
			if n := len(callsTo(c.tg, "editMessageText", partsChannel)); n != 2 {
				t.Errorf("%d editMessageText calls, want 2: tried again once", n)
			}
			if len(c.tg.Calls("getChatMember")) == 0 {
				t.Errorf("the bot's rights were not asked")
			}
			edited := refusals == 1
			if live := c.live(); len(live) != 1 || live[0].Edited != edited {
				t.Errorf("want the post edited %v:%s", edited, describe(live))
			}
			if failed, _ := c.rec.get(); len(failed) != 0 {
				t.Errorf("failures %v, want none", failed)
			}
		})
	}
}
