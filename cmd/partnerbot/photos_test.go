package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/internal/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// sendAlbum sends an album as the official and returns what the bot sent
// back once the whole album was handled.
func (c *chat) sendAlbum(caption string, n int) []telegramtest.Message {
	c.e.t.Helper()
	before := len(c.e.tg.SentTo(c.chat.ID))
	ids := c.e.tg.SendAlbum(c.chat, c.user, caption, n)
	c.e.tg.WaitConfirmed(c.e.t, wait, ids[len(ids)-1])
	return c.e.tg.SentTo(c.chat.ID)[before:]
}

// sendDocument sends a file where a photo is expected.
func (c *chat) sendDocument(caption string) []telegramtest.Message {
	c.e.t.Helper()
	before := len(c.e.tg.SentTo(c.chat.ID))
	id := c.e.tg.SendDocument(c.chat, c.user, "IMG_0001.JPG", caption)
	c.e.tg.WaitConfirmed(c.e.t, wait, id)
	return c.e.tg.SentTo(c.chat.ID)[before:]
}

// An official writes an announcement with an album and a German
// translation in the wizard; a German resident gets the album and the
// German text, an English one the album and the original, each once.
func TestWizardAlbumAndTranslation(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	de, en := e.private(601, "de"), e.private(602, "en")
	de.ask("/subscribe venlo")
	en.ask("/subscribe venlo")
	o := e.private(ownerID, "en")
	_, got := o.tap(o.ask("/post"), "Announcement")
	o.tap(got[0], "Venlo")
	o.say("Delegation from Venlo")
	got = o.say("The delegation visited the city hall.")
	mustContain(t, lastWith(t, got, "photos").Plain, "up to 10")
	got = o.sendAlbum("", 3)
	mustContain(t, got[len(got)-1].Plain, "3 photo")
	// A file is not a photo; nothing is added.
	mustContain(t, o.sendDocument("")[0].Plain, "not a photo")
	_, got = o.tap(got[len(got)-1], "Done")
	album := 0
	for _, m := range got {
		if m.Media == "photo" && m.MediaGroupID != "" {
			album++
		}
	}
	if album != 3 {
		t.Fatalf("the preview shows %d album photos, want 3: %q", album, plains(got))
	}
	preview := lastWith(t, got, "Delegation from Venlo")
	_, got = o.tap(preview, "Add a translation")
	_, got = o.tap(got[0], "German")
	mustContain(t, got[0].Plain, "Delegation from Venlo")
	o.say("Delegation aus Venlo")
	got = o.say("Die Delegation besuchte das Rathaus.")
	preview = lastWith(t, got, "Delegation from Venlo")
	mustContain(t, lastWith(t, got, "versions").Plain, "English (original), German")
	o.tap(preview, "Publish")
	e.waitOutboxEmpty()

	check := func(c *chat, want, lacks string) {
		t.Helper()
		msgs := e.tg.SentTo(c.chat.ID)
		photos := 0
		for _, m := range msgs {
			if m.Media == "photo" {
				photos++
			}
		}
		if photos != 3 {
			t.Errorf("chat %d got %d photos, want the album of 3", c.chat.ID, photos)
		}
		text := lastWith(t, msgs, want)
		if strings.Contains(text.Plain, lacks) {
			t.Errorf("chat %d got %q, which should not say %q", c.chat.ID, text.Plain, lacks)
		}
		mustContain(t, text.Plain, "3 ", "/p")
	}
	check(de, "Die Delegation besuchte das Rathaus.", "Original")
	check(en, "The delegation visited the city hall.", "Original")
}

