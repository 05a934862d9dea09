package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/partnerbot/partnerbot/store"
)

// Cron fires the planners on their schedules. It runs only on the leader
// replica (see Leader).
//
// A digest schedule with fixed times ("0 9 * * *") is read in each
// subscriber's own zone: every Tick the planner plans, zone by zone, the
// slot that came last there (Planner.RunZones), so 09:00 comes at 09:00
// Berlin time for Berlin's subscribers and at 09:00 Kyiv time for Kyiv's.
// An interval schedule ("@every 30s") has no time of day: it fires for
// every subscriber at once, on robfig/cron's timer.
type Cron struct {
	Planner *Planner
	Log     *slog.Logger
	// Loc is the home zone (TIMEZONE), for the planner's chats without
	// a zone of their own when it has no Home set.
	Loc *time.Location
	// DailySpec and WeeklySpec are robfig/cron specs ("0 9 * * *",
	// "@every 30s", ...).
	DailySpec  string
	WeeklySpec string
	// ReminderSpec is how often reminders are planned.
	ReminderSpec string
	// Retention, when set, deletes expired data once a day; RetentionSpec
	// is how often it checks whether today's run is due (default hourly:
	// the first check after midnight runs it).
	Retention     *Retention
	RetentionSpec string
	// PublishEvery is how often scheduled posts are looked for (at least
	// a second; default 5s).
	PublishEvery time.Duration
	// Tick is how often the zones' slots are looked at (default a
	// minute, a cron spec's resolution); tests with a settable clock
	// shorten it.
	Tick time.Duration
}

// ParseSpec checks a schedule spec; config uses it to refuse bad values.
func ParseSpec(spec string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return s, nil
}

// zoned is a digest schedule read in every zone.
type zoned struct {
	freq  store.Frequency
	sched cron.Schedule
}

// Run fires jobs until ctx ends. On start it first catches up: a slot whose
// run was missed (the bot was down) or cut off is planned now.
func (c *Cron) Run(ctx context.Context) error {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.ReminderSpec == "" {
		c.ReminderSpec = "@every 1m"
	}
	if c.RetentionSpec == "" {
		c.RetentionSpec = "0 * * * *"
	}
	if c.PublishEvery <= 0 {
		c.PublishEvery = 5 * time.Second
	}
	if c.Tick <= 0 {
		c.Tick = time.Minute
	}
	if c.Planner.Home == nil && c.Loc != nil {
		c.Planner.Home = c.Loc
	}
	c.Planner.defaults()
	logger := cronLogger{c.Log}
	cr := cron.New(cron.WithLocation(c.Planner.Home), cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	var zones []zoned
	// Publishing first: a post whose time passed while the bot was down
	// comes out before the catch-up of anything else. Digests of a cron
	// spec are read in every reader's zone (tickZones); an interval spec
	// fires for everyone at once.
	jobs := []cronJob{
		{spec: "@every " + c.PublishEvery.String(), run: func(ctx context.Context, _ cron.Schedule) { c.publish(ctx) }},
		{spec: c.DailySpec, freq: store.FreqDaily},
		{spec: c.WeeklySpec, freq: store.FreqWeekly},
		{spec: c.ReminderSpec, run: func(ctx context.Context, _ cron.Schedule) { c.reminders(ctx) }},
	}
	if c.Retention != nil {
		jobs = append(jobs, cronJob{spec: c.RetentionSpec, run: func(ctx context.Context, _ cron.Schedule) { c.retention(ctx) }})
	}
	for _, j := range jobs {
		sched, err := ParseSpec(j.spec)
		if err != nil {
			return err
		}
		if _, interval := sched.(cron.ConstantDelaySchedule); j.freq != "" && !interval {
			zones = append(zones, zoned{j.freq, sched})
			continue
		}
		run := func() { j.run(ctx, sched) }
		if j.freq != "" {
			run = func() { c.digest(ctx, j.freq, sched) }
		}
		cr.Schedule(sched, cron.FuncJob(run))
		// Catch up at once, through the same chain (so a panic is recovered).
		cron.NewChain(cron.Recover(logger)).Then(cron.FuncJob(run)).Run()
	}
	cr.Start()
	if len(zones) > 0 {
		c.tickZones(ctx, zones, logger) // returns when ctx ends
	}
	<-ctx.Done()
	// Wait for a job in progress: it stops at its next check of ctx.
	<-cr.Stop().Done()
	return nil
}

// tickZones plans the zones' slots now and then every Tick until ctx
// ends. One pass at a time: a pass that takes longer than a Tick (a big
// first digest) delays the next rather than running beside it.
func (c *Cron) tickZones(ctx context.Context, zones []zoned, logger cronLogger) {
	pass := cron.NewChain(cron.Recover(logger)).Then(cron.FuncJob(func() {
		for _, z := range zones {
			if ctx.Err() != nil {
				return
			}
			if _, err := c.Planner.RunZones(ctx, z.freq, z.sched); err != nil && ctx.Err() == nil {
				c.Log.Error("digest run failed; it resumes at the next tick or restart", "frequency", string(z.freq), "err", err)
			}
		}
	}))
	t := time.NewTicker(c.Tick)
	defer t.Stop()
	for {
		pass.Run()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// digest plans the current slot of an interval schedule, for everyone.
func (c *Cron) digest(ctx context.Context, freq store.Frequency, sched cron.Schedule) {
	if ctx.Err() != nil {
		return
	}
	slot := lastSlot(sched, c.Planner.Now().In(c.Planner.Home))
	if slot.IsZero() {
		return
	}
	if _, err := c.Planner.RunDigest(ctx, freq, slot); err != nil && ctx.Err() == nil {
		c.Log.Error("digest run failed; it resumes at the next tick or restart", "frequency", string(freq), "err", err)
	}
}

func (c *Cron) publish(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	if _, err := c.Planner.PublishDue(ctx); err != nil && ctx.Err() == nil {
		c.Log.Error("publishing scheduled posts failed; retried at the next tick", "err", err)
	}
}

func (c *Cron) reminders(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	if _, err := c.Planner.RunReminders(ctx); err != nil && ctx.Err() == nil {
		c.Log.Error("reminder run failed", "err", err)
	}
}

// cronJob is one schedule and what it runs.
// cronJob is one schedule and what it runs; a digest job (freq set) is
// planned per zone or, for an interval spec, for everyone.
type cronJob struct {
	spec string
	freq store.Frequency
	run  func(ctx context.Context, sched cron.Schedule)
}

func (c *Cron) retention(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	if _, _, err := c.Retention.RunDaily(ctx); err != nil && ctx.Err() == nil {
		c.Log.Error("retention run failed; it runs again at the next check", "err", err)
	}
}

// lastSlot is the latest activation of sched at or before now: the slot a
// run at now belongs to, read in now's zone (store.LastFire). "@every d"
// schedules have no fixed activations, so their slots are now truncated
// to d.
func lastSlot(sched cron.Schedule, now time.Time) time.Time {
	if d, ok := sched.(cron.ConstantDelaySchedule); ok {
		return now.Truncate(d.Delay)
	}
	return store.LastFire(sched, now, now.Location())
}

// cronLogger adapts robfig/cron's logger to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
