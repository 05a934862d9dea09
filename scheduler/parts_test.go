package scheduler_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

// Messages of several parts (an album or a photo, then the text) and the
// city's channel, through the real client and the fake Bot API.

const (
	partsChannel = -1001000000777
	openKeyboard = `{"inline_keyboard":[[{"text":"Open","callback_data":"open:1"}]]}`
)

var allRights = telegramtest.ChannelRights{Member: true, CanPostMessages: true, CanEditMessages: true, CanDeleteMessages: true}

// callsTo returns the calls of method addressed to chat, failed ones too.
func callsTo(tg *telegramtest.Server, method string, chat int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range tg.Calls(method) {
		if c.Param("chat_id") == strconv.FormatInt(chat, 10) {
			out = append(out, c)
		}
	}
	return out
}

// sendCounts counts the send calls to chat per method.
func sendCounts(tg *telegramtest.Server, chat int64) map[string]int {
	out := map[string]int{}
	for _, m := range []string{"sendMessage", "sendPhoto", "sendMediaGroup"} {
		if n := len(callsTo(tg, m, chat)); n > 0 {
			out[m] = n
		}
	}
	return out
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// fileIDs registers photos the fake knows (as if residents had sent them
// long ago) and returns their ids.
func (r *rig) fileIDs(ids ...string) []string {
	for _, id := range ids {
		r.tg.RegisterPhoto(id, nil)
	}
	return ids
}

// describe lists messages for failure output.
func describe(ms []telegramtest.Message) string {
	var sb strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&sb, "\n  #%d %s photo=%q album=%v thread=%d deleted=%v edited=%v: %q",
			m.MessageID, m.Method, m.FileID, m.MediaGroupID != "", m.ThreadID, m.Deleted, m.Edited, truncate(m.Plain, 60))
	}
	return sb.String()
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// checkDelivered checks what chat got: each photo once, in order, then
// the text once with its keyboard, all in thread.
func checkDelivered(t *testing.T, got []telegramtest.Message, photos []string, text string, thread int) {
	t.Helper()
	var gotPhotos []string
	var texts []telegramtest.Message
	for _, m := range got {
		if m.Media == "photo" {
			gotPhotos = append(gotPhotos, m.FileID)
			if len(texts) > 0 {
				t.Errorf("photo %s came after the text:%s", m.FileID, describe(got))
			}
		} else {
			texts = append(texts, m)
		}
		if m.ThreadID != thread {
			t.Errorf("message #%d in thread %d, want %d:%s", m.MessageID, m.ThreadID, thread, describe(got))
		}
	}
	if !slices.Equal(gotPhotos, photos) {
		t.Errorf("photos delivered %q, want %q, each once:%s", gotPhotos, photos, describe(got))
	}
	switch {
	case text == "" && len(texts) != 0:
		t.Errorf("%d texts delivered, want none:%s", len(texts), describe(got))
	case text != "" && len(texts) != 1:
		t.Errorf("%d texts delivered, want the text once:%s", len(texts), describe(got))
	case text != "" && (texts[0].Plain != text || len(texts[0].ReplyMarkup.Buttons()) != 1):
		t.Errorf("text %q with keyboard %v, want %q with the Open button", texts[0].Plain, texts[0].ReplyMarkup, text)
	}
}

