package redisstore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// TestOfficeKeyLayout pins the key names of the office's conversations,
// like TestKeyLayout does for the rest.
func TestOfficeKeyLayout(t *testing.T) {
	s := newTestStore(t, WithPrefix("{pb}:"))
	ctx := t.Context()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := s.UpdateConversation(ctx, 7, func(c *store.Conversation) error {
		c.OpenAt(t0)
		c.Admit(1, t0, store.DefaultContactRate())
		c.SetTopic(-1001, 11)
		c.Answered(t0.Add(time.Minute))
		c.Admit(2, t0.Add(2*time.Minute), store.DefaultContactRate())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.Client(t).Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{"{pb}:office:answered", "{pb}:office:conv:7", "{pb}:office:open", "{pb}:office:topic:-1001:11", "{pb}:office:waiting"}
	if !slices.Equal(got, want) {
		t.Errorf("keys =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
