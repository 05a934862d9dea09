package bot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/partnerbot/partnerbot/bot/render"
	"github.com/partnerbot/partnerbot/store"
)

// diffPosts lists what an edit changed, for the audit log.
func diffPosts(old, p store.Post) []string {
	var out []string
	add := func(field, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("%s: %s → %s", field, render.Truncate(a, 60), render.Truncate(b, 60)))
		}
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format(time.RFC3339)
	}
	add("city", old.City, p.City)
	add("title", old.Title, p.Title)
	add("text", old.Text, p.Text)
	add("date", old.Date.UTC().Format(InputDate), p.Date.UTC().Format(InputDate))
	add("start", ts(old.StartsAt), ts(p.StartsAt))
	add("end", ts(old.EndsAt), ts(p.EndsAt))
	add("place", old.Place, p.Place)
	add("capacity", strconv.Itoa(old.Capacity), strconv.Itoa(p.Capacity))
	return out
}

// handleAudit shows the latest changes, of one post or of all.
func (b *Bot) handleAudit(ctx context.Context, r *Request) error {
	var id int64
	if r.Args != "" {
		var ok bool
		if id, ok = postID(r.Args); !ok {
			return b.reply(ctx, r, b.tr.T(r.Lang, "audit_usage"), nil)
		}
	}
	entries, err := b.store.AuditLog(ctx, id, 20)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return b.reply(ctx, r, b.tr.T(r.Lang, "audit_empty"), nil)
	}
	blocks := []string{"<b>" + b.tr.T(r.Lang, "audit_title") + "</b>"}
	for _, e := range entries {
		line := fmt.Sprintf("#%d · %s · %s · %s", e.PostID, b.tr.T(r.Lang, "audit_"+e.Action),
			render.Esc(b.userName(ctx, e.UserID)), e.At.In(b.tz).Format(render.DateTimeLayout))
		for _, c := range e.Changes {
			line += "\n   " + render.Esc(c)
		}
		blocks = append(blocks, line)
	}
	return b.replyBlocks(ctx, r, blocks, nil)
}

func (b *Bot) userName(ctx context.Context, id int64) string {
	u, err := b.store.User(ctx, id)
	if err != nil {
		u = store.User{ID: id}
	}
	return userLabel(u)
}