// A photo (or an album) whose caption is a one-line form publishes the post
// with its photos. A caption form with an error, a document instead of a
// photo, or more than ten photos is refused with the limit named, and
// nothing is saved.
func TestCaptionForms(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	st := e.store()
	fan := e.private(611, "en")
	fan.ask("/subscribe venlo")
	o := e.private(ownerID, "en")

	id := e.tg.SendPhoto(o.chat, o.user, "/announce venlo | Photo caption announcement")
	e.tg.WaitConfirmed(t, wait, id)
	published := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(ownerID), telegramtest.TextContains("#")))
	p, err := st.Post(context.Background(), postIDIn(t, published.Plain))
	if err != nil || len(p.Photos) != 1 {
		t.Fatalf("post from a photo's caption: %+v, %v; want one photo", p, err)
	}
	e.waitOutboxEmpty()
	got := e.tg.WaitSent(t, wait, telegramtest.All(telegramtest.To(611), telegramtest.TextContains("Photo caption announcement")))
	if got.Media != "photo" || got.FileID != p.Photos[0].FileID {
		t.Errorf("the subscriber got %+v, want the photo with the post as its caption", got)
	}

	got2 := o.sendAlbum("/visit venlo | 2025-10-30 | Album visit | Three photos of the visit.", 3)
	v, err := st.Post(context.Background(), postIDIn(t, lastWith(t, got2, "#").Plain))
	if err != nil || len(v.Photos) != 3 || v.Title != "Album visit" {
		t.Errorf("post from an album's caption: %+v, %v; want three photos", v, err)
	}

	before := countAllPosts(t, st)
	for _, tc := range []struct {
		name  string
		send  func() []telegramtest.Message
		wants string
	}{
		{"form error in a caption", func() []telegramtest.Message {
			id := e.tg.SendPhoto(o.chat, o.user, "/visit nowhere | 2025-10-30 | T | X")
			e.tg.WaitConfirmed(t, wait, id)
			return e.tg.SentTo(ownerID)
		}, "nowhere"},
		{"a document with a form", func() []telegramtest.Message { return o.sendDocument("/announce venlo | A file") }, "not a photo"},
		{"a video with a form", func() []telegramtest.Message {
			id := e.tg.SendVideo(o.chat, o.user, "/announce venlo | A video")
			e.tg.WaitConfirmed(t, wait, id)
			return e.tg.SentTo(ownerID)
		}, "not a photo"},
		{"eleven photos in the wizard", func() []telegramtest.Message {
			_, got := o.tap(o.ask("/post"), "Announcement")
			o.tap(got[0], "Venlo")
			o.say("Too many photos")
			o.say("Eleven photos are one too many.")
			mustContain(t, o.sendAlbum("", 6)[0].Plain, "6 photo")
			got = o.sendAlbum("", 5)
			// The six taken stay; the five are refused with the limit.
			mustContain(t, o.say("/cancel")[0].Plain, "ancel")
			return got
		}, "11 in all, the limit is 10"},
	} {
		msgs := tc.send()
		mustContain(t, msgs[len(msgs)-1].Plain, tc.wants)
	}
	if after := countAllPosts(t, st); after != before {
		t.Errorf("%d posts saved from bad input", after-before)
	}
}

func countAllPosts(t *testing.T, st store.Store) int {
	t.Helper()
	posts, err := st.LatestPosts(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(posts)
}

// Every post has an open link: /news shows it, /p<id> and the deep link
// show the post in full with its photos, in the reader's language; a post
// without that language says which it is in; an unknown id says so.
func TestOpenLinks(t *testing.T) {
	t.Parallel()
	e := newOfficialEnv(t)
	e.start()
	o := e.private(ownerID, "uk")
	got := o.sendAlbum("/visit krefeld | 2025-10-30 | Візит до Крефельда | Зустріч у ратуші.", 2)
	id := postIDIn(t, lastWith(t, got, "#").Plain)
	link := fmt.Sprintf("/p%d", id)
	r := e.private(620, "de")
	mustContain(t, r.say("/news krefeld")[0].Plain, link)
	full := r.say(link)
	if len(full) != 3 || full[0].MediaGroupID == "" || full[1].MediaGroupID != full[0].MediaGroupID || full[2].Media != "" {
		t.Fatalf("%s: %q, want the album of 2, then the text", link, plains(full))
	}
	mustContain(t, full[2].Plain, "Візит до Крефельда", "Зустріч у ратуші.", "Original auf Ukrainisch")
	deep := r.say(fmt.Sprintf("/start post_%d", id))
	mustContain(t, deep[len(deep)-1].Plain, "Візит до Крефельда")
	mustContain(t, r.ask("/p99999").Plain, "#99999")
	mustContain(t, r.ask("/start post_99999").Plain, "#99999")
}