// A message goes out part by part; a failure after some parts went out is
// retried from the part that failed, so the album is never sent twice.
func TestPartsRetryFromTheFailedPart(t *testing.T) {
	t.Parallel()
	const text = "Delegation in Venlo: the delegation met the mayor."
	rows := []struct {
		name   string
		chat   int64
		parts  func(ids []string) []store.Part
		photos int
		fault  func(r *rig, chat int64)
		calls  map[string]int
		text   string // the text delivered, "" for none
		failed []string
		dead   int
	}{
		{name: "album, then the text fails once", chat: 301, photos: 3,
			parts: func(ids []string) []store.Part {
				return []store.Part{{Photos: ids}, {Text: text, Keyboard: openKeyboard}}
			},
			fault:  func(r *rig, chat int64) { r.tg.FailNextTo("sendMessage", chat, 1, 502, "Bad Gateway") },
			calls:  map[string]int{"sendMediaGroup": 1, "sendMessage": 2},
			text:   text,
			failed: []string{"transient"}},
		{name: "photo with its title, then the text fails twice", chat: 302, photos: 1,
			parts: func(ids []string) []store.Part {
				return []store.Part{{Photos: ids, Text: "<b>Delegation in Venlo</b>"}, {Text: text, Keyboard: openKeyboard}}
			},
			fault: func(r *rig, chat int64) {
				r.tg.FailNextTo("sendMessage", chat, 2, 500, "Internal Server Error")
			},
			calls:  map[string]int{"sendPhoto": 1, "sendMessage": 3},
			text:   text,
			failed: []string{"transient", "transient"}},
		{name: "the album fails once", chat: 303, photos: 2,
			parts: func(ids []string) []store.Part {
				return []store.Part{{Photos: ids}, {Text: text, Keyboard: openKeyboard}}
			},
			fault:  func(r *rig, chat int64) { r.tg.FailNextTo("sendMediaGroup", chat, 1, 502, "Bad Gateway") },
			calls:  map[string]int{"sendMediaGroup": 2, "sendMessage": 1},
			text:   text,
			failed: []string{"transient"}},
		{name: "the text is refused for good after the album", chat: 304, photos: 2,
			parts: func(ids []string) []store.Part {
				return []store.Part{{Photos: ids}, {Text: "<b>" + text, Keyboard: openKeyboard}}
			},
			calls:  map[string]int{"sendMediaGroup": 1, "sendMessage": 1},
			failed: []string{"dead_lettered"},
			dead:   1},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRig(t, 0)
			var ids []string
			for i := range tt.photos {
				ids = append(ids, fmt.Sprintf("photo-%d-%d", tt.chat, i+1))
			}
			ids = r.fileIDs(ids...)
			m := store.OutboxMessage{Kind: store.MsgAnnouncement, ChatID: tt.chat, Parts: tt.parts(ids),
				CreatedAt: time.Now(), Ref: "parts"}
			if err := r.st.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
			if tt.fault != nil {
				tt.fault(r, tt.chat)
			}
			var rec reasons
			stop := r.startWorkers(&scheduler.Workers{Events: rec.events(), MaxAttempts: 5})
			ob := r.waitSettled()
			stop()

			checkDelivered(t, r.tg.SentTo(tt.chat), ids, tt.text, 0)
			if got := sendCounts(r.tg, tt.chat); !sameCounts(got, tt.calls) {
				t.Errorf("send calls %v, want %v", got, tt.calls)
			}
			failed, sent := rec.get()
			if !slices.Equal(failed, tt.failed) {
				t.Errorf("failures %v, want %v", failed, tt.failed)
			}
			if want := 1 - tt.dead; sent != want {
				t.Errorf("%d messages reported sent, want %d", sent, want)
			}
			if ob.Dead != int64(tt.dead) {
				t.Fatalf("%d dead letters, want %d", ob.Dead, tt.dead)
			}
			if tt.dead > 0 {
				// Requeued by hand, the dead letter sends only the rest.
				dl, err := r.st.DeadLetters(ctx, 10)
				if err != nil || len(dl) != 1 || dl[0].Message.Step != 1 || !strings.Contains(dl[0].Reason, "can't parse entities") {
					t.Errorf("dead letters %+v %v, want the message at step 1 with Telegram's reason", dl, err)
				}
			}
		})
	}
}

