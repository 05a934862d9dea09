package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// statsWindow is how far back /stats counts posts.
const statsWindow = 30 * 24 * time.Hour

// handleStats shows officials who is subscribed and what was published.
func (b *Bot) handleStats(ctx context.Context, r *Request) error {
	l := r.Lang
	s, err := b.store.SubscriberStats(ctx)
	if err != nil {
		return err
	}
	posts, err := b.store.CountPosts(ctx, b.now().Add(-statsWindow))
	if err != nil {
		return err
	}
	lines := []string{"<b>" + b.tr.T(l, "stats_title") + "</b>",
		b.tr.T(l, "stats_subscribers", "Total", s.Total, "Active", s.Active, "Inactive", s.Inactive), ""}
	lines = append(lines, "<b>"+b.tr.T(l, "stats_per_city")+"</b>")
	for _, c := range b.data.Partners {
		lines = append(lines, fmt.Sprintf("%s: %d", b.rd.CityLabel(c.Slug, l), s.PerCity[c.Slug]))
	}
	lines = append(lines, "", "<b>"+b.tr.T(l, "stats_per_lang")+"</b>")
	for _, lang := range store.Langs() {
		lines = append(lines, fmt.Sprintf("%s: %d", b.tr.T(lang, "lang_name"), s.PerLang[lang]))
	}
	lines = append(lines, "", "<b>"+b.tr.T(l, "stats_per_freq")+"</b>")
	for _, f := range store.Frequencies() {
		lines = append(lines, fmt.Sprintf("%s: %d", b.tr.T(l, "freq_"+string(f)), s.PerFreq[f]))
	}
	lines = append(lines, "", "<b>"+b.tr.T(l, "stats_posts_30d")+"</b>")
	for _, k := range store.Kinds() {
		lines = append(lines, fmt.Sprintf("%s: %d", b.rd.KindLabel(k, l), posts[k]))
	}
	lines = append(lines, "", "<b>"+b.tr.T(l, "stats_delivery")+"</b>")
	run, err := b.store.LastRun(ctx)
	switch {
	case isNotFound(err):
		lines = append(lines, b.tr.T(l, "stats_no_run"))
	case err != nil:
		return err
	default:
		state := b.tr.T(l, "stats_run_running")
		if !run.FinishedAt.IsZero() {
			state = run.FinishedAt.In(b.tz).Format(render.DateTimeLayout)
		}
		lines = append(lines, b.tr.T(l, "stats_last_run", "Frequency", b.tr.T(l, "freq_"+string(run.Frequency)),
			"Started", run.StartedAt.In(b.tz).Format(render.DateTimeLayout), "Finished", state,
			"Planned", run.Planned, "Sent", run.Sent, "Failed", run.Failed))
	}
	ob, err := b.store.OutboxStats(ctx, b.now())
	if err != nil {
		return err
	}
	lines = append(lines, b.tr.T(l, "stats_outbox", "Ready", ob.Ready, "Pending", ob.Pending, "Delayed", ob.Delayed,
		"Dead", ob.Dead, "Oldest", ob.OldestAge.Round(time.Second).String()))
	ret, err := b.retentionStatus(ctx, l)
	if err != nil {
		return err
	}
	lines = append(lines, ret)
	if st := b.channelStatus(ctx, l); st != "" {
		lines = append(lines, st)
	}
	office, err := b.officeStatus(ctx, l)
	if err != nil {
		return err
	}
	if office != "" {
		lines = append(lines, office)
	}
	if s.TopicLost > 0 {
		lines = append(lines, b.tr.T(l, "stats_topics_lost", "Count", s.TopicLost))
	}
	return b.reply(ctx, r, strings.Join(lines, "\n"), nil)
}

// retentionStatus states the retention periods and the last run.
func (b *Bot) retentionStatus(ctx context.Context, l store.Lang) (string, error) {
	line := b.tr.T(l, "stats_retention", "Days", b.retention.ChatDays, "AuditDays", b.retention.AuditDays)
	last, ok, err := store.LastRetention(ctx, b.store)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return line + " " + b.tr.T(l, "stats_retention_never"), nil
	}
	return line + " " + b.tr.T(l, "stats_retention_last", "Time", last.FinishedAt.In(b.tz).Format(render.DateTimeLayout),
		"Chats", last.Chats, "Audit", last.Audit, "Media", last.Media), nil
}

// handleDigestPreview shows the official the digest they would get now:
// the scheduler renders it, with the very selection it plans with.
func (b *Bot) handleDigestPreview(ctx context.Context, r *Request) error {
	sub := r.Sub
	if sub == nil || len(sub.Cities) == 0 || b.preview == nil {
		return b.reply(ctx, r, b.tr.T(r.Lang, "digest_preview_no_sub"), nil)
	}
	msgs, since, err := b.preview.PreviewDigest(ctx, *sub)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "digest_preview_empty", "Since", since.In(b.tz).Format(render.DateTimeLayout)), nil)
	}
	b.reply(ctx, r, b.tr.T(r.Lang, "digest_preview_title"), nil)
	b.replyParts(r, msgs)
	return nil
}
