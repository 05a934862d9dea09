// Package storetest is the contract every store.Store implementation must
// pass. An implementation's tests call Run with a constructor; the suite
// uses only the store.Store interface, so one suite keeps all backends
// interchangeable.
//
// Behaviour the interface leaves open and the suite pins down:
//   - limit <= 0 returns no posts (and no error); a huge limit is fine;
//   - posts with equal PublishedAt are listed highest id first, events with
//     equal StartsAt lowest id first;
//   - a post for AllCities is listed for every city, even unknown ones;
//   - CreatePost keeps a non-zero p.ID, and ids assigned afterwards are
//     higher than it;
//   - SetActive sets UpdatedAt to now and keeps Cities; InactiveSince is
//     set by the first SetActive(false), kept by later ones and cleared by
//     SetActive(true) (store.SetActivity);
//   - an inactive subscriber keeps its Cities in the record but is in no
//     CitySubscribers list;
//   - UpdatePost and DeletePost of a missing post are ErrNotFound and store
//     nothing; ids are not reused after a delete; a deleted dataset post is
//     not recreated by SeedPost with the same SeedKey;
//   - CountPosts counts by PublishedAt (events too); kinds missing from its
//     map count as zero;
//   - Officials lists grants in ascending user id order;
//   - UserByUsername ignores case and a leading @; a username belongs to the
//     user who saved it last, and is forgotten once that user saves another
//     (or none);
//   - DeleteDraft of a missing draft is no error; a draft is ErrNotFound once
//     its TTL passed;
//   - AuditLog lists entries in reverse order of AppendAudit; limit <= 0
//     returns none;
//   - a post whose Status is not published is in no listing residents
//     read (LatestPosts, UpcomingEvents, EventsStartingBetween, CountPosts),
//     only in PostsByStatus, and in DuePosts when Post.DueAt says so; a
//     post stored without a status is published;
//   - TransitionPost changes a post only from the status it names, once
//     per cause, and an edit keeps where the stored post stands;
//   - SubscriberStats counts PerCity over active chats only (a city listed
//     twice in one record counts once), PerLang and PerFreq over every
//     record; missing map keys count as zero.
//
// Times are compared with Equal, after a round trip through the store, so
// backends may drop the monotonic clock reading and the location. Times are
// whole milliseconds where ordering matters, since backends may index them
// at that precision.
package storetest

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// Run runs the contract suite against the stores newStore returns. Each
// subtest calls newStore once and expects an empty store; newStore should
// register its own cleanup (Close, flushing) with t.Cleanup. Subtests do not
// run in parallel, so stores may share a backend that newStore empties.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Ping", func(t *testing.T) {
		s := newStore(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping() = %v, want nil", err)
		}
	})
	t.Run("Subscribers", func(t *testing.T) { testSubscribers(t, newStore) })
	t.Run("Posts", func(t *testing.T) { testPosts(t, newStore) })
	t.Run("PostEdits", func(t *testing.T) { testPostEdits(t, newStore) })
	t.Run("CountPosts", func(t *testing.T) { testCountPosts(t, newStore) })
	t.Run("Officials", func(t *testing.T) { testOfficials(t, newStore) })
	t.Run("Users", func(t *testing.T) { testUsers(t, newStore) })
	t.Run("Drafts", func(t *testing.T) { testDrafts(t, newStore) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, newStore) })
	t.Run("SubscriberStats", func(t *testing.T) { testSubscriberStats(t, newStore) })
	t.Run("Publishing", func(t *testing.T) { testPublishing(t, newStore) })
	t.Run("Memos", func(t *testing.T) { testMemos(t, newStore) })
	t.Run("EnqueueEach", func(t *testing.T) { testEnqueueEach(t, newStore) })
	t.Run("Forget", func(t *testing.T) { testForget(t, newStore) })
	t.Run("ChannelRef", func(t *testing.T) { testChannelRef(t, newStore) })
	t.Run("Media", func(t *testing.T) { testMedia(t, newStore) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, newStore) })
	t.Run("Privacy", func(t *testing.T) { testPrivacy(t, newStore) })
	t.Run("Workflow", func(t *testing.T) { testWorkflow(t, newStore) })
	t.Run("RSVPs", func(t *testing.T) { testRSVPs(t, newStore) })
	t.Run("Office", func(t *testing.T) { testOffice(t, newStore) })
	runDelivery(t, newStore)
	runZones(t, newStore)
}

// t0 is the base of the fixtures' times: whole seconds, in the future so
// nothing depends on the wall clock.
var t0 = time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)
