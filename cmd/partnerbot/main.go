// Command partnerbot runs the partnerbot Telegram bot. This file only wires
// the parts together; each part lives in its own package.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	_ "time/tzdata" // the container image has no zoneinfo

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/data"
	"github.com/partnerbot/partnerbot/internal/metrics"
	"github.com/partnerbot/partnerbot/internal/web"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
)

func main() {
	os.Exit(run(os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, lookup func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			fmt.Fprint(stdout, usage())
			return 0
		case "healthcheck":
			return healthcheck(lookup, stderr)
		case "export", "import":
			return transfer(args[0], lookup, stdin, stdout, stderr)
		default:
			fmt.Fprintf(stderr, "partnerbot: unknown argument %q\n\n%s", args[0], usage())
			return 2
		}
	}
	cfg, err := LoadConfig(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "partnerbot: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Config: cfg, Logger: NewLogger(cfg, stderr)}
	setLibraryLoggers(m.Logger, cfg.Token)
	if err := m.Run(ctx); err != nil {
		m.Logger.Error("partnerbot stopped", "err", err)
		return 1
	}
	return 0
}

// NewLogger builds the process logger. The bot library logs through it too,
// with the token redacted.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(h)
}

// Main is the whole bot, shared by main and the end-to-end tests.
type Main struct {
	Config Config
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now store.NowFunc
	// OnHTTP, when set, is told the HTTP server's address once it listens
	// (tests use port 0).
	OnHTTP func(addr string)
	// OnMetrics, when set, is told the metrics server's address once it
	// listens (METRICS_ADDR set).
	OnMetrics func(addr string)
	// OnStore, when set, is given the opened store (tests inspect it; the
	// embedded file cannot be opened twice).
	OnStore func(store.Store)
}

