package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/pacing"
)

// envVar documents one variable; the same table prints the -h help, so the
// help cannot drift from what is read.
type envVar struct {
	Name, Default, Help string
}

var envVars = []envVar{
	{"TELEGRAM_BOT_TOKEN", "", "required. The bot token from @BotFather."},
	{"TELEGRAM_API_ENDPOINT", telegram.DefaultEndpoint, "Bot API endpoint, a format string taking the token, then the method; point it at a self-hosted Bot API server."},
	{"REDIS_URL", "", "redis://[:password@]host:port/db or rediss:// for TLS; empty runs on the embedded store in STATE_DIR."},
	{"REDIS_SENTINEL_ADDRS", "", "instead of REDIS_URL: comma-separated host:port of the Redis Sentinels; the bot asks them for the primary and follows a failover by itself."},
	{"REDIS_SENTINEL_MASTER", "", "with REDIS_SENTINEL_ADDRS: the name of the primary the Sentinels monitor, e.g. mymaster."},
	{"REDIS_SENTINEL_PASSWORD", "", "with REDIS_SENTINEL_ADDRS: the Sentinels' own password, if they require one."},
	{"REDIS_CLUSTER_ADDRS", "", "instead of REDIS_URL: comma-separated host:port of some nodes of a Redis Cluster (a managed service's cluster mode); the others are discovered."},
	{"REDIS_USERNAME", "", "with Sentinel or cluster: the ACL user of the Redis servers (REDIS_URL carries its own)."},
	{"REDIS_PASSWORD", "", "with Sentinel or cluster: the password of the Redis servers (REDIS_URL carries its own)."},
	{"REDIS_TLS", "false", "with Sentinel or cluster: true connects to the Sentinels and servers over TLS (with REDIS_URL use rediss://)."},
	{"REDIS_TLS_CA_FILE", "", "with REDIS_TLS: PEM file of the CA that signed the servers' certificates, when the system does not trust it; setting it turns TLS on."},
	{"REDIS_MIN_REPLICAS", "0", "with Redis: writes that must not be lost (enqueued deliveries, posts) wait until this many replicas hold them (WAIT, at most 1 s), else fail and are retried; 0 does not wait."},
	{"STATE_DIR", "./data", "directory of the embedded store's file (partnerbot.db), used when no Redis is configured."},
	{"ADMIN_IDS", "", "comma-separated Telegram user ids of the city's officials (owners)."},
	{"TIMEZONE", "Europe/Kyiv", "IANA time zone of the home city, for dates and the schedules of residents who chose no zone of their own."},
	{"DATA_FILE", "", "path of a dataset JSON file; empty uses the built-in Kropyvnytskyi dataset."},
	{"LOG_LEVEL", "info", "debug, info, warn or error."},
	{"LOG_FORMAT", "text", "text or json."},
	{"HTTP_ADDR", "127.0.0.1:8080", "address of the HTTP server (health, metrics, calendar and Atom feeds); empty disables it."},
	{"METRICS_ADDR", "", "address of a separate listener for /metrics (and /healthz), e.g. 127.0.0.1:9090; HTTP_ADDR then serves no metrics. Empty serves /metrics on HTTP_ADDR."},
	{"PUBLIC_URL", "", "public base URL of the HTTP server, e.g. https://partners.example.org; city cards then link to the calendar feeds."},
	{"DIGEST_SCHEDULE", "0 9 * * *", "cron spec (robfig/cron) of the daily digest, read in each subscriber's own time zone (TIMEZONE for those who chose none); @every 30s fires for everyone at once."},
	{"WEEKLY_DIGEST_SCHEDULE", "0 9 * * 1", "cron spec of the weekly digest, read in each subscriber's own time zone like DIGEST_SCHEDULE."},
	{"REMINDER_BEFORE", "24h", "how long before an event its reminder goes out (Go duration)."},
	{"SEND_RATE", strconv.Itoa(pacing.DefaultRate), "messages per second for all replicas together, replies and bulk delivery: replies go first, bulk uses the rest; at most 30, or 1000 with ALLOW_PAID_BROADCAST."},
	{"ALLOW_PAID_BROADCAST", "false", "true sends bulk messages with allow_paid_broadcast (Telegram charges per message)."},
	{"REPLICA_ID", "", "name of this replica in the outbox consumer group; default host name and process id."},
	{"LEADER_TTL", "5s", "lease of the poller and planner locks: a dead replica's role is taken over after this."},
	{"OUTBOX_CLAIM_IDLE", "30s", "a message claimed by a replica that died is sent by another after this."},
	{"CHANNEL_ID", "", "the city's Telegram channel (@username or -100… id): every published post goes there once, with its photos; edits and deletions follow. The bot must be an administrator allowed to post, edit and delete messages. Empty: no channel."},
	{"CHANNEL_LANG", "uk", "language of the channel's posts (uk, en, de, nl); a post without it shows its original."},
	{"RETENTION_DAYS", strconv.Itoa(store.DefaultRetentionDays), "days after which a chat that blocked or removed the bot (or is gone) is deleted, with everything /stop deletes."},
	{"AUDIT_RETENTION_DAYS", strconv.Itoa(store.DefaultAuditRetentionDays), "days the officials' audit log entries are kept."},
	{"PRIVACY_FILE", "", `path of a JSON file {"uk": "...", "en": "...", "de": "...", "nl": "..."} with the privacy notice /privacy shows; empty uses the dataset's, else the built-in one.`},
	{"APPROVAL", "off", "which posts need a second official's approval before they are published: off, editors (posts by editors need an owner's) or all (every post needs another official's)."},
	{"OFFICE_CHAT_ID", "", "the partnership office's inbox: a forum supergroup's numeric id (-100…) where the bot is an administrator allowed to manage topics; every resident who writes (/contact) gets a topic there. Empty: residents' messages go to the owners' private chats (ADMIN_IDS)."},
	{"OFFICE_HOURS", "", "when the office answers, in TIMEZONE, e.g. Mon-Fri 09:00-17:00 (several: Mon-Thu 09:00-17:00, Fri 09:00-14:00); outside them residents are told when to expect an answer. Empty: always open."},
	{"CONTACT_RATE", "20/h", "how many messages a resident may send the office: N/m, N/h, N/d or N/<duration> such as 10/30m."},
	{"OFFICE_LANG", "uk", "language of residents' cards and the bot's notes in the office group (uk, en, de, nl)."},
}

// usage is the -h text.
func usage() string {
	var sb strings.Builder
	sb.WriteString(`partnerbot — a Telegram bot about a city's international partnerships.

Usage:
  partnerbot              run the bot (configured by environment variables)
  partnerbot healthcheck  exit 0 when the running bot's /healthz answers (for containers)
  partnerbot export       write all data of the configured store as JSON to stdout
  partnerbot import       load such JSON from stdin into the configured store (must be empty)
  partnerbot -h           show this help

Environment:
`)
	for _, e := range envVars {
		fmt.Fprintf(&sb, "  %-22s %s", e.Name, e.Help)
		if e.Default != "" {
			fmt.Fprintf(&sb, " Default: %s", e.Default)
		}
		sb.WriteString("\n")
	}
	return sb.String()
}
