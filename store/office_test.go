package store

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestConversationAdmit(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	rate := ContactRate{N: 3, Per: time.Hour}
	type step struct {
		message   int
		at        time.Duration // after t0
		want      Verdict
		wantFirst bool
		retryAt   time.Duration
	}
	tests := []struct {
		name  string
		start Conversation
		steps []step
	}{
		{"counts up to the rate, then refuses until the oldest leaves the window", Conversation{Open: true}, []step{
			{1, 0, Admitted, true, 0},
			{2, time.Minute, Admitted, false, 0},
			{3, 2 * time.Minute, Admitted, false, 0},
			{4, 3 * time.Minute, OverLimit, false, time.Hour},
			{5, 59 * time.Minute, OverLimit, false, time.Hour},
			{6, time.Hour, Admitted, false, 0},
			{7, time.Hour + time.Second, OverLimit, false, time.Hour + time.Minute},
		}},
		{"the same message again is admitted before, not counted", Conversation{Open: true}, []step{
			{1, 0, Admitted, true, 0},
			{1, time.Second, AdmittedBefore, false, 0},
			{2, 2 * time.Second, Admitted, false, 0},
			{3, 3 * time.Second, Admitted, false, 0},
			{3, 4 * time.Second, AdmittedBefore, false, 0},
			{4, 5 * time.Second, OverLimit, false, time.Hour},
		}},
		{"a blocked resident is told once", Conversation{Open: true, Blocked: true}, []step{
			{1, 0, BlockedTell, false, 0},
			{2, time.Second, BlockedQuiet, false, 0},
			{1, 2 * time.Second, BlockedQuiet, false, 0},
		}},
		{"a wait already running is not a first", Conversation{Open: true, WaitingSince: t0.Add(-time.Hour)}, []step{
			{1, 0, Admitted, false, 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.start
			for i, s := range tt.steps {
				a := c.Admit(s.message, t0.Add(s.at), rate)
				if a.Verdict != s.want || a.First != s.wantFirst {
					t.Fatalf("step %d (message %d): Admit = %v, first %v; want %v, %v", i, s.message, a.Verdict, a.First, s.want, s.wantFirst)
				}
				if s.want == OverLimit && !a.RetryAt.Equal(t0.Add(s.retryAt)) {
					t.Errorf("step %d: retry at %v, want %v", i, a.RetryAt.Sub(t0), s.retryAt)
				}
				if (s.want == Admitted || s.want == AdmittedBefore) != (a.Seq > 0) {
					t.Errorf("step %d: numbered %d", i, a.Seq)
				}
				if len(c.Recent) > rate.N {
					t.Errorf("step %d: %d stamps kept, more than the rate's %d", i, len(c.Recent), rate.N)
				}
			}
		})
	}
}

func TestConversationLifecycle(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	rate := DefaultContactRate()
	var c Conversation
	if c.Close() || c.Stored() {
		t.Error("a conversation never opened is closed, and not stored")
	}
	if !c.OpenAt(t0) || c.OpenAt(t0.Add(time.Second)) || !c.Stored() {
		t.Error("OpenAt: want a change once, then none, and the conversation stored")
	}
	c.Admit(1, t0.Add(time.Minute), rate)
	c.Admit(2, t0.Add(2*time.Minute), rate)
	if !c.Waiting() || !c.StartedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after two messages: waiting %v, started %v", c.Waiting(), c.StartedAt)
	}
	if _, ok := c.FirstAnswer(); ok {
		t.Error("first answer before any answer")
	}
	c.Close()
	c.Answered(t0.Add(31 * time.Minute))
	if d, ok := c.FirstAnswer(); !ok || d != 30*time.Minute {
		t.Errorf("FirstAnswer = %v, %v; want 30m from the first message", d, ok)
	}
	if c.Waiting() || !c.Open {
		t.Errorf("after the answer: waiting %v, open %v; want nothing waiting and the conversation open for the reply", c.Waiting(), c.Open)
	}
	c.Admit(3, t0.Add(40*time.Minute), rate)
	c.Answered(t0.Add(90 * time.Minute))
	if d, _ := c.FirstAnswer(); d != 30*time.Minute {
		t.Errorf("a later answer changed the first answer time to %v", d)
	}
	// /done then /contact: a new conversation for the stats.
	c.Close()
	c.OpenAt(t0.Add(2 * time.Hour))
	if _, ok := c.FirstAnswer(); ok || !c.StartedAt.IsZero() {
		t.Error("a reopened conversation kept the old first answer")
	}
	// A blocked resident's closed conversation is not reopened by an
	// answer; unblocking forgets the count.
	c.Close()
	if !c.Block(7, t0) || c.Block(7, t0) {
		t.Error("Block: want a change once")
	}
	c.Answered(t0.Add(3 * time.Hour))
	if c.Open {
		t.Error("an answer reopened a blocked resident's conversation")
	}
	c.Admit(9, t0.Add(3*time.Hour), rate)
	if !c.Unblock() || c.Unblock() || c.BlockTold || len(c.Recent) != 0 {
		t.Errorf("Unblock: %+v", c)
	}
}

