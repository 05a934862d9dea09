package pacing_test

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store/pacing"
	"github.com/partnerbot/partnerbot/store/pacing/pacingtest"
)

func TestMemoryContract(t *testing.T) {
	pacingtest.Run(t, func(*testing.T) pacing.Buckets { return pacing.NewMemory() })
}

func TestMemoryForgetsIdleChats(t *testing.T) {
	m := pacing.NewMemory()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	l := pacing.New(m, pacing.Config{Rate: 1000}).WithClock(func() time.Time { return now })
	for chat := range int64(500) {
		if _, err := l.Reserve(t.Context(), chat, chat%2 == 0, true); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Millisecond)
	}
	if n := m.Len(); n != 501 { // 500 chats, global
		t.Fatalf("buckets tracked = %d, want 501", n)
	}
	now = now.Add(3 * time.Minute)
	l.Reserve(t.Context(), 9999, false, true)
	if n := m.Len(); n != 2 {
		t.Errorf("buckets tracked after 3 idle minutes = %d, want 2", n)
	}
}

func TestAllow(t *testing.T) {
	b := pacing.Bucket{Every: time.Second, Burst: 2}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		tat      time.Time
		wantNext time.Time
		wantWait time.Duration
	}{
		{"empty bucket", time.Time{}, now.Add(time.Second), 0},
		{"one token used", now.Add(time.Second), now.Add(2 * time.Second), 0},
		{"burst used", now.Add(2 * time.Second), now.Add(2 * time.Second), time.Second},
		{"long idle", now.Add(-time.Hour), now.Add(time.Second), 0},
	}
	for _, tt := range tests {
		next, wait := pacing.Allow(tt.tat, now, b)
		if !next.Equal(tt.wantNext) || wait != tt.wantWait {
			t.Errorf("%s: Allow = %v, %s; want %v, %s", tt.name, next, wait, tt.wantNext, tt.wantWait)
		}
	}
}
