package scheduler_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// The city's channel: posts wait for the rights, are rendered when they go
// out, and follow edits and deletions, also half way through.

// channelRig runs the workers for the city's channel: posts rendered when
// they go out, in German, and the planner that queues channel messages.
type channelRig struct {
	*rig
	pl  *scheduler.Planner
	rec *reasons
}

func newChannelRig(t *testing.T, rights telegramtest.ChannelRights, maxAttempts int, opts ...func(*scheduler.Workers)) *channelRig {
	t.Helper()
	r := newRig(t, 0)
	b, _ := renderer(t, r.st)
	r.tg.SetChannelRights(partsChannel, rights)
	c := &channelRig{rig: r, rec: &reasons{},
		pl: &scheduler.Planner{Store: r.st, Renderer: b, Log: r.log, ChannelID: partsChannel}}
	w := &scheduler.Workers{Renderer: b, ChannelLang: store.LangDE, Events: c.rec.events(), MaxAttempts: maxAttempts,
		Store: shortBlock{r.st}, Rights: r.client}
	for _, o := range opts {
		o(w)
	}
	r.startWorkers(w)
	return c
}

// post stores an English post in Venlo with the given photos (file ids;
// their unique ids are "u-" + the file id).
func (c *channelRig) post(title, text string, photos ...string) store.Post {
	c.t.Helper()
	day := time.Date(2026, 5, 14, 10, 0, 0, 0, time.UTC)
	p := store.Post{Kind: store.KindAnnouncement, City: "venlo", Lang: store.LangEN, Title: title, Text: text,
		Date: day, PublishedAt: day, UpdatedAt: day, Photos: photoList(c.fileIDs(photos...))}
	p, err := c.st.CreatePost(context.Background(), p)
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}

func photoList(ids []string) []store.Photo {
	var out []store.Photo
	for _, id := range ids {
		out = append(out, store.Photo{FileID: id, UniqueID: "u-" + id})
	}
	return out
}

// edit changes the post as an official's edit does (the channel reference
// stays) and queues the channel's edit.
func (c *channelRig) edit(id int64, cause string, change func(*store.Post)) store.Post {
	c.t.Helper()
	ctx := context.Background()
	p, err := c.st.Post(ctx, id)
	if err != nil {
		c.t.Fatal(err)
	}
	change(&p)
	if applied, err := c.st.EditPost(ctx, p, store.Change{Cause: cause, Audit: store.AuditEntry{Action: "edited", At: time.Now()}}); err != nil || !applied {
		c.t.Fatalf("edit post %d: applied %v, %v", id, applied, err)
	}
	if err := c.pl.ChannelEdit(ctx, p, cause); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *channelRig) publish(p store.Post) {
	c.t.Helper()
	if err := c.pl.ChannelPost(context.Background(), p); err != nil {
		c.t.Fatal(err)
	}
}

func (c *channelRig) ref(id int64) *store.ChannelRef {
	c.t.Helper()
	p, err := c.st.Post(context.Background(), id)
	if err != nil {
		c.t.Fatal(err)
	}
	return p.Channel
}

// live are the bot's messages in the channel not deleted.
func (c *channelRig) live() []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range c.tg.SentTo(partsChannel) {
		if !m.Deleted {
			out = append(out, m)
		}
	}
	return out
}

func (c *channelRig) settled() {
	c.t.Helper()
	if ob := c.waitSettled(); ob.Dead != 0 {
		dl, _ := c.st.DeadLetters(context.Background(), 5)
		c.t.Fatalf("%d dead letters: %+v", ob.Dead, dl)
	}
}

func messageIDs(ms []telegramtest.Message) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.MessageID
	}
	return out
}

