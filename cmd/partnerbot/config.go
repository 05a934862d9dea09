package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/scheduler"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// Config is everything partnerbot reads from its environment.
type Config struct {
	Token    string
	Endpoint string
	RedisURL string
	StateDir string
	// Redis is how to reach Redis by Sentinel or cluster (its URL stays
	// empty: RedisURL is the single-server way); MinReplicas is
	// REDIS_MIN_REPLICAS.
	Redis       redisstore.Conn
	MinReplicas int
	AdminIDs    []int64
	TimeZone    *time.Location
	DataFile    string
	LogLevel    slog.Level
	LogFormat   string

	HTTPAddr    string
	MetricsAddr string
	PublicURL   string

	// Channel is CHANNEL_ID ("" for none), ChannelLang its language.
	Channel     string
	ChannelLang store.Lang

	// Retention is RETENTION_DAYS and AUDIT_RETENTION_DAYS; Privacy the
	// notice read from PrivacyFile (PRIVACY_FILE), nil without one.
	Retention   store.RetentionPolicy
	PrivacyFile string
	Privacy     store.Text
	// Approval is APPROVAL: which posts need a second official.
	Approval store.Approval

	// OfficeChat is OFFICE_CHAT_ID (0: the owners' private chats), with
	// OFFICE_HOURS, CONTACT_RATE and OFFICE_LANG.
	OfficeChat  int64
	OfficeHours store.OfficeHours
	ContactRate store.ContactRate
	OfficeLang  store.Lang

	DigestSpec       string
	WeeklyDigestSpec string
	ReminderBefore   time.Duration
	SendRate         int
	PaidBroadcast    bool
	ReplicaID        string

	// Not read from the environment: tests shorten them.
	PollTimeout time.Duration
	// AlbumWait is how long the poller waits for more photos of an album.
	AlbumWait  time.Duration
	BackoffMin time.Duration
	BackoffMax time.Duration
	// RetryMin is the first retry delay of a failed send.
	RetryMin time.Duration

	// Inbound bounds how fast one person or group may write; zero fields
	// take bot.DefaultInbound() (the documented defaults).
	Inbound bot.InboundLimits
	// PrivateLimit and GroupLimit are the per-chat send limits; zero
	// takes Telegram's.
	PrivateLimit, GroupLimit pacing.Bucket

	// PublishEvery is how often the planner looks for scheduled posts
	// whose time has come (0: every 5 s); ReminderEvery how often it plans
	// reminders (0: every minute).
	PublishEvery  time.Duration
	ReminderEvery time.Duration
	// LockTTL is how long a dead leader's lock blocks a takeover.
	LockTTL time.Duration
	// ClaimIdle is how long a dead worker's messages wait for another.
	ClaimIdle time.Duration
	// PlanTick is how often the planner looks for zones whose digest
	// time came (0: a minute); tests with a settable clock shorten it.
	PlanTick time.Duration
}

var tokenRE = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// LoadConfig reads and checks the environment. Every error names the
// variable at fault and never repeats a secret.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	get := func(name string) string {
		if v, _ := lookup(name); strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		for _, e := range envVars {
			if e.Name == name {
				return e.Default
			}
		}
		return ""
	}
	c := Config{Endpoint: get("TELEGRAM_API_ENDPOINT"), DataFile: get("DATA_FILE")}

	c.Token = get("TELEGRAM_BOT_TOKEN")
	switch {
	case c.Token == "":
		return c, fmt.Errorf("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather")
	case !tokenRE.MatchString(c.Token):
		return c, fmt.Errorf("TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<letters, digits, _ or ->")
	}
	if strings.Count(c.Endpoint, "%s") != 2 || strings.Count(c.Endpoint, "%") != 2 {
		return c, fmt.Errorf("TELEGRAM_API_ENDPOINT must contain exactly two %%s (token, then method), like %s", telegram.DefaultEndpoint)
	}
	if !strings.HasPrefix(c.Endpoint, "http://") && !strings.HasPrefix(c.Endpoint, "https://") {
		return c, fmt.Errorf("TELEGRAM_API_ENDPOINT must start with http:// or https://")
	}

	if err := c.loadRedis(get); err != nil {
		return c, err
	}

	if v := get("ADMIN_IDS"); v != "" {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil || id <= 0 {
				return c, fmt.Errorf("ADMIN_IDS: %q is not a Telegram user id (a positive number)", f)
			}
			c.AdminIDs = append(c.AdminIDs, id)
		}
	}

	tz, err := time.LoadLocation(get("TIMEZONE"))
	if err != nil {
		return c, fmt.Errorf("TIMEZONE: unknown time zone %q, use an IANA name such as Europe/Kyiv", get("TIMEZONE"))
	}
	c.TimeZone = tz

	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL"))); err != nil {
		return c, fmt.Errorf("LOG_LEVEL: %q is not one of debug, info, warn, error", get("LOG_LEVEL"))
	}
	c.LogFormat = strings.ToLower(get("LOG_FORMAT"))
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("LOG_FORMAT: %q is not text or json", c.LogFormat)
	}
	if err := c.loadHTTP(lookup, get); err != nil {
		return c, err
	}
	if err := c.loadChannel(get); err != nil {
		return c, err
	}
	if err := c.loadOffice(get); err != nil {
		return c, err
	}
	if err := c.loadPrivacy(get); err != nil {
		return c, err
	}
	approval, ok := store.ParseApproval(get("APPROVAL"))
	if !ok {
		return c, fmt.Errorf("APPROVAL: %q is not off, editors or all", get("APPROVAL"))
	}
	c.Approval = approval
	return c, c.loadDelivery(get)
}

