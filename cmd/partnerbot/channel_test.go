package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

const channelID = -1001234567890

// channelMessages are the bot's messages in the channel still there.
func channelMessages(e *env) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range e.tg.SentTo(channelID) {
		if !m.Deleted {
			out = append(out, m)
		}
	}
	return out
}

// waitChannel waits until the channel shows what ok accepts; a channel
// post waiting for rights is retried with a backoff of up to two minutes,
// hence the longer deadline.
func waitChannel(t *testing.T, e *env, what string, ok func([]telegramtest.Message) bool) []telegramtest.Message {
	t.Helper()
	var got []telegramtest.Message
	eventually(t, 3*wait, func() string { return fmt.Sprintf("channel %s; it has %q", what, plains(got)) },
		func() bool { got = channelMessages(e); return ok(got) })
	return got
}

// The city's channel: the bot starts without the right to post there, so
// owners are told exactly what is missing and residents still get the
// post; once an administrator grants the rights the post goes out once, in
// CHANNEL_LANG (German, as translated meanwhile), with its photo. An edit
// of the text edits the caption, new photos replace the message, and a
// deletion deletes it.
func TestChannelPostEditDelete(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	ch := telegramtest.PublicChannel(channelID, "Kropyvnytskyi partners", "city_partners")
	e.tg.KnowChat(ch)
	e.tg.SetChannelRights(channelID, telegramtest.ChannelRights{Member: true})
	e.cfg.Channel, e.cfg.ChannelLang = "@city_partners", store.LangDE
	e.start()
	st := e.store()

	notice := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(ownerID), telegramtest.TextContains("@city_partners")))
	// The owner has not written yet: the notice is in the home city's
	// language and names each missing right.
	mustContain(t, notice.Plain, "публікації повідомлень", "редагування повідомлень", "видалення повідомлень")

	if code, body := httpGet(t, e.httpURL()+"/readyz"); code != 200 || !strings.Contains(body, `"missing":["post","edit","delete"]`) {
		t.Errorf("/readyz = %d %s, want ready and the missing rights named", code, body)
	}

	fan := e.private(631, "en")
	fan.ask("/subscribe venlo")
	o := e.private(ownerID, "en")
	mustContain(t, o.ask("/stats").Plain, "@city_partners", "lacks")
	id := e.tg.SendPhoto(o.chat, o.user, "/announce venlo | Delegation in Venlo\nThe delegation met the mayor.")
	e.tg.WaitConfirmed(t, wait, id)
	post := postIDIn(t, e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(ownerID), telegramtest.TextContains("#"))).Plain)
	e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(631), telegramtest.TextContains("Delegation in Venlo")))
	eventually(t, wait, func() string { return "the channel post was never refused" },
		func() bool { return strings.Contains(e.logs.String(), "lacks rights in this chat") })

	// A German version is added while the channel post waits: it goes out
	// as the post is when the rights come.
	got := o.say(fmt.Sprintf("/translate %d de", post))
	mustContain(t, got[len(got)-1].Plain, "Delegation in Venlo")
	got = o.say("Die Delegation traf den Bürgermeister.")
	o.tap(lastWith(t, got, "Delegation in Venlo"), "Publish")
	if len(channelMessages(e)) != 0 {
		t.Fatalf("the channel got %q without the right to post", plains(channelMessages(e)))
	}
	e.tg.SetChannelRights(channelID, telegramtest.ChannelRights{Member: true, CanPostMessages: true, CanEditMessages: true, CanDeleteMessages: true})
	waitChannel(t, e, "has the post", func(m []telegramtest.Message) bool { return len(m) > 0 })
	// Let a doubled send show itself before counting.
	e.waitOutboxEmpty()
	msgs := channelMessages(e)
	if len(msgs) != 1 || msgs[0].Media != "photo" {
		t.Fatalf("channel: %q, want one photo with the post as its caption", plains(msgs))
	}
	if !strings.Contains(msgs[0].Plain, "Die Delegation") {

	}
	mustContain(t, msgs[0].Plain, "Die Delegation traf den Bürgermeister.")
	if strings.Contains(msgs[0].Plain, "/p") {
		t.Errorf("channel post %q links a bot command", msgs[0].Plain)
	}
	mustContain(t, o.ask("/stats").Plain, "can post, edit and delete")

	// Edit the German text: the caption is edited in place.
	_, got = o.tap(lastWith(t, o.say(fmt.Sprintf("/edit %d", post)), "Delegation"), "Edit a field")
	o.tap(got[0], "Translation: German")
	got = o.say("Die Delegation traf den Bürgermeister und den Rat.")
	_, _ = o.tap(lastWith(t, got, "Delegation in Venlo"), "Publish")
	waitChannel(t, e, "caption edited", func(m []telegramtest.Message) bool {
		return len(m) == 1 && m[0].Edited && strings.Contains(m[0].Plain, "und den Rat")
	})

	// New photos: the message is replaced by an album and the text.
	_, got = o.tap(lastWith(t, o.say(fmt.Sprintf("/edit %d", post)), "Delegation"), "Edit a field")
	o.tap(got[0], "Photos")
	got = o.sendAlbum("", 2)
	_, got = o.tap(got[len(got)-1], "Done")
	o.tap(lastWith(t, got, "Delegation in Venlo"), "Publish")
	msgs = waitChannel(t, e, "album and text", func(m []telegramtest.Message) bool {
		return len(m) == 3 && m[0].MediaGroupID != "" && m[2].Media == ""
	})
	mustContain(t, msgs[2].Plain, "und den Rat")
	var ref store.Post
	eventually(t, wait, func() string {
		return fmt.Sprintf("post's channel reference %+v; want the three new messages", ref.Channel)
	},
		func() bool {
			ref, _ = st.Post(context.Background(), post)
			return ref.Channel != nil && len(ref.Channel.Messages) == 3
		})

	// Delete: every channel message goes.
	o.tap(o.ask(fmt.Sprintf("/delete %d", post)), "Yes, delete")
	waitChannel(t, e, "empty", func(m []telegramtest.Message) bool { return len(m) == 0 })
	if n := len(e.tg.SentTo(channelID)); n != 4 {
		t.Errorf("the channel was sent %d messages in all, want 4 (the first post, then the album and text)", n)
	}
}