// checkRef checks that the post's channel reference names the messages
// the channel shows for it.
func checkRef(t *testing.T, ref *store.ChannelRef, live []telegramtest.Message, p store.Post) {
	t.Helper()
	if ref == nil || len(live) == 0 {
		t.Fatalf("channel reference %+v; the channel shows:%s", ref, describe(live))
	}
	last := live[len(live)-1]
	want := store.ChannelRef{Chat: strconv.FormatInt(partsChannel, 10), Messages: messageIDs(live), TextID: last.MessageID,
		Caption: last.Media == "photo", Photos: make([]string, len(p.Photos))}
	for i, ph := range p.Photos {
		want.Photos[i] = ph.UniqueID
	}
	if ref.Chat != want.Chat || !slices.Equal(ref.Messages, want.Messages) || ref.TextID != want.TextID ||
		ref.Caption != want.Caption || !slices.Equal(ref.Photos, want.Photos) {
		t.Errorf("channel reference %+v, want %+v", *ref, want)
	}
}

// A channel post waits while the bot lacks its rights there, however many
// times it is refused, and goes out once they are granted.
func TestChannelPostWaitsForRights(t *testing.T) {
	t.Parallel()
	const maxAttempts = 2
	rows := []struct {
		name   string
		rights telegramtest.ChannelRights
		photos []string
		method string // the send Telegram refuses
		errMsg string
	}{
		{name: "not a member", rights: telegramtest.ChannelRights{}, photos: []string{"ph-a"},
			method: "sendPhoto", errMsg: "Forbidden: bot is not a member of the channel chat"},
		{name: "no right to post", rights: telegramtest.ChannelRights{Member: true}, photos: []string{"ph-a"},
			method: "sendPhoto", errMsg: "Bad Request: need administrator rights in the channel chat"},
		{name: "album, no right to post", rights: telegramtest.ChannelRights{Member: true}, photos: []string{"ph-a", "ph-b"},
			method: "sendMediaGroup", errMsg: "Bad Request: need administrator rights in the channel chat"},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := newChannelRig(t, tt.rights, maxAttempts)
			p := c.post("Delegation in Venlo", "The delegation met the mayor.", tt.photos...)
			c.publish(p)

			// Refused more often than a message may fail before it is
			// given up on.
			waitFor(t, "the channel post refused more than MaxAttempts times", func() bool {
				return len(answered(callsTo(c.tg, tt.method, partsChannel))) > maxAttempts+1
			})
			for _, call := range answered(callsTo(c.tg, tt.method, partsChannel)) {
				if !strings.Contains(call.Response, tt.errMsg) {
					t.Fatalf("the fake answered %s, want %q", call.Response, tt.errMsg)
				}
			}
			ob, err := c.st.OutboxStats(ctx, time.Now())
			if err != nil || ob.Dead != 0 || ob.Ready+ob.Pending+ob.Delayed != 1 {
				t.Fatalf("outbox %+v %v, want the channel post still waiting, nothing dead", ob, err)
			}
			if got := c.tg.SentTo(partsChannel); len(got) != 0 {
				t.Fatalf("the channel got messages without the right to post:%s", describe(got))
			}

			c.tg.SetChannelRights(partsChannel, allRights)
			c.settled()
			live := c.live()
			wantMsgs := len(tt.photos)
			if len(tt.photos) > 1 {
				wantMsgs++ // the text after the album
			}
			if len(live) != wantMsgs || len(c.tg.SentTo(partsChannel)) != wantMsgs {
				t.Fatalf("the channel shows %d messages, want %d, once:%s", len(live), wantMsgs, describe(c.tg.SentTo(partsChannel)))
			}
			if !strings.Contains(live[len(live)-1].Plain, "The delegation met the mayor.") {
				t.Errorf("the post's text is not in the channel:%s", describe(live))
			}
			checkRef(t, c.ref(p.ID), live, p)
			failed, sent := c.rec.get()
			if sent != 1 || slices.ContainsFunc(failed, func(s string) bool { return s != "no_rights" }) || len(failed) <= maxAttempts {
				t.Errorf("failures %v, sent %d; want only no_rights, more than %d of them, and sent once", failed, sent, maxAttempts)
			}
		})
	}
}

