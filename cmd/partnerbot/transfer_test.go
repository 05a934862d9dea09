package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// The city outgrows one machine: embedded → export → import into Redis →
// the bot on Redis knows everyone; and back.
func TestExportImportBetweenBackends(t *testing.T) {
	e := newRedisEnv(t)
	e.cfg.AdminIDs = []int64{ownerID}
	e.cfg.RedisURL, e.cfg.StateDir = "", t.TempDir()
	stateDir := e.cfg.StateDir
	e.start()
	c := e.private(800, "de")
	c.ask("/subscribe venlo")
	c.ask("/digest weekly")
	o := e.private(ownerID, "en")
	id := postIDIn(t, o.ask("/visit venlo | 2025-10-30 | Exported visit | Text").Plain)

	// A second process cannot open the file while the bot runs.
	var out, errOut bytes.Buffer
	began := time.Now()
	if code := run([]string{"export"}, mapEnv(map[string]string{"STATE_DIR": stateDir}), nil, &out, &errOut); code == 0 ||
		!strings.Contains(errOut.String(), "state file is in use by another partnerbot process") {
		t.Fatalf("export while running: exit %d, %q", code, errOut.String())
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("second opener waited %v instead of failing at once", took)
	}
	e.stop()

	out.Reset()
	errOut.Reset()
	if code := run([]string{"export"}, mapEnv(map[string]string{"STATE_DIR": stateDir}), nil, &out, &errOut); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut.String())
	}
	dumpJSON := out.String()
	for _, want := range []string{`"subscribers"`, "Exported visit", `"venlo"`} {
		if !strings.Contains(dumpJSON, want) {
			t.Errorf("dump lacks %s", want)
		}
	}

	// A cut-off dump changes nothing.
	fresh := redistest.Start(t)
	env := map[string]string{"REDIS_URL": fresh.URL()}
	errOut.Reset()
	if code := run([]string{"import"}, mapEnv(env), strings.NewReader(dumpJSON[:len(dumpJSON)/2]), &out, &errOut); code != 1 {
		t.Fatalf("partial dump: exit %d, %s", code, errOut.String())
	}
	if msg := errOut.String(); !strings.Contains(msg, "import") || strings.Count(strings.TrimSpace(msg), "\n") != 0 {
		t.Errorf("partial dump error is not one clear line: %q", msg)
	}
	if n, _ := fresh.Client(t).DBSize(context.Background()).Result(); n != 0 {
		t.Fatalf("a refused import wrote %d keys", n)
	}
	errOut.Reset()
	if code := run([]string{"import"}, mapEnv(env), strings.NewReader(dumpJSON), &out, &errOut); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut.String())
	}
	mustContain(t, errOut.String(), "imported 1 subscribers")
	// Importing twice is refused: the destination is not empty any more.
	errOut.Reset()
	if code := run([]string{"import"}, mapEnv(env), strings.NewReader(dumpJSON), &out, &errOut); code != 1 {
		t.Errorf("second import: exit %d", code)
	}

	// The bot on Redis has everything.
	e.cfg.RedisURL, e.redis = fresh.URL(), fresh
	e.start()
	mustContain(t, c.ask("/settings").Plain, "Venlo", "wöchentlich")
	st, err := redisstore.Open(context.Background(), fresh.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if p, err := st.Post(context.Background(), id); err != nil || p.Title != "Exported visit" {
		t.Errorf("post #%d after import: %+v %v", id, p, err)
	}
	// New posts do not reuse imported ids.
	if next := postIDIn(t, o.ask("/visit venlo | 2025-11-01 | After import | Text").Plain); next <= id {
		t.Errorf("new post id %d not above imported %d", next, id)
	}
	e.stop()

	// And back: Redis → embedded.
	out.Reset()
	if code := run([]string{"export"}, mapEnv(env), nil, &out, &errOut); code != 0 {
		t.Fatalf("export from Redis: %s", errOut.String())
	}
	back := t.TempDir()
	if code := run([]string{"import"}, mapEnv(map[string]string{"STATE_DIR": back}), strings.NewReader(out.String()), &out, &errOut); code != 0 {
		t.Fatalf("import into embedded: %s", errOut.String())
	}
}
