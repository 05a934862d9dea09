package bench

// What the benchmark prints: a header, one detailed section per scenario
// with a row per backend, and the side-by-side table of issue #6.

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

func header() {
	fmt.Println("=== partnerbot delivery benchmark (issues #4, #6, #14): Redis and the embedded store ===")
	fmt.Printf("command:    %s\n", benchCommand)
	fmt.Printf("machine:    GOMAXPROCS=%d NumCPU=%d %s/%s %s, %s\n", runtime.GOMAXPROCS(0), runtime.NumCPU(),
		runtime.GOOS, runtime.GOARCH, runtime.Version(), cpuModel())
	fmt.Printf("redis:      %s (redistest, appendonly no)\n", redisVersion())
	d, dir := fdatasyncCost(50)
	fmt.Printf("embedded:   boltstore on %s %s, state file in %s; fdatasync there: %s (mean of 50)\n",
		"go.etcd.io/bbolt", modVersion("go.etcd.io/bbolt"), dir, d.Round(10*time.Microsecond))
	fmt.Printf("code:       %s\n", gitState())
	fmt.Println()
}

// modVersion is the version of a module the test binary uses, from its
// build info or else from the module's go.mod.
func modVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				return m.Version
			}
		}
	}
	if b, err := os.ReadFile("../go.mod"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == path {
				return f[1]
			}
		}
	}
	return "?"
}

// gitState names the commit measured, and whether files outside bench/
// differ from it.
func gitState() string {
	head, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown (no git)"
	}
	out := "commit " + strings.TrimSpace(string(head))
	st, _ := exec.Command("git", "status", "--porcelain", "--", "..", ":!.").Output()
	if len(strings.TrimSpace(string(st))) > 0 {
		out += " + uncommitted changes outside bench/"
	}
	return out
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "cpu unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "cpu unknown"
}

func redisVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err != nil {
		return "redis-server ?"
	}
	return strings.TrimSpace(string(out))
}

func mib(v uint64) string { return fmt.Sprintf("%.1f MiB", float64(v)/(1<<20)) }

func growth(base, peak uint64) uint64 { return peak - min(peak, base) }