// A channel post is rendered when it goes out: edits made while it waited
// for the rights are in it, and the channel edit queued meanwhile changes
// nothing more.
func TestChannelPostRenderedWhenSent(t *testing.T) {
	t.Parallel()
	c := newChannelRig(t, telegramtest.ChannelRights{Member: true}, 0)
	p := c.post("Delegation in Venlo", "The delegation met the mayor.", "ph-a")
	c.publish(p)
	waitFor(t, "the channel post refused", func() bool {
		failed, _ := c.rec.get()
		return slices.Contains(failed, "no_rights")
	})

	c.edit(p.ID, "edit-1", func(p *store.Post) {
		p.Title = "Delegation in Venlo received"
		p.Text = "The delegation met the mayor and the council."
		p.Translations = map[store.Lang]store.PostText{store.LangDE: {Title: "Delegation in Venlo empfangen", Text: "Die Delegation traf den Bürgermeister."}}
	})
	c.tg.SetChannelRights(partsChannel, allRights)
	c.settled()

	live := c.live()
	if len(live) != 1 || len(c.tg.SentTo(partsChannel)) != 1 {
		t.Fatalf("want the post once, as one photo:%s", describe(c.tg.SentTo(partsChannel)))
	}
	got := live[0]
	if got.FileID != "ph-a" || got.Edited {
		t.Errorf("want photo ph-a sent in its final form, not edited afterwards:%s", describe(live))
	}
	for _, want := range []string{"Delegation in Venlo empfangen", "Die Delegation traf den Bürgermeister."} {
		if !strings.Contains(got.Plain, want) {
			t.Errorf("caption lacks %q: %q", want, got.Plain)
		}
	}
	for _, unwanted := range []string{"The delegation met the mayor", "🌐", "/p"} {
		if strings.Contains(got.Plain, unwanted) {
			t.Errorf("caption has %q: %q", unwanted, got.Plain)
		}
	}
	checkRef(t, c.ref(p.ID), live, p)
}

// An edit of a post that is in the channel edits the message holding its
// text: the caption of its photo, or the text after the photos. Nothing is
// sent or deleted.
func TestChannelEditAfterPosting(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("The delegation met the mayor. ", 50) // over a caption's 1024 characters
	rows := []struct {
		name       string
		photos     []string
		text, next string
		method     string // the edit's method
	}{
		{name: "text only", text: "The delegation met the mayor.", next: "The delegation met the council.", method: "editMessageText"},
		{name: "photo with the post as caption", photos: []string{"ph-a"},
			text: "The delegation met the mayor.", next: "The delegation met the council.", method: "editMessageCaption"},
		{name: "photo, then the long text", photos: []string{"ph-a"},
			text: long, next: long + "And the council.", method: "editMessageText"},
		{name: "album, then the text", photos: []string{"ph-a", "ph-b", "ph-c"},
			text: "The delegation met the mayor.", next: "The delegation met the council.", method: "editMessageText"},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newChannelRig(t, allRights, 0)
			p := c.post("Delegation in Venlo", tt.text, tt.photos...)
			c.publish(p)
			c.settled()
			before := c.live()
			ref := c.ref(p.ID)
			checkRef(t, ref, before, p)
			sends := sendCounts(c.tg, partsChannel)

			p = c.edit(p.ID, "edit-1", func(p *store.Post) { p.Text = tt.next })
			c.settled()

			after := c.live()
			if got := sendCounts(c.tg, partsChannel); !sameCounts(got, sends) || len(c.tg.Calls("deleteMessage")) != 0 {
				t.Errorf("send calls %v (were %v), %d deletes: want the message edited, nothing sent or deleted",
					got, sends, len(c.tg.Calls("deleteMessage")))
			}
			if !slices.Equal(messageIDs(after), messageIDs(before)) {
				t.Fatalf("the channel's messages changed:\nbefore%s\nafter%s", describe(before), describe(after))
			}
			for _, m := range after {
				if m.MessageID != ref.TextID {
					if m.Edited {
						t.Errorf("message #%d edited, want only the text's #%d", m.MessageID, ref.TextID)
					}
					continue
				}
				if !m.Edited || !strings.Contains(m.Plain, strings.TrimSpace(tt.next)) ||
					len(m.History) != 1 || strings.Contains(m.History[0].Plain, "council") {
					t.Errorf("message #%d: edited %v, now %q, before %d versions; want the new text once edited",
						m.MessageID, m.Edited, truncate(m.Plain, 80), len(m.History))
				}
			}
			for _, method := range []string{"editMessageText", "editMessageCaption"} {
				want := 0
				if method == tt.method {
					want = 1
				}
				if n := len(callsTo(c.tg, method, partsChannel)); n != want {
					t.Errorf("%d %s calls, want %d", n, method, want)
				}
			}
			if got := c.ref(p.ID); got == nil || !slices.Equal(got.Messages, ref.Messages) || got.TextID != ref.TextID {
				t.Errorf("channel reference %+v after an edit, want it unchanged %+v", got, ref)
			}
			if failed, _ := c.rec.get(); len(failed) != 0 {
				t.Errorf("failures %v, want none", failed)
			}
		})
	}
}

