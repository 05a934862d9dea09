package timing

import (
	"context"
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	for n := 1; n <= 12; n++ {
		want := min(time.Second<<(n-1), 30*time.Second)
		for range 50 {
			d := Backoff(time.Second, 30*time.Second, n)
			if d < want/2 || d > want {
				t.Fatalf("Backoff(n=%d) = %v, want within [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Error("Sleep reported a full wait on a cancelled context")
	}
	if !Sleep(context.Background(), time.Millisecond) {
		t.Error("Sleep cut short without cause")
	}
}

func TestOutliveEndsAfterGrace(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	out, cancel := Outlive(parent, 50*time.Millisecond)
	defer cancel()
	cancelParent()
	if out.Err() != nil {
		t.Fatal("ended with its parent, not after the grace")
	}
	select {
	case <-out.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("never ended after the grace")
	}
	out2, cancel2 := Outlive(context.Background(), time.Hour)
	cancel2()
	if out2.Err() == nil {
		t.Error("cancel did not end it")
	}
}