func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func summary(results []*backendResult, total time.Duration) {
	var ran []*backendResult
	for _, r := range results {
		if r.ran {
			ran = append(ran, r)
		}
	}
	fmt.Println()
	fmt.Println("=== results ===")
	fmt.Printf("command: %s   GOMAXPROCS=%d NumCPU=%d\n", benchCommand, runtime.GOMAXPROCS(0), runtime.NumCPU())
	for _, r := range ran {
		if len(r.scales) > 0 {
			fmt.Printf("digest: 5 posts, one message of %d characters per subscriber\n", r.scales[0].digestChars)
			break
		}
	}
	for _, r := range ran {
		if r.note != "" {
			fmt.Printf("scales: %s\n", r.note)
		}
	}
	fmt.Println()

	fmt.Println("1. planning one daily slot (Planner.RunDigest, PageSize 500)")
	fmt.Printf("   %-17s %-8s %10s %10s %10s %14s   %s\n", "backend", "N", "planned", "queued", "seconds", "subscribers/s", "store work per subscriber")
	for _, br := range ran {
		for _, r := range br.scales {
			fmt.Printf("   %-17s %-8d %10d %10d %10.2f %14.0f   %s\n", backendName(br.kind), r.n, r.planned, r.queued,
				r.plan.Seconds(), float64(r.n)/r.plan.Seconds(), storeWork(br.kind, r.planCtr, r.n))
		}
	}
	fmt.Println()

	fmt.Printf("2. raw throughput, no limit (stub limiter, Workers.Count=%d, telegram.Client over HTTP)\n", rawWorkers)
	fmt.Printf("   %-17s %-8s %-20s %8s %8s %8s %11s %11s %10s  %s\n", "backend", "N", "Bot API", "sent", "seconds", "msg/s",
		"first 10%", "last 10%", "TIME_WAIT", "failures")
	for _, br := range ran {
		for _, r := range br.scales {
			for _, d := range []struct {
				name string
				d    drainResult
			}{{"lean stub", r.lean}, {"fake (telegramtest)", r.fake}} {
				if d.d.sent == 0 && !d.d.timedOut {
					continue
				}
				to := ""
				if d.d.timedOut || d.d.left > 0 {
					to = fmt.Sprintf(" (timed out: %t, left in outbox: %d)", d.d.timedOut, d.d.left)
				}
				fmt.Printf("   %-17s %-8d %-20s %8d %8.2f %8.0f %11.0f %11.0f %10d  %s%s\n", backendName(br.kind), r.n, d.name,
					d.d.sent, d.d.dur.Seconds(), d.d.rate(), d.d.first, d.d.last, d.d.timeWait, d.d.fails, to)
			}
		}
	}
	fmt.Println("   (TIME_WAIT = TCP connections to the API server closed rather than reused (last 60 s), counted after")
	fmt.Println("    the drain; the fake parses the HTML and records every call under one mutex, the lean stub discards")
	fmt.Println("    it; the fake drain runs on Redis only, as on bolt it would only add minutes of fsyncs)")
	fmt.Println()

	fmt.Println("3. achieved rate with the backend's real limiter (Workers.Count default 8; bulk = the outbox)")
	fmt.Println("   overall  = (K-1)/(last send - first send) over the first K bulk sends (K-1 intervals); includes the")
	fmt.Println("              initial burst (a tenth of a second's worth, less the replies' reserve)")
	fmt.Println("   2nd half = the same over the second half of the K sends, once the burst is spent")
	fmt.Println("   max/1s   = most bulk sends within any one-second window")
	fmt.Println("   with replies, bulk gets what they leave: see 4 for bulk + replies together")
	fmt.Printf("   %-17s %-9s %-9s %6s %7s %8s %8s %6s | %9s %9s\n", "backend", "SEND_RATE", "replies/s", "K",
		"span s", "overall", "2nd half", "max/1s", "ovr/SEND", "2nd/SEND")
	for _, br := range ran {
		for _, r := range br.rates {
			to := ""
			if r.timedOut {
				to = " (CUT OFF)"
			}
			if r.photo {
				to += " (photo posts)"
			}
			k := min(r.sent, r.k)
			fmt.Printf("   %-17s %-9d %-9d %6d %7.2f %8.1f %8.1f %6d | %9.3f %9.3f%s\n",
				backendName(br.kind), r.rate, r.replyRate, k, r.span.Seconds(), r.overall, r.tail, r.maxSecond,
				r.overall/float64(r.rate), r.tail/float64(r.rate), to)
		}
	}
	fmt.Println("   (CUT OFF: K sends did not happen within 1.5x the time the limiter needs + 10 s; the figures")
	fmt.Println("    cover the sends that did)")
	fmt.Println()

	fmt.Println("4. residents writing while the outbox drains: a command every 1/replies-per-second, each answered the")
	fmt.Println("   way the bot does (Reserve as a reply until it says go, then sendMessage); latency from the command's")
	fmt.Printf("   arrival to the reply sent (requirement p99 < %s); bulk + replies = every message the limiter let go\n", replyTarget)
	fmt.Println("   from the first command to the last timed bulk send, against SEND_RATE (target >= 0.97)")
	fmt.Printf("   %-17s %-9s %-9s %7s %9s %9s %9s %6s %7s | %7s %7s %9s %9s\n", "backend", "SEND_RATE", "replies/s", "replies",
		"p50", "p99", "max", "over1s", "denied", "bulk", "replies", "msg/s", "/SEND")
	for _, br := range ran {
		for _, r := range br.rates {
			rep := r.rep
			if len(rep.lat) == 0 {
				continue
			}
			fmt.Printf("   %-17s %-9d %-9d %7d %9s %9s %9s %6d %7d | %7d %7d %9.1f %9.3f  (given up %d, send errors %d)\n",
				backendName(br.kind), r.rate, r.replyRate, len(rep.lat), dur(rep.pct(0.5)), dur(rep.pct(0.99)), dur(rep.pct(1)),
				rep.over(replyTarget), rep.denied, rep.bulk, rep.replies, rep.combined, rep.combined/float64(r.rate), rep.givenUp, rep.errs)
		}
	}
	fmt.Println()

	fmt.Println("5. store work")
	for _, br := range ran {
		switch br.kind {
		case backendRedis:
			fmt.Println("   Redis: commands from INFO commandstats (script-internal commands counted too; probes excluded)")
			for _, r := range br.scales {
				pc, dc, sent := r.planCtr.cmds, r.fake.ctr.cmds, max(1, r.fake.sent)
				fmt.Printf("   N=%-7d planning: %.2f cmds/subscriber (%.2f scripts)   drain: %.2f cmds/message (%.2f scripts)   total: %.2f cmds/delivered message\n",
					r.n, float64(pc.total())/float64(r.n), float64(pc.scripts())/float64(r.n),
					float64(dc.total())/float64(sent), float64(dc.scripts())/float64(sent),
					float64(pc.total()+dc.total())/float64(sent))
				fmt.Printf("      planning per subscriber: %s\n", pc.perItem(int64(r.n)))
				fmt.Printf("      Redis busy while planning: EVALSHA %.0f µs/subscriber, everything %.0f µs/subscriber (of %.0f µs wall)\n",
					float64(r.planCtr.usec["evalsha"])/float64(r.n), float64(topLevelUsec(r.planCtr.usec))/float64(r.n),
					float64(r.plan.Microseconds())/float64(r.n))
				fmt.Printf("      drain per message:       %s\n", dc.perItem(int64(sent)))
				fmt.Printf("      Redis busy while draining: %.0f µs/message (of %.0f µs wall)\n",
					float64(topLevelUsec(r.fake.ctr.usec))/float64(sent), float64(r.fake.dur.Microseconds())/float64(sent))
			}
			fmt.Println("   with the Redis limiter (scenario 3 runs, 8 workers; denied Reserve calls included):")
			for _, r := range br.rates {
				fmt.Printf("     %-31s %.2f cmds/message: %s\n", r.label()+":",
					float64(r.ctr.cmds.total())/float64(max(1, r.sent)), r.ctr.cmds.perItem(int64(max(1, r.sent))))
			}
		case backendBolt:
			fmt.Println("   embedded: bbolt write transactions (txid of the meta pages; each commit = 2 fdatasyncs) and bytes")
			fmt.Println("   written by this process (/proc/self/io write_bytes)")
			for _, r := range br.scales {
				fmt.Printf("   N=%-7d planning: %s   drain (lean): %s   file after planning %s\n", r.n,
					storeWork(br.kind, r.planCtr, r.n), storeWork(br.kind, r.lean.ctr, max(1, r.lean.sent)), mib(uint64(r.fileBytes)))
				fmt.Printf("      wall per commit: planning %s, drain %s\n",
					dur(perCommit(r.plan, r.planCtr.commits)), dur(perCommit(r.lean.dur, r.lean.ctr.commits)))
			}
			fmt.Println("   with the in-process limiter (scenario 3 runs, 8 workers):")
			for _, r := range br.rates {
				fmt.Printf("     %-31s %s\n", r.label()+":", storeWork(br.kind, r.ctr, max(1, r.sent)))
			}
		}
	}
	fmt.Println()

	fmt.Printf("6. peak HeapInuse (sampled every %s; base = after a GC at phase start; growth = peak - base)\n", sampleEvery)
	fmt.Printf("   %-17s %-8s %11s %11s %11s | %-16s %11s %11s %11s %13s\n", "backend", "N", "plan base", "plan peak", "plan growth",
		"drain via", "drain base", "drain peak", "growth", "live after GC")
	for _, br := range ran {
		for _, r := range br.scales {
			first := true
			for _, d := range []struct {
				name string
				d    drainResult
			}{{"lean stub", r.lean}, {"fake (records)", r.fake}} {
				if d.d.sent == 0 {
					continue
				}
				head := fmt.Sprintf("   %-17s %-8d %11s %11s %11s", backendName(br.kind), r.n, mib(r.planBase), mib(r.planPeak),
					mib(growth(r.planBase, r.planPeak)))
				if !first {
					head = fmt.Sprintf("   %-17s %-8s %11s %11s %11s", "", "", "", "", "")
				}
				first = false
				fmt.Printf("%s | %-16s %11s %11s %11s %13s\n", head, d.name, mib(d.d.base), mib(d.d.peak),
					mib(growth(d.d.base, d.d.peak)), mib(d.d.retained))
			}
		}
	}
	fmt.Println("   (live after GC = heap still reachable after the drain: the fake Bot API keeps every call and")
	fmt.Println("    message it received, so with it memory grows with N by design of the test double; the lean")
	fmt.Println("    stub row is the bot's own delivery memory. bbolt's file is mmapped: its pages are not heap)")
	fmt.Println()

	zonesReport(ran)
	fmt.Printf("8. an official's announcement to every subscriber at SEND_RATE %d (real limiter, 8 workers, lean stub API):\n", publishRate)
	fmt.Println("   from the publish (Planner.Announce called; workers already running) to the first and the last send,")
	fmt.Println("   against the limit's lower bound N / SEND_RATE (target: last <= 1.1 x bound, first within 1 s)")
	for _, br := range ran {
		for _, r := range br.scales {
			if r.publish.n > 0 {
				fmt.Printf("   %-17s N=%-7d %s\n", backendName(br.kind), r.n, r.publish.line())
			}
		}
	}
	fmt.Println()

	sideBySide(results)
	fmt.Println()
	for _, r := range ran {
		fmt.Printf("%s scenarios: %s\n", backendName(r.kind), r.wall.Round(time.Second))
	}
	fmt.Printf("total wall time: %s\n", total.Round(time.Second))
}