// An edit that changes the photos (or whether the text fits as a caption)
// takes the post down and posts it anew, once; a later edit reaches the
// new messages.
func TestChannelEditNewPhotosReposts(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("The delegation met the mayor. ", 50)
	rows := []struct {
		name              string
		photos, next      []string
		text, nextText    string
		wantMsgs          int
		wantSendsOnRepost map[string]int
	}{
		{name: "photo replaced", photos: []string{"ph-a"}, next: []string{"ph-b"},
			wantMsgs: 1, wantSendsOnRepost: map[string]int{"sendPhoto": 1}},
		{name: "photo to album", photos: []string{"ph-a"}, next: []string{"ph-b", "ph-c"},
			wantMsgs: 3, wantSendsOnRepost: map[string]int{"sendMediaGroup": 1, "sendMessage": 1}},
		{name: "album to one of its photos", photos: []string{"ph-a", "ph-b"}, next: []string{"ph-a"},
			wantMsgs: 1, wantSendsOnRepost: map[string]int{"sendPhoto": 1}},
		{name: "album reordered", photos: []string{"ph-a", "ph-b"}, next: []string{"ph-b", "ph-a"},
			wantMsgs: 3, wantSendsOnRepost: map[string]int{"sendMediaGroup": 1, "sendMessage": 1}},
		{name: "photos removed", photos: []string{"ph-a", "ph-b"}, next: nil,
			wantMsgs: 1, wantSendsOnRepost: map[string]int{"sendMessage": 1}},
		{name: "same photo, text too long for a caption now", photos: []string{"ph-a"}, next: []string{"ph-a"}, nextText: long,
			wantMsgs: 2, wantSendsOnRepost: map[string]int{"sendPhoto": 1, "sendMessage": 1}},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newChannelRig(t, allRights, 0)
			p := c.post("Delegation in Venlo", "The delegation met the mayor.", tt.photos...)
			c.publish(p)
			c.settled()
			old := c.live()
			checkRef(t, c.ref(p.ID), old, p)
			sends := sendCounts(c.tg, partsChannel)

			nextText := tt.nextText
			if nextText == "" {
				nextText = "The delegation met the council."
			}
			p = c.edit(p.ID, "edit-1", func(p *store.Post) {
				p.Photos = photoList(c.fileIDs(tt.next...))
				p.Text = nextText
			})
			c.settled()

			// Every old message deleted, once each.
			all := c.tg.SentTo(partsChannel)
			for _, m := range all[:len(old)] {
				if !m.Deleted {
					t.Errorf("old message #%d still in the channel", m.MessageID)
				}
			}
			if n := len(callsTo(c.tg, "deleteMessage", partsChannel)); n != len(old) {
				t.Errorf("%d deleteMessage calls, want %d (one per old message)", n, len(old))
			}
			// The post anew, exactly once.
			live := c.live()
			if len(live) != tt.wantMsgs || len(all) != len(old)+tt.wantMsgs {
				t.Fatalf("the channel shows %d messages (sent %d in all), want %d anew:%s", len(live), len(all), tt.wantMsgs, describe(all))
			}
			got := sendCounts(c.tg, partsChannel)
			for method, n := range tt.wantSendsOnRepost {
				if got[method]-sends[method] != n {
					t.Errorf("%s called %d times for the repost, want %d (calls before %v, after %v)", method, got[method]-sends[method], n, sends, got)
				}
			}
			var photos []string
			for _, m := range live {
				if m.Media == "photo" {
					photos = append(photos, m.FileID)
				}
			}
			if !slices.Equal(photos, tt.next) {
				t.Errorf("channel photos %q, want %q", photos, tt.next)
			}
			if !strings.Contains(live[len(live)-1].Plain, strings.TrimSpace(nextText)) {
				t.Errorf("the reposted text lacks the edit:%s", describe(live))
			}
			checkRef(t, c.ref(p.ID), live, p)
			if n := len(c.tg.Calls("editMessageText")) + len(c.tg.Calls("editMessageCaption")); n != 0 {
				t.Errorf("%d edit calls, want none: the post was replaced", n)
			}

			// A later edit of the text alone reaches the new message.
			c.edit(p.ID, "edit-2", func(p *store.Post) { p.Text = nextText + " Again." })
			c.settled()
			after := c.live()
			if !slices.Equal(messageIDs(after), messageIDs(live)) {
				t.Fatalf("a text edit changed the channel's messages:\nbefore%s\nafter%s", describe(live), describe(after))
			}
			if last := after[len(after)-1]; !last.Edited || !strings.Contains(last.Plain, "Again.") {
				t.Errorf("the new text message was not edited:%s", describe(after))
			}
			if failed, _ := c.rec.get(); len(failed) != 0 {
				t.Errorf("failures %v, want none", failed)
			}
		})
	}
}

