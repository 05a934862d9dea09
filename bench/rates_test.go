package bench

// Scenarios 3 and 4: the rate the backend's real limiter lets the outbox
// reach, with nobody writing and with residents writing during the drain,
// and how long their replies wait meanwhile.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
)

const (
	// maxReplyWait mirrors bot.maxReplyWait (bot/deliver.go): a reply
	// that would wait longer is given up.
	maxReplyWait = 5 * time.Second
	// replyTarget is issue 14's requirement for a reply during a drain.
	replyTarget = time.Second
)

type rateRun struct {
	rate int // SEND_RATE
	k    int // bulk messages to time
	// replyRate is how many residents' commands a second arrive while the
	// outbox drains (0: none); each gets a reply the way the bot sends
	// one, to a chat of its own.
	replyRate int
	// photo sends an announcement with a photo (sendPhoto, the post as
	// its caption) instead of a text digest.
	photo bool
}

func (r rateRun) label() string {
	s := fmt.Sprintf("SEND_RATE %d", r.rate)
	switch {
	case r.replyRate > 0:
		s += fmt.Sprintf(", %d replies/s", r.replyRate)
	case r.photo:
		s += ", photo posts"
	default:
		s += ", no replies"
	}
	return s
}

// benchPhoto is the file id of the photo posts' photo, known to the fake.
const benchPhoto = "AgACAgIAAxkBAAEbenchphoto"

// rateRuns are the scenario 3 and 4 runs, the same on both backends:
// bulk alone at Telegram's free rate and at the paid one, then both again
// with five residents' commands a second during the drain.
var rateRuns = []rateRun{
	{rate: 30, k: 600},
	{rate: 1000, k: 10_000},
	{rate: 30, k: 600, replyRate: 5},
	{rate: 1000, k: 10_000, replyRate: 5},
	{rate: 30, k: 600, photo: true},
}

type rateResult struct {
	rateRun
	sent    int
	overall float64 // (K-1)/(t[K-1]-t[0]), bulk messages/s
	tail    float64 // the same over the second half of the K sends
	// maxSecond is the most bulk sends in any one-second window.
	maxSecond int
	span      time.Duration
	ctr       counters
	fails     string
	timedOut  bool
	rep       replyResult // replyRate > 0
}

// replyResult is what the residents writing during a drain saw.
type replyResult struct {
	lat             []time.Duration // from the command's arrival to the reply sent
	denied, givenUp int
	errs            int
	// window runs from the first command's arrival to the last timed bulk
	// send; bulk and replies count the messages let go within it, and
	// combined is (bulk + replies - 1) / (last - first) over them.
	window          time.Duration
	bulk, replies   int
	combined        float64
	replyAt, arrive []time.Time
}

func (r replyResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	l := slices.Clone(r.lat)
	slices.Sort(l)
	if p >= 1 {
		return l[len(l)-1]
	}
	return l[min(len(l)-1, int(p*float64(len(l))))]
}

// over counts how many replies took longer than d.
func (r replyResult) over(d time.Duration) int {
	n := 0
	for _, l := range r.lat {
		if l > d {
			n++
		}
	}
	return n
}