// storeWork is what a phase cost the store per item.
func storeWork(kind string, c counters, n int) string {
	if n <= 0 {
		return "-"
	}
	if kind == backendRedis {
		return fmt.Sprintf("%.2f cmds (%.2f scripts)", float64(c.cmds.total())/float64(n), float64(c.cmds.scripts())/float64(n))
	}
	s := fmt.Sprintf("%.2f commits (≈%.1f fdatasync)", float64(c.commits)/float64(n), 2*float64(c.commits)/float64(n))
	if c.written >= 0 {
		s += fmt.Sprintf(", %.1f KiB written", float64(c.written)/1024/float64(n))
	}
	return s
}

func perCommit(d time.Duration, commits int64) time.Duration {
	if commits <= 0 {
		return 0
	}
	return d / time.Duration(commits)
}

// sideBySide prints the table issue #6 asks for: a row per metric, a
// column per backend. "—" is a figure the backend did not measure.
func sideBySide(results []*backendResult) {
	byKind := map[string]*backendResult{}
	var ns []int
	for _, r := range results {
		if !r.ran {
			continue
		}
		byKind[r.kind] = r
		for _, s := range r.scales {
			if !slices.Contains(ns, s.n) {
				ns = append(ns, s.n)
			}
		}
	}
	slices.Sort(ns)
	const none = "—"
	type row struct {
		metric string
		cells  [2]string
	}
	var rows []row
	add := func(metric string, cell func(r *backendResult) string) {
		var x row
		x.metric = metric
		for i, kind := range backends {
			x.cells[i] = none
			if r := byKind[kind]; r != nil {
				if v := cell(r); v != "" {
					x.cells[i] = v
				}
			}
		}
		rows = append(rows, x)
	}
	sep := func(title string) { rows = append(rows, row{metric: title}) }

	sep("planning (Planner.RunDigest, one daily slot)")
	for _, n := range ns {
		add(fmt.Sprintf("  subscribers/s, N=%d", n), func(r *backendResult) string {
			if s := r.scale(n); s != nil {
				return fmt.Sprintf("%.0f (%.1f s)", float64(n)/s.plan.Seconds(), s.plan.Seconds())
			}
			return ""
		})
	}
	sep(fmt.Sprintf("drain, no limit (stub limiter, lean stub API, %d workers)", rawWorkers))
	for _, n := range ns {
		add(fmt.Sprintf("  msg/s, N=%d", n), func(r *backendResult) string {
			if s := r.scale(n); s != nil && s.lean.sent > 0 {
				mark := ""
				if s.lean.timedOut || s.lean.left > 0 {
					mark = " (incomplete)"
				}
				return fmt.Sprintf("%.0f%s", s.lean.rate(), mark)
			}
			return ""
		})
	}
	add("  store work per message (drain)", func(r *backendResult) string {
		if len(r.scales) == 0 {
			return ""
		}
		s := r.scales[len(r.scales)-1]
		if r.kind == backendRedis {
			return fmt.Sprintf("%.2f Redis cmds", float64(s.fake.ctr.cmds.total())/float64(max(1, s.fake.sent)))
		}
		return fmt.Sprintf("%.2f commits, ≈%.1f fsyncs", float64(s.lean.ctr.commits)/float64(max(1, s.lean.sent)),
			2*float64(s.lean.ctr.commits)/float64(max(1, s.lean.sent)))
	})
	sep("achieved rate / SEND_RATE, real limiter, 8 workers (2nd half = after the burst)")
	for i, rr := range rateRuns {
		res := func(r *backendResult) *rateResult {
			if i < len(r.rates) {
				return &r.rates[i]
			}
			return nil
		}
		cut := func(x *rateResult) string {
			if x.timedOut {
				return " cut off"
			}
			return ""
		}
		bulk := "bulk"
		if rr.replyRate > 0 {
			bulk = "bulk alone"
		}
		add(fmt.Sprintf("  %s: %s, 2nd half", rr.label(), bulk), func(r *backendResult) string {
			if x := res(r); x != nil {
				return fmt.Sprintf("%.3f (%.1f/s)%s", x.tail/float64(x.rate), x.tail, cut(x))
			}
			return ""
		})
		if rr.replyRate == 0 {
			add(fmt.Sprintf("  %s: bulk, overall", rr.label()), func(r *backendResult) string {
				if x := res(r); x != nil {
					return fmt.Sprintf("%.3f (%.1f/s)%s", x.overall/float64(x.rate), x.overall, cut(x))
				}
				return ""
			})
			continue
		}
		add(fmt.Sprintf("  %s: bulk + replies", rr.label()), func(r *backendResult) string {
			if x := res(r); x != nil && len(x.rep.lat) > 0 {
				return fmt.Sprintf("%.3f (%.1f/s)%s", x.rep.combined/float64(x.rate), x.rep.combined, cut(x))
			}
			return ""
		})
		add(fmt.Sprintf("  %s: reply p50 / p99 / max", rr.label()), func(r *backendResult) string {
			if x := res(r); x != nil && len(x.rep.lat) > 0 {
				return fmt.Sprintf("%s / %s / %s", dur(x.rep.pct(0.5)), dur(x.rep.pct(0.99)), dur(x.rep.pct(1)))
			}
			return ""
		})
	}
	sep(fmt.Sprintf("an official's announcement at SEND_RATE %d: publish to first / last subscriber (last / lower bound)", publishRate))
	for _, n := range ns {
		add(fmt.Sprintf("  N=%d", n), func(r *backendResult) string {
			if s := r.scale(n); s != nil && s.publish.n > 0 {
				p := s.publish
				cut := ""
				if p.timedOut {
					cut = " cut off"
				}
				return fmt.Sprintf("%s / %s (%.3f)%s", dur(p.first), dur(p.last), p.last.Seconds()/p.bound().Seconds(), cut)
			}
			return ""
		})
	}
	sep("peak heap growth (HeapInuse peak - base after GC)")
	for _, n := range ns {
		add(fmt.Sprintf("  planning, N=%d", n), func(r *backendResult) string {
			if s := r.scale(n); s != nil {
				return mib(growth(s.planBase, s.planPeak))
			}
			return ""
		})
	}
	for _, n := range ns {
		add(fmt.Sprintf("  drain (lean stub), N=%d", n), func(r *backendResult) string {
			if s := r.scale(n); s != nil && s.lean.sent > 0 {
				return fmt.Sprintf("%s (%s live after)", mib(growth(s.lean.base, s.lean.peak)), mib(s.lean.retained))
			}
			return ""
		})
	}
	zoneRows(byKind, add, sep)

	w := [3]int{len("metric"), len(backendName(backends[0])), len(backendName(backends[1]))}
	for _, x := range rows {
		if x.cells[0] == "" && x.cells[1] == "" {
			continue // a section title spans the row
		}
		w[0] = max(w[0], len([]rune(x.metric)))
		w[1] = max(w[1], len([]rune(x.cells[0])))
		w[2] = max(w[2], len([]rune(x.cells[1])))
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", max(0, n-len([]rune(s)))) }
	line := strings.Repeat("-", w[0]+w[1]+w[2]+6)
	fmt.Println("=== side by side: Redis | embedded (bbolt) ===")
	fmt.Printf("%s | %s | %s\n", pad("metric", w[0]), pad(backendName(backends[0]), w[1]), backendName(backends[1]))
	fmt.Println(line)
	for _, x := range rows {
		if x.cells[0] == "" && x.cells[1] == "" {
			fmt.Println(x.metric)
			continue
		}
		fmt.Printf("%s | %s | %s\n", pad(x.metric, w[0]), pad(x.cells[0], w[1]), x.cells[1])
	}
	fmt.Println(line)
	for _, kind := range backends {
		if r := byKind[kind]; r != nil && r.note != "" {
			fmt.Printf("note: %s\n", r.note)
		}
	}
	fmt.Println("(— = not measured on that backend/scale; \"cut off\" = the backend could not send K messages in time,")
	fmt.Println(" the figure covers what it sent)")
}
