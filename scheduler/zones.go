package scheduler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// homeZoneLabel names the home zone (Subscriber.TimeZone "") in run keys.
const homeZoneLabel = "home"

// RunZones plans, for every time zone its subscribers are in, the latest
// activation of sched at or before now read in that zone: with
// "0 9 * * *" Berlin's subscribers get 09:00 Berlin time, Kyiv's 09:00
// Kyiv time. It reads the zones from the store's index (never the whole
// subscriber list); a zone whose slot was planned already costs one read,
// so calling it every minute is cheap, and a slot missed while the bot
// was down is planned when it comes back. A zone that fails does not stop
// the others; the errors come back joined.
func (p *Planner) RunZones(ctx context.Context, freq store.Frequency, sched store.Schedule) ([]store.DigestRun, error) {
	p.defaults()
	now := p.Now()
	zones, err := p.Store.ActiveZones(ctx)
	if err != nil {
		return nil, fmt.Errorf("planner: zones in use: %w", err)
	}
	// The home zone is planned even while nobody is in it, so every
	// start records its slot's run (/stats shows the last one).
	if zones == nil {
		zones = map[string]int{}
	}
	if _, ok := zones[""]; !ok {
		zones[""] = 0
	}
	var runs []store.DigestRun
	var errs []error
	for _, zone := range slices.Sorted(maps.Keys(zones)) {
		if ctx.Err() != nil {
			break
		}
		slot := store.LastFire(sched, now, p.location(zone))
		if slot.IsZero() {
			continue
		}
		run, err := p.RunZoneDigest(ctx, freq, zone, slot)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		runs = append(runs, run)
	}
	return runs, errors.Join(errs...)
}

// RunZoneDigest plans the digest of one slot for the active subscribers
// of frequency freq whose zone is zone ("" the home zone). Each chat gets
// one digest of a frequency per local day: its digest is keyed by the day
// the slot falls on in the zone, and a chat whose last digest was for that
// day or a later one (it moved here from a zone ahead) is skipped. The
// window is the chat's own: the posts since its previous digest, wherever
// that was planned. Like RunDigest it resumes a run cut off halfway.
func (p *Planner) RunZoneDigest(ctx context.Context, freq store.Frequency, zone string, slot time.Time) (store.DigestRun, error) {
	p.defaults()
	label := zone
	if label == "" {
		label = homeZoneLabel
	}
	key := fmt.Sprintf("%s:%s:%s", freq, label, slot.UTC().Format(time.RFC3339))
	day := store.DigestDay(freq, slot, p.location(zone))
	_, date, _ := strings.Cut(day, ":")
	plan := digestPlan{
		page: func(after int64) ([]store.Subscriber, error) {
			return p.Store.ZoneSubscribersAfter(ctx, zone, after, p.PageSize)
		},
		days: true,
		once: func(s store.Subscriber, lastDay string) (store.Once, bool) {
			if !store.DigestDue(lastDay, day) {
				return store.Once{}, false
			}
			return store.Once{Key: fmt.Sprintf("digest:%s:%s:%s", freq, strconv.FormatInt(s.ChatID, 10), date),
				TTL: p.DedupeTTL, CursorChat: s.ChatID, Cursor: slot, Day: day}, true
		},
	}
	return p.runDigest(ctx, store.DigestRun{Key: key, Frequency: freq, Zone: zone, Slot: slot}, plan)
}

// location is the zone named name, loaded once per Planner; "" and names
// this machine does not know are the home zone.
func (p *Planner) location(name string) *time.Location {
	if name == "" {
		return p.Home
	}
	p.zonesMu.Lock()
	defer p.zonesMu.Unlock()
	if loc, ok := p.zones[name]; ok {
		return loc
	}
	loc, err := store.LoadZone(name)
	if err != nil {
		p.Log.Warn("planner: unknown time zone, using the home zone", "zone", name, "err", err)
		loc = p.Home
	}
	if p.zones == nil {
		p.zones = map[string]*time.Location{}
	}
	p.zones[name] = loc
	return loc
}