func benchRates(b *testing.B, kind string) []rateResult {
	ctx := context.Background()
	e := newEnv(b, kind, false)
	// One real digest text per language, rendered by the bot.
	texts := map[store.Lang]string{}
	for i, l := range store.Langs() {
		s := subscriber(int64(i), e.city, time.Now())
		s.Lang = l
		texts[l] = e.rd.DigestMessages(s, e.posts)[0]
	}
	// One real photo announcement per language, as the planner queues it.
	photoPost := e.posts[0]
	photoPost.Kind, photoPost.Photos = store.KindAnnouncement, []store.Photo{{FileID: benchPhoto, UniqueID: "AQADbenchphoto"}}
	e.fake.RegisterPhoto(benchPhoto, nil)
	photoParts := map[store.Lang][]store.Part{}
	for _, l := range store.Langs() {
		photoParts[l] = e.rd.PostParts(photoPost, l, "")
	}
	var out []rateResult
	for i, rr := range rateRuns {
		rr.k /= rateScale
		// A fresh outbox and fresh limiter buckets for every run.
		e.resetOutbox(b)
		runKey := fmt.Sprintf("bench-rate-%d", i)
		if _, err := e.st.StartRun(ctx, store.DigestRun{Key: runKey, Frequency: store.FreqDaily, Slot: e.slot,
			StartedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
		queue := rr.k + rr.k/5 // never runs dry while timed
		base := int64(i+1) * 10_000_000
		for start := 0; start < queue; start += 1000 {
			var msgs []store.OutboxMessage
			for j := start; j < min(queue, start+1000); j++ {
				l := store.Langs()[j%len(store.Langs())]
				m := store.OutboxMessage{Kind: store.MsgDigest, ChatID: base + int64(j), Text: texts[l],
					CreatedAt: time.Now(), Ref: runKey}
				if rr.photo {
					m.Kind, m.Text, m.Parts = store.MsgAnnouncement, "", photoParts[l]
				}
				msgs = append(msgs, m)
			}
			if err := e.st.Enqueue(ctx, msgs...); err != nil {
				b.Fatal(err)
			}
		}
		lim := e.limiter(rr.rate)
		res := rateResult{rateRun: rr}
		m := e.mark(b)
		rs := newRecSender(e.client, rr.k)
		var f failures
		// Count 0: the production default (8 senders per replica).
		stop := e.runWorkers(lim, 0, rs, &f)
		done := make(chan struct{})
		var repWG sync.WaitGroup
		if rr.replyRate > 0 {
			// Residents start writing once the drain is past its initial
			// burst (two tenths of a second's worth of bulk).
			repWG.Go(func() {
				res.rep = e.residents(lim, rs, done, min(max(2, rr.rate/5), rr.k/5), rr.replyRate, base+5_000_000)
			})
		}
		// The bulk alone needs k/rate; replies take their part of the
		// rate. 1.5 times that plus 10 s: a backend that cannot keep up is
		// cut off rather than waited for; the figures then cover what it
		// sent.
		expect := time.Duration(float64(rr.k) / float64(max(1, rr.rate-rr.replyRate)) * float64(time.Second))
		select {
		case <-rs.reached:
		case <-time.After(expect*3/2 + 10*time.Second):
			res.timedOut = true
		}
		close(done)
		repWG.Wait()
		stop()
		res.ctr = e.since(b, m)
		res.fails = f.String()
		rs.mu.Lock()
		res.sent = len(rs.starts)
		ts := slices.Clone(rs.starts)
		rs.mu.Unlock()
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		ts = ts[:min(len(ts), rr.k)]
		res.measure(ts)
		fmt.Printf("[%s rates] %s\n", kind, res.line())
		out = append(out, res)
	}
	return out
}

// measure computes the rates from the sorted send times of the first K
// bulk messages, and for a run with replies the combined rate over the
// window in which residents wrote.
func (res *rateResult) measure(ts []time.Time) {
	k := len(ts)
	if k < 2 {
		return
	}
	res.span = ts[k-1].Sub(ts[0])
	res.overall = float64(k-1) / res.span.Seconds()
	h := k / 2
	res.tail = float64(k-1-h) / ts[k-1].Sub(ts[h]).Seconds()
	for i, j := 0, 0; j < k; j++ {
		for ts[j].Sub(ts[i]) >= time.Second {
			i++
		}
		res.maxSecond = max(res.maxSecond, j-i+1)
	}
	rep := &res.rep
	if len(rep.arrive) == 0 {
		return
	}
	from, to := rep.arrive[0], ts[k-1]
	var all []time.Time
	for _, group := range [][]time.Time{ts, rep.replyAt} {
		for _, t := range group {
			if !t.Before(from) && !t.After(to) {
				all = append(all, t)
			}
		}
	}
	slices.SortFunc(all, func(a, b time.Time) int { return a.Compare(b) })
	for _, t := range rep.replyAt {
		if !t.Before(from) && !t.After(to) {
			rep.replies++
		}
	}
	rep.bulk = len(all) - rep.replies
	rep.window = to.Sub(from)
	if n := len(all); n > 1 {
		rep.combined = float64(n-1) / all[n-1].Sub(all[0]).Seconds()
	}
}

func (res rateResult) line() string {
	to := ""
	if res.timedOut {
		to = " (cut off: the backend could not keep up)"
	}
	what := "messages"
	if res.photo {
		what = "photo posts"
	}
	s := fmt.Sprintf("%s: %d bulk %s over %s: overall %.1f/s, second half %.1f/s (%.3f of SEND_RATE), max in 1 s %d, failures: %s%s",
		res.label(), min(res.sent, res.k), what, res.span.Round(time.Millisecond), res.overall, res.tail,
		res.tail/float64(res.rate), res.maxSecond, res.fails, to)
	if rep := res.rep; len(rep.lat) > 0 {
		s += fmt.Sprintf("\n    replies: %d, p50 %s p99 %s max %s (%d over %s); while residents wrote (%s): bulk %d + replies %d = %.1f/s (%.3f of SEND_RATE)",
			len(rep.lat), dur(rep.pct(0.5)), dur(rep.pct(0.99)), dur(rep.pct(1)), rep.over(replyTarget), replyTarget,
			rep.window.Round(time.Millisecond), rep.bulk, rep.replies, rep.combined, rep.combined/float64(res.rate))
	}
	return s
}

// residents send perSecond commands a second, from when the drain has
// sent warm messages until done, each to a chat of its own (from chat0),
// and time the replies: each asks the limiter as the bot's pace does
// (Reserve as non-bulk until it says go, sleeping what it asks), then
// goes through Client.SendHTML. Residents do not wait for each other.
func (e *env) residents(lim scheduler.Limiter, rs *recSender, done <-chan struct{}, warm, perSecond int, chat0 int64) replyResult {
	for deadline := time.Now().Add(time.Minute); rs.sent() < warm && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	var (
		mu  sync.Mutex
		r   replyResult
		wg  sync.WaitGroup
		tck = time.NewTicker(time.Second / time.Duration(perSecond))
	)
	defer tck.Stop()
	for i := int64(0); ; i++ {
		arrived := time.Now()
		r.arrive = append(r.arrive, arrived)
		wg.Go(func() {
			at, denied, given, err := e.reply(lim, chat0+i)
			mu.Lock()
			defer mu.Unlock()
			r.denied += denied
			switch {
			case given:
				r.givenUp++
			case err != nil:
				r.errs++
			}
			if !given {
				r.replyAt = append(r.replyAt, at)
			}
			r.lat = append(r.lat, time.Since(arrived))
		})
		select {
		case <-done:
			wg.Wait()
			return r
		case <-tck.C:
		}
	}
}

// reply sends one reply the way bot.pace and Client.SendHTML do; at is
// when the limiter let it go.
func (e *env) reply(lim scheduler.Limiter, chat int64) (at time.Time, denied int, given bool, err error) {
	ctx := context.Background()
	t0 := time.Now()
	for {
		wait, err := lim.Reserve(ctx, chat, false, false)
		if err != nil || wait <= 0 {
			break // the bot sends anyway when the pacer is unavailable
		}
		denied++
		if time.Since(t0)+wait > maxReplyWait {
			return time.Time{}, denied, true, nil
		}
		time.Sleep(wait)
	}
	at = time.Now()
	return at, denied, false, e.client.SendHTML(ctx, chat, "<b>Krefeld</b>: you follow this city now.")
}