// loadHTTP reads the HTTP server's settings. HTTP_ADDR set to empty
// disables the server, so it is read raw, not through the default.
func (c *Config) loadHTTP(lookup func(string) (string, bool), get func(string) string) error {
	c.HTTPAddr = get("HTTP_ADDR")
	if v, set := lookup("HTTP_ADDR"); set {
		c.HTTPAddr = strings.TrimSpace(v)
	}
	if err := checkHostPort("HTTP_ADDR", c.HTTPAddr, "127.0.0.1:8080 or :8080"); err != nil {
		return err
	}
	c.MetricsAddr = get("METRICS_ADDR")
	if err := checkHostPort("METRICS_ADDR", c.MetricsAddr, "127.0.0.1:9090"); err != nil {
		return err
	}
	// Two listeners on port 0 get different ports; on the same fixed
	// address the second would fail at start, less clearly.
	if c.MetricsAddr != "" && c.MetricsAddr == c.HTTPAddr && !strings.HasSuffix(c.MetricsAddr, ":0") {
		return fmt.Errorf("METRICS_ADDR: %q is HTTP_ADDR too; give metrics an address of their own, like 127.0.0.1:9090, or leave METRICS_ADDR empty", c.MetricsAddr)
	}
	c.PublicURL = get("PUBLIC_URL")
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("PUBLIC_URL: %q is not an http(s) URL like https://partners.example.org", c.PublicURL)
		}
	}
	return nil
}

// checkHostPort accepts an empty address (that listener is off) or host:port.
func checkHostPort(name, addr, example string) error {
	if addr == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("%s: %q is not host:port, like %s", name, addr, example)
	}
	return nil
}

// loadDelivery reads the scheduler's settings.
func (c *Config) loadDelivery(get func(string) string) error {
	c.DigestSpec, c.WeeklyDigestSpec = get("DIGEST_SCHEDULE"), get("WEEKLY_DIGEST_SCHEDULE")
	if _, err := scheduler.ParseSpec(c.DigestSpec); err != nil {
		return fmt.Errorf("DIGEST_SCHEDULE: %v", err)
	}
	if _, err := scheduler.ParseSpec(c.WeeklyDigestSpec); err != nil {
		return fmt.Errorf("WEEKLY_DIGEST_SCHEDULE: %v", err)
	}
	d, err := time.ParseDuration(get("REMINDER_BEFORE"))
	if err != nil || d <= 0 {
		return fmt.Errorf("REMINDER_BEFORE: %q is not a positive duration like 24h or 90m", get("REMINDER_BEFORE"))
	}
	c.ReminderBefore = d
	switch v := strings.ToLower(get("ALLOW_PAID_BROADCAST")); v {
	case "true", "1", "yes":
		c.PaidBroadcast = true
	case "false", "0", "no":
	default:
		return fmt.Errorf("ALLOW_PAID_BROADCAST: %q is not true or false", v)
	}
	limit := 30
	if c.PaidBroadcast {
		limit = 1000
	}
	rate, err := strconv.Atoi(get("SEND_RATE"))
	if err != nil || rate < 1 || rate > limit {
		return fmt.Errorf("SEND_RATE: %q must be a whole number from 1 to %d (1000 needs ALLOW_PAID_BROADCAST=true)", get("SEND_RATE"), limit)
	}
	c.SendRate = rate
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{"LEADER_TTL", &c.LockTTL}, {"OUTBOX_CLAIM_IDLE", &c.ClaimIdle}} {
		v, err := time.ParseDuration(get(d.name))
		if err != nil || v < 100*time.Millisecond {
			return fmt.Errorf("%s: %q is not a duration of at least 100ms, like 5s", d.name, get(d.name))
		}
		*d.to = v
	}
	c.ReplicaID = get("REPLICA_ID")
	if c.ReplicaID == "" {
		host, _ := os.Hostname()
		c.ReplicaID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return nil
}
