package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/partnerbot/partnerbot/store"
)

// Cron fires the planners on their schedules, in the home city's time zone.
// It runs only on the leader replica (see Leader).
type Cron struct {
	Planner *Planner
	Log     *slog.Logger
	Loc     *time.Location
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
}

// ParseSpec checks a schedule spec; config uses it to refuse bad values.
func ParseSpec(spec string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return s, nil
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
	c.Planner.defaults()
	logger := cronLogger{c.Log}
	cr := cron.New(cron.WithLocation(c.Loc), cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	if c.PublishEvery <= 0 {
		c.PublishEvery = 5 * time.Second
	}
	// Publishing first: a post whose time passed while the bot was down
	// comes out before the catch-up of anything else.
	jobs := []cronJob{
		{"@every " + c.PublishEvery.String(), func(ctx context.Context, _ cron.Schedule) { c.publish(ctx) }},
		{c.DailySpec, func(ctx context.Context, s cron.Schedule) { c.digest(ctx, store.FreqDaily, s) }},
		{c.WeeklySpec, func(ctx context.Context, s cron.Schedule) { c.digest(ctx, store.FreqWeekly, s) }},
		{c.ReminderSpec, func(ctx context.Context, _ cron.Schedule) { c.reminders(ctx) }},
	}
	if c.Retention != nil {
		jobs = append(jobs, cronJob{c.RetentionSpec, func(ctx context.Context, _ cron.Schedule) { c.retention(ctx) }})
	}
	for _, j := range jobs {
		sched, err := ParseSpec(j.spec)
		if err != nil {
			return err
		}
		cr.Schedule(sched, cron.FuncJob(func() { j.run(ctx, sched) }))
		// Catch up at once, through the same chain (so a panic is recovered).
		cron.NewChain(cron.Recover(logger)).Then(cron.FuncJob(func() { j.run(ctx, sched) })).Run()
	}
	cr.Start()
	<-ctx.Done()
	// Wait for a job in progress: it stops at its next check of ctx.
	<-cr.Stop().Done()
	return nil
}

func (c *Cron) digest(ctx context.Context, freq store.Frequency, sched cron.Schedule) {
	if ctx.Err() != nil {
		return
	}
	slot := lastSlot(sched, c.Planner.Now().In(c.Loc))
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
type cronJob struct {
	spec string
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
// run at now belongs to. "@every d" schedules have no fixed activations, so
// their slots are now truncated to d.
func lastSlot(sched cron.Schedule, now time.Time) time.Time {
	if d, ok := sched.(cron.ConstantDelaySchedule); ok {
		return now.Truncate(d.Delay)
	}
	// Look back far enough for weekly specs; a monthly spec whose last
	// activation is further back than that simply has no missed run.
	t := now.Add(-8 * 24 * time.Hour)
	last := t
	for {
		n := sched.Next(t)
		if n.IsZero() || n.After(now) {
			return last
		}
		last, t = n, n
	}
}

// cronLogger adapts robfig/cron's logger to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