func TestConversationTopics(t *testing.T) {
	const office = -1001
	var c Conversation
	if topic, _ := c.TopicIn(office); topic != 0 {
		t.Fatal("a new conversation has a topic")
	}
	c.SetTopic(office, 17)
	if topic, ready := c.TopicIn(office); topic != 17 || ready {
		t.Errorf("after SetTopic: %d, ready %v", topic, ready)
	}
	if topic, _ := c.TopicIn(-2002); topic != 0 {
		t.Error("the topic is found in another office group")
	}
	if c.TopicReady(office, 18) || !c.TopicReady(office, 17) {
		t.Error("TopicReady must only mark the conversation's own topic")
	}
	if _, ready := c.TopicIn(office); !ready {
		t.Error("not ready after TopicReady")
	}
	if c.TopicGone(office, 5) {
		t.Error("an old topic's deletion reset the current one")
	}
	if !c.TopicGone(office, 17) {
		t.Error("TopicGone of the current topic changed nothing")
	}
	if topic, _ := c.TopicIn(office); topic != 0 {
		t.Error("a deleted topic is still used")
	}
}

func TestTopicName(t *testing.T) {
	long := strings.Repeat("Олександра", 20)
	tests := []struct {
		name     string
		resident int64
		lang     Lang
		want     string
	}{
		{"Olena Kovalenko", 1, LangUK, "Olena Kovalenko · UK"},
		{"  Hans \n\t Müller ", 2, LangDE, "Hans Müller · DE"},
		{"", 42, LangEN, "#42 · EN"},
		{"\x00\x01", 43, "", "#43"},
	}
	for _, tt := range tests {
		if got := TopicName(tt.name, tt.resident, tt.lang); got != tt.want {
			t.Errorf("TopicName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	got := TopicName(long, 1, LangNL)
	if n := utf8.RuneCountInString(got); n > MaxTopicName {
		t.Errorf("a long name makes %d characters, more than %d", n, MaxTopicName)
	}
	if !strings.HasSuffix(got, "… · NL") {
		t.Errorf("a long name is cut without keeping the language: %q", got)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 2}, 3},
		{[]time.Duration{1, 100, 3, 7}, 5},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestConversationTopicClaim(t *testing.T) {
	const office = -1001
	t0 := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	var c Conversation
	if _, ok := c.Deliverable(office, "a", t0); ok {
		t.Fatal("a message may go to a topic that does not exist")
	}
	if !c.ClaimTopic("a", t0, time.Minute) {
		t.Fatal("the first claim failed")
	}
	if c.ClaimTopic("b", t0.Add(time.Second), time.Minute) {
		t.Error("a second message claimed the topic while the first's claim runs")
	}
	if !c.ClaimTopic("a", t0.Add(30*time.Second), time.Minute) || !c.ClaimUntil.Equal(t0.Add(90*time.Second)) {
		t.Error("the owner could not renew its claim")
	}
	c.SetTopic(office, 5)
	c.TopicReady(office, 5)
	if topic, ok := c.Deliverable(office, "a", t0.Add(time.Minute)); !ok || topic != 5 {
		t.Error("the claimer may not go to its ready topic")
	}
	if _, ok := c.Deliverable(office, "b", t0.Add(time.Minute)); ok {
		t.Error("another message overtook the claimer")
	}
	if _, ok := c.Deliverable(office, "b", t0.Add(2*time.Minute)); !ok {
		t.Error("an expired claim (its holder died) still holds others back")
	}
	if c.ReleaseTopic("b") || !c.ReleaseTopic("a") {
		t.Error("ReleaseTopic must end only the owner's claim")
	}
	if topic, ok := c.Deliverable(office, "b", t0.Add(time.Minute)); !ok || topic != 5 {
		t.Error("after the release the topic is not deliverable")
	}
	if c.ClaimTopic("c", t0, time.Minute); c.Claim != "c" {
		t.Error("a released topic cannot be claimed")
	}
}

func TestConversationOrder(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	rate := DefaultContactRate()
	var c Conversation
	seqs := []int{c.Admit(10, t0, rate).Seq, c.Admit(11, t0, rate).Seq, c.Admit(12, t0, rate).Seq}
	if seqs[0] != 1 || seqs[1] != 2 || seqs[2] != 3 {
		t.Fatalf("messages numbered %v, want 1 2 3", seqs)
	}
	if again := c.Admit(11, t0, rate); again.Verdict != AdmittedBefore || again.Seq != 2 {
		t.Errorf("the same message again: %+v, want its number 2 kept", again)
	}
	if !c.Turn(false, 1) || c.Turn(false, 2) || c.Turn(false, 3) {
		t.Error("only the first message may go first")
	}
	c.Went(false, 1)
	if !c.Turn(false, 2) || c.Turn(false, 3) {
		t.Error("the second goes after the first")
	}
	c.Went(false, 3) // given up out of turn: never goes back
	c.Went(false, 2)
	if c.InSent != 3 || !c.Turn(false, 4) {
		t.Errorf("InSent = %d", c.InSent)
	}
	// Answers have an order of their own.
	if !c.Turn(true, 1) {
		t.Error("answers wait for the resident's messages")
	}
	a := c.AnswerSeq(-100, 7, t0)
	b := c.AnswerSeq(-100, 8, t0)
	if a != 1 || b != 2 || c.AnswerSeq(-100, 7, t0) != 1 || c.AnswerSeq(55, 7, t0) != 3 {
		t.Errorf("answer numbers: %d %d, the same answer again %d", a, b, c.AnswerSeq(-100, 7, t0))
	}
	for i := range 2 * maxAnswers {
		c.AnswerSeq(-100, 100+i, t0)
	}
	if len(c.Answers) != maxAnswers {
		t.Errorf("%d answers kept, want %d", len(c.Answers), maxAnswers)
	}
	if !c.Turn(true, 0) {
		t.Error("an unnumbered message must always go")
	}
	cp := c.Clone()
	cp.Recent[0].Message, cp.Answers[0].Message = -1, -1
	if c.Recent[0].Message == -1 || c.Answers[0].Message == -1 {
		t.Error("Clone shares slices")
	}
}