// A group that subscribed from a forum topic that was deleted since gets
// the message once, in the general topic, at once; its subscription
// forgets the topic and remembers it was lost. A part that went to the
// topic before it went is not sent again.
func TestPartsThreadGone(t *testing.T) {
	t.Parallel()
	const text = "Delegation in Venlo"
	type row struct {
		name        string
		chat        int64
		photos      int
		deleteTopic bool
		fault       func(r *rig, chat int64)
		calls       map[string]int
		// albumThread and textThread: where the photos and the text went,
		// -1 for the topic.
		albumThread, textThread int
		lost                    bool
	}
	rows := []row{
		{name: "text, topic deleted", chat: -1000000000401, deleteTopic: true,
			calls: map[string]int{"sendMessage": 2}, textThread: 0, lost: true},
		{name: "album and text, topic deleted", chat: -1000000000402, photos: 3, deleteTopic: true,
			calls: map[string]int{"sendMediaGroup": 2, "sendMessage": 1}, albumThread: 0, textThread: 0, lost: true},
		{name: "the text finds the topic gone after the album", chat: -1000000000403, photos: 2,
			fault: func(r *rig, chat int64) {
				r.tg.FailNextTo("sendMessage", chat, 1, 400, "Bad Request: message thread not found")
			},
			calls: map[string]int{"sendMediaGroup": 1, "sendMessage": 2}, albumThread: -1, textThread: 0, lost: true},
		{name: "topic still there", chat: -1000000000404, photos: 2,
			calls: map[string]int{"sendMediaGroup": 1, "sendMessage": 1}, albumThread: -1, textThread: -1},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRig(t, 0)
			r.tg.KnowChat(telegramtest.ForumGroup(tt.chat, "Partners"))
			topic := r.tg.CreateTopic(tt.chat, "Partner cities")
			sub := r.subscriber(tt.chat, store.LangEN, store.FreqDaily, []string{"venlo"})
			sub.ChatType, sub.ThreadID = "supergroup", topic
			if err := r.st.SaveSubscriber(ctx, sub); err != nil {
				t.Fatal(err)
			}
			if tt.deleteTopic {
				r.tg.DeleteTopic(tt.chat, topic)
			}
			if tt.fault != nil {
				tt.fault(r, tt.chat)
			}
			var ids []string
			for i := range tt.photos {
				ids = append(ids, fmt.Sprintf("photo-%d-%d", -tt.chat, i+1))
			}
			ids = r.fileIDs(ids...)
			var parts []store.Part
			if len(ids) > 0 {
				parts = append(parts, store.Part{Photos: ids})
			}
			parts = append(parts, store.Part{Text: text, Keyboard: openKeyboard})
			m := store.OutboxMessage{Kind: store.MsgAnnouncement, ChatID: tt.chat, Group: true, ThreadID: topic,
				Parts: parts, CreatedAt: time.Now(), Ref: "topic"}
			if err := r.st.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
			var rec reasons
			stop := r.startWorkers(&scheduler.Workers{Events: rec.events()})
			ob := r.waitSettled()
			stop()

			thread := func(want int) int {
				if want < 0 {
					return topic
				}
				return want
			}
			got := r.tg.SentTo(tt.chat)
			var album, texts []telegramtest.Message
			for _, m := range got {
				if m.Media == "photo" {
					album = append(album, m)
				} else {
					texts = append(texts, m)
				}
			}
			if len(texts) != 1 || texts[0].Plain != text || texts[0].ThreadID != thread(tt.textThread) {
				t.Errorf("want the text once in thread %d:%s", thread(tt.textThread), describe(got))
			}
			if len(album) != len(ids) {
				t.Errorf("%d photos delivered, want each of %d once:%s", len(album), len(ids), describe(got))
			}
			for _, m := range album {
				if m.ThreadID != thread(tt.albumThread) {
					t.Errorf("photo #%d in thread %d, want %d", m.MessageID, m.ThreadID, thread(tt.albumThread))
				}
			}
			if c := sendCounts(r.tg, tt.chat); !sameCounts(c, tt.calls) {
				t.Errorf("send calls %v, want %v", c, tt.calls)
			}
			if ob.Dead != 0 {
				t.Errorf("%d dead letters, want none", ob.Dead)
			}
			s, err := r.st.Subscriber(ctx, tt.chat)
			if err != nil {
				t.Fatal(err)
			}
			wantThread := topic
			if tt.lost {
				wantThread = 0
			}
			if s.ThreadID != wantThread || s.TopicLost != tt.lost || !s.Active {
				t.Errorf("subscriber thread %d, topic lost %v, active %v; want thread %d, topic lost %v, active",
					s.ThreadID, s.TopicLost, s.Active, wantThread, tt.lost)
			}
			failed, sent := rec.get()
			var want []string
			if tt.lost {
				want = []string{"thread_gone"}
			}
			if !slices.Equal(failed, want) || sent != 1 {
				t.Errorf("failures %v, sent %d; want %v and sent once", failed, sent, want)
			}
		})
	}
}