// A post deleted while its channel post waited for the rights never
// reaches the channel.
func TestChannelPostDeletedWhileWaiting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newChannelRig(t, telegramtest.ChannelRights{Member: true}, 0)
	p := c.post("Delegation in Venlo", "The delegation met the mayor.", "ph-a", "ph-b")
	c.publish(p)
	waitFor(t, "the channel post refused", func() bool {
		failed, _ := c.rec.get()
		return slices.Contains(failed, "no_rights")
	})
	if _, applied, err := c.st.RemovePost(ctx, p.ID, store.Change{Cause: "delete-1", Audit: store.AuditEntry{Action: "deleted", At: time.Now()}}); err != nil || !applied {
		t.Fatalf("remove post: applied %v, %v", applied, err)
	}
	if err := c.pl.ChannelDelete(ctx, p); err != nil { // never posted: queues nothing
		t.Fatal(err)
	}
	c.tg.SetChannelRights(partsChannel, allRights)
	c.settled()
	if got := c.tg.SentTo(partsChannel); len(got) != 0 {
		t.Errorf("a deleted post reached the channel:%s", describe(got))
	}
	if _, sent := c.rec.get(); sent != 0 {
		t.Errorf("%d messages reported sent, want none", sent)
	}
}

// A post deleted after part of its channel post went out (the album; the
// text failed and waits for its retry) takes what went out down again:
// the post was never recorded as in the channel, so the deletion itself
// could not.
func TestChannelPostDeletedHalfway(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{}
	clk.Set(time.Now())
	c := newChannelRig(t, allRights, 0, func(w *scheduler.Workers) {
		// The retry waits for the test's clock.
		w.Now, w.BackoffMin, w.BackoffMax = clk.Now, time.Hour, time.Hour
	})
	c.tg.FailNextTo("sendMessage", partsChannel, 1, 502, "Bad Gateway")
	p := c.post("Delegation in Venlo", "The delegation met the mayor.", "ph-a", "ph-b")
	c.publish(p)
	waitFor(t, "the text after the album failed", func() bool {
		failed, _ := c.rec.get()
		return slices.Contains(failed, "transient")
	})
	if live := c.live(); len(live) != 2 || live[0].MediaGroupID == "" {
		t.Fatalf("want the album in the channel, the text waiting:%s", describe(live))
	}

	old, applied, err := c.st.RemovePost(ctx, p.ID, store.Change{Cause: "delete-1", Audit: store.AuditEntry{Action: "deleted", At: time.Now()}})
	if err != nil || !applied {
		t.Fatalf("remove post: applied %v, %v", applied, err)
	}
	if err := c.pl.ChannelDelete(ctx, old); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(2 * time.Hour)) // the text's retry is due
	c.settled()

	if live := c.live(); len(live) != 0 {
		t.Errorf("the deleted post's messages stay in the channel:%s", describe(c.tg.SentTo(partsChannel)))
	}
	if n := len(callsTo(c.tg, "sendMessage", partsChannel)); n != 1 {
		t.Errorf("%d sendMessage calls, want only the failed one: the post is gone", n)
	}
}

