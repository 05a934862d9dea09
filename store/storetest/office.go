package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testOffice: residents' conversations with the partnership office, their
// topic links and the figures of /stats.
func testOffice(t *testing.T, newStore func(t *testing.T) store.Store) {
	const office = -1001234567890
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if _, err := s.Conversation(ctx, 7); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Conversation(7) = %v, want ErrNotFound", err)
		}
		got, err := s.UpdateConversation(ctx, 7, func(c *store.Conversation) error {
			if c.Resident != 7 || c.Open {
				return fmt.Errorf("a new conversation reads %+v", c)
			}
			c.OpenAt(t0)
			c.Lang = store.LangDE
			c.Admit(100, t0.Add(time.Minute), store.DefaultContactRate())
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateConversation = %v", err)
		}
		read, err := s.Conversation(ctx, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []store.Conversation{got, read} {
			if c.Resident != 7 || !c.Open || !c.OpenedAt.Equal(t0) || c.Lang != store.LangDE || len(c.Recent) != 1 ||
				c.Recent[0].Message != 100 || !c.WaitingSince.Equal(t0.Add(time.Minute)) {
				t.Errorf("conversation = %+v", c)
			}
		}
	})
	t.Run("Unchanged", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		got, err := s.UpdateConversation(ctx, 8, func(c *store.Conversation) error {
			c.Open = true
			return store.ErrUnchanged
		})
		if err != nil || got.Open || got.Resident != 8 {
			t.Errorf("UpdateConversation(unchanged) = %+v, %v; want the conversation as read", got, err)
		}
		if _, err := s.Conversation(ctx, 8); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unchanged conversation was stored: %v", err)
		}
		boom := errors.New("boom")
		if _, err := s.UpdateConversation(ctx, 8, func(c *store.Conversation) error { c.Open = true; return boom }); !errors.Is(err, boom) {
			t.Errorf("fn's error = %v, want it returned", err)
		}
		if st, _ := s.OfficeStats(ctx); st.Open != 0 {
			t.Errorf("a failed update changed the stats: %+v", st)
		}
	})
	t.Run("TopicLinks", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		update := func(resident int64, fn func(c *store.Conversation)) {
			t.Helper()
			if _, err := s.UpdateConversation(ctx, resident, func(c *store.Conversation) error { fn(c); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		wantResident := func(topic int, want int64) {
			t.Helper()
			got, err := s.TopicResident(ctx, office, topic)
			if want == 0 {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("TopicResident(%d) = %d, %v; want ErrNotFound", topic, got, err)
				}
				return
			}
			if err != nil || got != want {
				t.Errorf("TopicResident(%d) = %d, %v; want %d", topic, got, err, want)
			}
		}
		update(1, func(c *store.Conversation) { c.SetTopic(office, 11) })
		update(2, func(c *store.Conversation) { c.SetTopic(office, 12) })
		wantResident(11, 1)
		wantResident(12, 2)
		wantResident(13, 0)
		if _, err := s.TopicResident(ctx, -1009, 11); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the topic is found in another group: %v", err)
		}
		// The topic is deleted, and a new one made: only the new one links.
		update(1, func(c *store.Conversation) { c.TopicGone(office, 11) })
		wantResident(11, 0)
		update(1, func(c *store.Conversation) { c.SetTopic(office, 21); c.TopicReady(office, 21) })
		wantResident(21, 1)
		if c, _ := s.Conversation(ctx, 1); c.Topic != 21 || !c.Ready {
			t.Errorf("conversation after a new topic: %+v", c)
		}
		if err := s.DeleteConversation(ctx, 1); err != nil {
			t.Fatal(err)
		}
		wantResident(21, 0)
		wantResident(12, 2)
		if _, err := s.Conversation(ctx, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Conversation after delete = %v", err)
		}
		if err := s.DeleteConversation(ctx, 1); err != nil {
			t.Errorf("DeleteConversation(missing) = %v, want nil", err)
		}
	})
	t.Run("Stats", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if st, err := s.OfficeStats(ctx); err != nil || st != (store.OfficeStats{}) {
			t.Fatalf("empty store: %+v, %v", st, err)
		}
		rate := store.DefaultContactRate()
		// Residents 1..4 write; 1, 2, 3 are answered after 10, 30 and 20
		// minutes; 4 waits; 2 closes the conversation.
		for i, after := range []time.Duration{10 * time.Minute, 30 * time.Minute, 20 * time.Minute, 0} {
			resident := int64(i + 1)
			_, err := s.UpdateConversation(ctx, resident, func(c *store.Conversation) error {
				c.OpenAt(t0)
				c.Admit(int(resident), t0, rate)
				if after > 0 {
					c.Answered(t0.Add(after))
				}
				if resident == 2 {
					c.Close()
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		want := store.OfficeStats{Open: 3, Unanswered: 1, Answered: 3, Median: 20 * time.Minute}
		if st, err := s.OfficeStats(ctx); err != nil || st != want {
			t.Errorf("OfficeStats = %+v, %v; want %+v", st, err, want)
		}
		// Four answers: the mean of the two middle ones.
		if _, err := s.UpdateConversation(ctx, 4, func(c *store.Conversation) error { c.Answered(t0.Add(40 * time.Minute)); return nil }); err != nil {
			t.Fatal(err)
		}
		want = store.OfficeStats{Open: 3, Unanswered: 0, Answered: 4, Median: 25 * time.Minute}
		if st, err := s.OfficeStats(ctx); err != nil || st != want {
			t.Errorf("OfficeStats = %+v, %v; want %+v", st, err, want)
		}
		if err := s.DeleteConversation(ctx, 3); err != nil {
			t.Fatal(err)
		}
		want = store.OfficeStats{Open: 2, Unanswered: 0, Answered: 3, Median: 30 * time.Minute}
		if st, err := s.OfficeStats(ctx); err != nil || st != want {
			t.Errorf("after a delete OfficeStats = %+v, %v; want %+v", st, err, want)
		}
	})
	t.Run("Atomic", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		const n = 20
		rate := store.ContactRate{N: 100, Per: time.Hour}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, err := s.UpdateConversation(ctx, 5, func(c *store.Conversation) error {
					c.Admit(1000+i, t0, rate)
					return nil
				})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		c, err := s.Conversation(ctx, 5)
		if err != nil || len(c.Recent) != n {
			t.Errorf("after %d concurrent messages %d are counted (%v): an update was lost", n, len(c.Recent), err)
		}
	})
	t.Run("TopicClaim", func(t *testing.T) {
		// Messages of one resident that find no topic at once: exactly
		// one claims its creation.
		s := newStore(t)
		ctx := t.Context()
		const n = 10
		var wg sync.WaitGroup
		won := make(chan string, n)
		for i := range n {
			wg.Go(func() {
				owner := fmt.Sprintf("msg-%d", i)
				_, err := s.UpdateConversation(ctx, 9, func(c *store.Conversation) error {
					if !c.ClaimTopic(owner, t0, time.Minute) {
						return store.ErrUnchanged
					}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
				if c, _ := s.Conversation(ctx, 9); c.Claim == owner {
					won <- owner
				}
			})
		}
		wg.Wait()
		close(won)
		if len(won) != 1 {
			t.Errorf("%d messages claimed the topic, want 1", len(won))
		}
	})
	t.Run("MessageLinks", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		if err := store.LinkOfficeMessage(ctx, s, 555, 31, 7); err != nil {
			t.Fatal(err)
		}
		if got, err := store.LinkedResident(ctx, s, 555, 31); err != nil || got != 7 {
			t.Errorf("LinkedResident = %d, %v; want 7", got, err)
		}
		for _, q := range [][2]int64{{555, 32}, {556, 31}} {
			if _, err := store.LinkedResident(ctx, s, q[0], int(q[1])); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("LinkedResident(%d, %d) = %v, want ErrNotFound", q[0], q[1], err)
			}
		}
	})
}
