package telegram_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/internal/telegramtest"
)

// Chats are handled concurrently, each in order, at most MaxInFlight at a
// time; an update that fails comes back and is handled once it succeeds.
func TestPollerOrderConcurrencyAndRetry(t *testing.T) {
	tg := telegramtest.New(t)
	client, err := telegram.NewClient(telegram.ClientConfig{Token: tg.Token(), Endpoint: tg.Endpoint(), PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		seen     = map[int64][]string{}
		inFlight atomic.Int32
		peak     atomic.Int32
		failOnce atomic.Bool
		started  = make(chan int64, 100)
	)
	failOnce.Store(true)
	handle := func(ctx context.Context, u telegram.Update) error {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		chat := u.Message.Chat.ID
		started <- chat
		if u.Message.Text == "b2" && failOnce.CompareAndSwap(true, false) {
			return context.DeadlineExceeded // "Telegram unreachable": retry later
		}
		// Hold chat 1's first update until another chat has started: that
		// can only happen if chats run concurrently.
		if u.Message.Text == "a1" {
			deadline := time.After(5 * time.Second)
		wait:
			for {
				select {
				case c := <-started:
					if c != 1 {
						break wait
					}
				case <-deadline:
					t.Error("no other chat started while chat 1 was busy: not concurrent")
					break wait
				}
			}
		}
		mu.Lock()
		seen[chat] = append(seen[chat], u.Message.Text)
		mu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	p := &telegram.Poller{Client: client, Handle: handle, Timeout: time.Second, MaxInFlight: 2,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond}
	var last int
	for _, m := range []struct {
		chat int64
		text string
	}{{1, "a1"}, {2, "b1"}, {1, "a2"}, {2, "b2"}, {3, "c1"}, {2, "b3"}, {1, "a3"}} {
		c, u := telegramtest.PrivateChat(m.chat, "en")
		last = tg.SendText(c, u, m.text)
	}
	go func() { done <- p.Run(ctx) }()
	tg.WaitConfirmed(t, 10*time.Second, last)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[int64][]string{1: {"a1", "a2", "a3"}, 2: {"b1", "b2", "b3"}, 3: {"c1"}}
	for chat, w := range want {
		got := seen[chat]
		if len(got) != len(w) {
			t.Errorf("chat %d handled %v, want %v (each once, in order)", chat, got, w)
			continue
		}
		for i := range w {
			if got[i] != w[i] {
				t.Errorf("chat %d handled %v, want %v", chat, got, w)
				break
			}
		}
	}
	if pk := peak.Load(); pk > 2 {
		t.Errorf("%d updates in flight, limit 2", pk)
	}
}

// An album arrives as one update per photo; the poller hands the album on
// as one update (its first photo, the others in Album), in order with the
// chat's other updates, and confirms all its photos once it is handled.
func TestPollerAssemblesAlbums(t *testing.T) {
	tg := telegramtest.New(t)
	client, err := telegram.NewClient(telegram.ClientConfig{Token: tg.Token(), Endpoint: tg.Endpoint(), PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	handle := func(ctx context.Context, u telegram.Update) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case u.Message.MediaGroupID != "":
			got = append(got, fmt.Sprintf("album of %d, caption %q", 1+len(u.Album), u.Message.Caption))
		default:
			got = append(got, u.Message.Text)
		}
		return nil
	}
	c, u := telegramtest.PrivateChat(7, "en")
	ids := tg.SendAlbum(c, u, "Three photos", 3)
	last := tg.SendText(c, u, "after the album")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	p := &telegram.Poller{Client: client, Handle: handle, Timeout: time.Second, AlbumWait: 100 * time.Millisecond}
	go func() { done <- p.Run(ctx) }()
	tg.WaitConfirmed(t, 10*time.Second, last)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{`album of 3, caption "Three photos"`, "after the album"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("handled %q, want %q", got, want)
	}
	for _, id := range ids {
		tg.WaitConfirmed(t, time.Second, id)
	}
}