// An edit made while a channel post was half out (the album went, the text
// waits for its retry) that changes what went out takes it down and posts
// the post anew; one that changes only the text lets the text follow.
func TestChannelPostEditedHalfway(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("The delegation met the mayor. ", 50)
	rows := []struct {
		name     string
		photos   []string
		text     string
		edit     func(c *channelRig, p *store.Post)
		want     []string // the photos the channel shows in the end
		wantText string
		deleted  int // messages taken down
	}{
		{name: "text edited", photos: []string{"ph-a", "ph-b"}, text: "The delegation met the mayor.",
			edit:     func(_ *channelRig, p *store.Post) { p.Text = "The delegation met the council." },
			want:     []string{"ph-a", "ph-b"},
			wantText: "The delegation met the council."},
		{name: "album replaced by one photo", photos: []string{"ph-a", "ph-b"}, text: "The delegation met the mayor.",
			edit: func(c *channelRig, p *store.Post) {
				p.Photos, p.Text = photoList(c.fileIDs("ph-c")), "The delegation met the council."
			},
			want: []string{"ph-c"}, wantText: "The delegation met the council.", deleted: 2},
		{name: "long text shortened to fit a caption", photos: []string{"ph-a"}, text: long,
			edit:     func(_ *channelRig, p *store.Post) { p.Text = "The delegation met the council." },
			want:     []string{"ph-a"},
			wantText: "The delegation met the council.", deleted: 1},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{}
			clk.Set(time.Now())
			c := newChannelRig(t, allRights, 0, func(w *scheduler.Workers) {
				w.Now, w.BackoffMin, w.BackoffMax = clk.Now, time.Hour, time.Hour
			})
			c.tg.FailNextTo("sendMessage", partsChannel, 1, 502, "Bad Gateway")
			p := c.post("Delegation in Venlo", tt.text, tt.photos...)
			c.publish(p)
			waitFor(t, "the text after the photos failed", func() bool {
				failed, _ := c.rec.get()
				return slices.Contains(failed, "transient")
			})
			first := c.live()
			if len(first) != len(tt.photos) {
				t.Fatalf("want the photos in the channel, the text waiting:%s", describe(first))
			}

			p = c.edit(p.ID, "edit-1", func(p *store.Post) { tt.edit(c, p) })
			clk.Set(clk.Now().Add(2 * time.Hour)) // the text's retry is due
			c.settled()

			live := c.live()
			if len(live) == 0 {
				t.Fatalf("the channel shows nothing:%s", describe(c.tg.SentTo(partsChannel)))
			}
			var photos []string
			for _, m := range live {
				if m.Media == "photo" {
					photos = append(photos, m.FileID)
				}
			}
			if !slices.Equal(photos, tt.want) || !strings.Contains(live[len(live)-1].Plain, tt.wantText) {
				t.Errorf("the channel shows photos %q, last %q; want %q and the text %q:%s",
					photos, truncate(live[len(live)-1].Plain, 60), tt.want, tt.wantText, describe(c.tg.SentTo(partsChannel)))
			}
			if n := len(callsTo(c.tg, "deleteMessage", partsChannel)); n != tt.deleted {
				t.Errorf("%d messages deleted, want %d", n, tt.deleted)
			}
			checkRef(t, c.ref(p.ID), live, p)
		})
	}
}

// answered drops the calls still being served (no status yet): the
// workers keep retrying while a test reads the calls.
func answered(calls []telegramtest.Call) []telegramtest.Call {
	return slices.DeleteFunc(calls, func(c telegramtest.Call) bool { return c.Status == 0 })
}