// Run starts the bot and blocks until ctx is cancelled or start-up fails.
// Storage and Telegram are waited for with backoff, so the bot can start
// before its Redis does; the HTTP server answers /healthz meanwhile.
func (m *Main) Run(ctx context.Context) error {
	cfg, log := m.Config, m.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dataset, err := loadDataset(cfg.DataFile)
	if err != nil {
		return err
	}
	tr, err := render.NewTranslator()
	if err != nil {
		return err
	}
	mets := metrics.New(nil)
	var telegramReached atomic.Bool
	site := &web.Server{Data: dataset, Registry: mets.Registry, TelegramReached: telegramReached.Load,
		PublicURL: cfg.PublicURL, Log: log, Now: m.Now}
	// The HTTP servers live as long as Run, whichever way Run ends.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	media := &web.Media{Log: log} // photos of posts: 503 until storage and Telegram are reached
	stopHTTP, err := startHTTP(ctx, cfg, site, media, mets, log, m.OnHTTP, m.OnMetrics)
	if err != nil {
		return err
	}
	defer stopHTTP()

	st, limiter, err := openBackend(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if m.OnStore != nil {
		m.OnStore(st)
	}
	site.SetStore(st)
	mets.WatchStore(st)
	if err := seed(ctx, st, dataset, log); err != nil {
		return err
	}
	client, err := retry(ctx, log, cfg, "telegram", func() (*telegram.Client, error) {
		c, err := telegram.NewClient(telegram.ClientConfig{Token: cfg.Token, Endpoint: cfg.Endpoint, PollTimeout: cfg.PollTimeout})
		if e, ok := telegram.APIError(err); ok && (e.Code == 401 || e.Code == 404) {
			return nil, permanent{fmt.Errorf("TELEGRAM_BOT_TOKEN was refused by Telegram (%d %s): %w", e.Code, e.Message, err)}
		}
		return c, err
	})
	if err != nil {
		return err
	}
	telegramReached.Store(true)
	media.SetSources(st, st, client)
	client.SetPaidBroadcast(cfg.PaidBroadcast)
	events := scheduler.Events{
		Sent:      func(k store.MessageKind) { mets.Sent(string(k)) },
		Failed:    func(k store.MessageKind, reason string) { mets.Failed(string(k), reason) },
		DigestRun: mets.DigestRun,
	}
	channel, err := resolveChannel(ctx, cfg, client)
	if err != nil {
		return err
	}
	rd := render.New(tr, dataset, cfg.TimeZone)
	planner := &scheduler.Planner{Store: st, Renderer: rd, Data: dataset, Log: log, Now: m.Now,
		ReminderBefore: cfg.ReminderBefore, Events: events, ChannelID: channel.ID, Home: cfg.TimeZone}
	bcfg := bot.Config{Store: st, Data: dataset, Client: client, Translator: tr, Renderer: rd, Logger: log, Now: m.Now,
		Owners: cfg.AdminIDs, TimeZone: cfg.TimeZone, Preview: planner, Pacer: limiter,
		Observer: mets, PublicURL: cfg.PublicURL, Inbound: cfg.Inbound, ChannelInfo: channel,
		Privacy: privacyOf(cfg, dataset), Retention: cfg.Retention,
		Approval: cfg.Approval, Releaser: planner,
		Office: bot.OfficeConfig{ChatID: cfg.OfficeChat, Hours: cfg.OfficeHours, Rate: cfg.ContactRate, Lang: cfg.OfficeLang, Rights: client}}
	if channel.ID != 0 {
		bcfg.Channel = planner
		site.SetChannel(&web.ChannelCheck{Name: channel.Name, ID: channel.ID, Rights: client})
	}
	b := bot.New(bcfg)
	if err := b.DeleteWebhook(ctx); err != nil {
		return err
	}
	if err := b.SetCommands(ctx); err != nil {
		log.Warn("command menu not set", "err", err)
	}
	if missing, err := b.CheckChannel(ctx); err != nil {
		log.Warn("channel rights not checked", "channel", cfg.Channel, "err", err)
	} else if len(missing) > 0 {
		log.Warn("the bot lacks rights in the channel; its posts wait until they are granted", "channel", cfg.Channel, "missing", missing)
	}
	if missing, err := b.CheckOffice(ctx); err != nil {
		log.Warn("office group not checked", "office", cfg.OfficeChat, "err", err)
	} else if len(missing) > 0 {
		log.Warn("the bot cannot keep residents' topics in the office group; their messages wait until this is fixed",
			"office", cfg.OfficeChat, "missing", missing)
	}
	log.Info("partnerbot started", "bot", client.Username(), "home", dataset.Home.Slug,
		"partners", len(dataset.Partners), "replica", cfg.ReplicaID)

	poller := &telegram.Poller{Client: client, Handle: b.Handle, Log: log, Timeout: cfg.PollTimeout, AlbumWait: cfg.AlbumWait,
		BackoffMin: cfg.BackoffMin, BackoffMax: cfg.BackoffMax, Remember: b.RememberHandled, GivenUp: mets.UpdateGivenUp}
	workers := &scheduler.Workers{Store: st, Sender: client, Limiter: limiter, Log: log, Now: m.Now, Events: events,
		Consumer: cfg.ReplicaID, BackoffMin: cfg.RetryMin, ClaimIdle: cfg.ClaimIdle, Renderer: rd, ChannelLang: cfg.ChannelLang,
		Rights: client, Office: &scheduler.Office{Sender: client, Store: st, Text: tr.T}}
	// Rights lost while the bot runs: owners get the start's notice (once a
	// day, like it).
	workers.RightsLost = func(ctx context.Context) {
		if missing, err := b.CheckChannel(ctx); err != nil {
			log.Warn("channel rights not checked", "channel", cfg.Channel, "err", err)
		} else if len(missing) > 0 {
			log.Warn("the bot lacks rights in the channel; its messages there wait until they are granted", "channel", cfg.Channel, "missing", missing)
		}
	}
	reminderSpec := ""
	if cfg.ReminderEvery > 0 {
		reminderSpec = "@every " + cfg.ReminderEvery.String()
	}
	crons := &scheduler.Cron{Planner: planner, Log: log, Loc: cfg.TimeZone,
		DailySpec: cfg.DigestSpec, WeeklySpec: cfg.WeeklyDigestSpec, PublishEvery: cfg.PublishEvery, Tick: cfg.PlanTick,
		ReminderSpec: reminderSpec,
		Retention:    &scheduler.Retention{Store: st, Policy: cfg.Retention, Loc: cfg.TimeZone, Now: m.Now, Log: log}}
	lead := func(name string) *scheduler.Leader {
		return &scheduler.Leader{Locks: st, Name: name, Owner: cfg.ReplicaID, TTL: cfg.LockTTL, Log: log}
	}
	// Every replica sends from the outbox and serves HTTP; one polls and
	// one plans.
	tasks := []func(context.Context) error{
		workers.Run,
		func(ctx context.Context) error { return lead("poller").Run(ctx, poller.Run) },
		func(ctx context.Context) error { return lead("planner").Run(ctx, crons.Run) },
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(tasks))
	for _, run := range tasks {
		wg.Go(func() { errs <- run(ctx) })
	}
	wg.Wait()
	close(errs)
	log.Info("partnerbot stopped")
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

func loadDataset(path string) (*store.Dataset, error) {
	if path == "" {
		return data.Default()
	}
	return data.Load(path)
}

// seed stores the dataset's posts once; later starts find them and skip.
func seed(ctx context.Context, st store.Store, d *store.Dataset, log *slog.Logger) error {
	n := 0
	for _, p := range d.Posts {
		created, err := st.SeedPost(ctx, p)
		if err != nil {
			return fmt.Errorf("seed post %q: %w", p.SeedKey, err)
		}
		if created {
			n++
		}
	}
	if n > 0 {
		log.Info("dataset posts stored", "count", n)
	}
	return nil
}

// The parts the scheduler needs from the bot, checked where they are wired.
var (
	_ scheduler.Sender        = (*telegram.Client)(nil)
	_ scheduler.Renderer      = (*render.Renderer)(nil)
	_ bot.DigestPreviewer     = (*scheduler.Planner)(nil)
	_ bot.Channel             = (*scheduler.Planner)(nil)
	_ bot.Releaser            = (*scheduler.Planner)(nil)
	_ bot.ChannelRights       = (*telegram.Client)(nil)
	_ scheduler.ChannelRights = (*telegram.Client)(nil)
	_ bot.TopicRights         = (*telegram.Client)(nil)
	_ scheduler.OfficeSender  = (*telegram.Client)(nil)
	_ bot.Pacer               = (*pacing.Limiter)(nil)
	_ scheduler.Limiter       = (*pacing.Limiter)(nil)
	_ telegram.Updates        = (*telegram.Client)(nil)
)