// A publish retried by Telegram, and a channel post whose send fails
// once, still put the post in the channel once.
func TestChannelPostOnceUnderRetries(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.tg.KnowChat(telegramtest.Channel(channelID, "Partners"))
	e.cfg.Channel = fmt.Sprint(channelID)
	e.start()
	o := e.private(ownerID, "en")
	o.ask("/start")
	// The first try at the channel fails, and the official's reply is
	// lost, so the update is handled again.
	e.tg.FailNextTo("sendMessage", channelID, 1, 500, "Internal Server Error")
	e.tg.LoseNextTo("sendMessage", ownerID, 1)
	o.say("/announce krefeld | Channel once")
	waitChannel(t, e, "has the post", func(m []telegramtest.Message) bool { return len(m) > 0 })
	e.waitOutboxEmpty()
	if got := channelMessages(e); len(got) != 1 {
		t.Errorf("channel got %q, want the post once", plains(got))
	}
}

// The bot loses the right to edit in the channel while it runs: an
// official's edit waits for it, as posts do, the owners are told what is
// missing, and the edit reaches the channel once the right is back.
func TestChannelEditWaitsForLostRights(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	ch := telegramtest.PublicChannel(channelID, "Kropyvnytskyi partners", "city_partners")
	e.tg.KnowChat(ch)
	all := telegramtest.ChannelRights{Member: true, CanPostMessages: true, CanEditMessages: true, CanDeleteMessages: true}
	e.tg.SetChannelRights(channelID, all)
	e.cfg.Channel, e.cfg.ChannelLang = "@city_partners", store.LangEN
	e.start()

	o := e.private(ownerID, "en")
	post := postIDIn(t, o.ask("/announce venlo | Office closed on Friday\nWe reopen on Monday.").Plain)
	waitChannel(t, e, "has the post", func(m []telegramtest.Message) bool { return len(m) == 1 })
	e.waitOutboxEmpty()
	for _, m := range e.tg.SentTo(ownerID) {
		if strings.Contains(m.Plain, "@city_partners") {
			t.Fatalf("a notice about the channel's rights while the bot had them all: %q", m.Plain)
		}
	}

	e.tg.SetChannelRights(channelID, telegramtest.ChannelRights{Member: true})
	_, got := o.tap(lastWith(t, o.say(fmt.Sprintf("/edit %d", post)), "Office closed"), "Edit a field")
	o.tap(got[0], "Text")
	_, _ = o.tap(lastWith(t, o.say("We reopen on Tuesday."), "Tuesday"), "Publish")
	eventually(t, wait, func() string { return "the channel edit was never refused" },
		func() bool { return strings.Contains(e.logs.String(), "message can't be edited") })
	notice := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(ownerID), telegramtest.TextContains("@city_partners")))
	mustContain(t, notice.Plain, "@city_partners")
	if m := channelMessages(e); len(m) != 1 || m[0].Edited {
		t.Fatalf("channel %q: want the post unedited while the right is missing", plains(m))
	}

	e.tg.SetChannelRights(channelID, all)
	waitChannel(t, e, "edited", func(m []telegramtest.Message) bool {
		return len(m) == 1 && m[0].Edited && strings.Contains(m[0].Plain, "Tuesday")
	})
}
