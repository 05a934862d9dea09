package main

import (
	"bufio"
	"debug/elf"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric reads one sample of the Prometheus text format; 0 when absent.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	_, body := httpGet(t, base+"/metrics")
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+" ") {
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, name)), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", line, err)
			}
			return v
		}
	}
	return 0
}

func TestHTTPEndpointsOfRunningBot(t *testing.T) {
	e := newEnv(t)
	e.cfg.PublicURL = "https://partners.example.org"
	e.start()
	base := e.httpURL()
	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := httpGet(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d %s", code, body)
	}
	const started = `partnerbot_updates_total{command="start",type="command"}`
	before := metric(t, base, started)
	c := e.private(600, "en")
	c.ask("/start")
	if got := metric(t, base, started); got != before+1 {
		t.Errorf("%s = %v after one /start, want %v", started, got, before+1)
	}
	if metric(t, base, `partnerbot_messages_sent_total{kind="reply"}`) < 1 {
		t.Error("replies not counted")
	}
	// A send that fails moves the failure counter.
	const gone = `partnerbot_send_failures_total{kind="reply",reason="gone"}`
	e.tg.Block(600)
	id := e.tg.SendText(c.chat, c.user, "/help")
	e.tg.WaitConfirmed(t, wait, id)
	if got := metric(t, base, gone); got != 1 {
		t.Errorf("%s = %v, want 1", gone, got)
	}
	_, body := httpGet(t, base+"/metrics")
	for _, name := range []string{"partnerbot_outbox_messages", "partnerbot_subscribers", "partnerbot_update_duration_seconds_bucket"} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if regexp.MustCompile(`chat_id|user_id`).MatchString(body) {
		t.Error("chat or user ids used as labels")
	}
	// Feeds, and the bot links to them.
	if code, body := httpGet(t, base+"/events/krefeld.ics"); code != 200 || !strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Errorf("calendar = %d", code)
	}
	if code, body := httpGet(t, base+"/feed/venlo.atom?lang=en"); code != 200 || !strings.Contains(body, "Venlo") {
		t.Errorf("atom = %d", code)
	}
	e.tg.Unblock(600)
	card := c.ask("/city krefeld")
	if !strings.Contains(card.Text, `href="https://partners.example.org/events/krefeld.ics?lang=en"`) {
		t.Errorf("city card lacks the calendar link: %s", card.Text)
	}
}

func TestReadyzBeforeTelegram(t *testing.T) {
	e := newEnv(t)
	e.tg.Close() // Telegram unreachable: the bot waits, HTTP already answers
	addr := make(chan string, 1)
	m := &Main{Config: e.cfg, Logger: newTestLogger(e.logs), OnHTTP: func(a string) { addr <- a }}
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	base := "http://" + <-addr
	var code int
	var body string
	eventually(t, wait, func() string { return fmt.Sprintf("/readyz = %d %s, want 503 naming telegram", code, body) },
		func() bool {
			code, body = httpGet(t, base+"/readyz")
			return code == 503 && strings.Contains(body, "telegram")
		})
	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d while waiting for Telegram", code)
	}
	var out, errOut strings.Builder
	hostPort := strings.TrimPrefix(base, "http://")
	if code := healthcheck(mapEnv(map[string]string{"HTTP_ADDR": hostPort}), &errOut); code != 0 {
		t.Errorf("healthcheck = %d: %s%s", code, out.String(), errOut.String())
	}
	cancel()
	<-done
	if code := healthcheck(mapEnv(map[string]string{"HTTP_ADDR": hostPort}), &errOut); code == 0 {
		t.Error("healthcheck passed with the bot stopped")
	}
}

// The Dockerfile's build must work as written: same flags, static binary.
func TestDockerfileBuildsStaticBinary(t *testing.T) {
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0) go build (.*) -o \S+ (\./cmd/partnerbot)$`).FindStringSubmatch(string(df))
	if m == nil {
		t.Fatal("Dockerfile has no `RUN CGO_ENABLED=0 go build ... -o ... ./cmd/partnerbot` line")
	}
	for _, want := range []string{"USER nonroot", "HEALTHCHECK", "COPY go.mod go.sum ./", "go mod download"} {
		if !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	out := filepath.Join(t.TempDir(), "partnerbot")
	args := append([]string{"build"}, splitFlags(m[2])...)
	args = append(args, "-o", out, m[3])
	cmd := exec.Command("go", args...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), m[1])
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("binary needs a dynamic loader: not static")
		}
	}
	var help strings.Builder
	hc := exec.Command(out, "-h")
	hc.Stdout = &help
	if err := hc.Run(); err != nil || !strings.Contains(help.String(), "TELEGRAM_BOT_TOKEN") {
		t.Errorf("built binary -h: %v %q", err, help.String())
	}
}

// splitFlags splits `-trimpath -ldflags="-s -w"` the way a shell would.
func splitFlags(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			EnvFile     string            `yaml:"env_file"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
			DependsOn map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	redis, bot := c.Services["redis"], c.Services["bot"]
	if !slices.Contains(redis.Command, "--appendonly") || len(redis.Volumes) == 0 || len(redis.Healthcheck.Test) == 0 {
		t.Errorf("redis service lacks AOF, a volume or a health check: %+v", redis)
	}
	if _, ok := c.Volumes["redis-data"]; !ok {
		t.Error("no named volume for Redis")
	}
	if bot.DependsOn["redis"].Condition != "service_healthy" || bot.EnvFile != ".env" || len(bot.Healthcheck.Test) == 0 {
		t.Errorf("bot service: %+v", bot)
	}
	known := map[string]bool{}
	for _, v := range envVars {
		known[v.Name] = true
	}
	for name := range bot.Environment {
		if !known[name] {
			t.Errorf("compose sets %s, which the bot does not read", name)
		}
	}
	ex, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ex), "\n") {
		name, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "# "), "=")
		if ok && name == strings.ToUpper(name) && !strings.Contains(name, " ") && !known[name] {
			t.Errorf(".env.example names %s, which the bot does not read", name)
		}
	}
	if !strings.Contains(string(ex), "TELEGRAM_BOT_TOKEN=") {
		t.Error(".env.example lacks TELEGRAM_BOT_TOKEN")
	}
	gi, _ := os.ReadFile("../../.gitignore")
	if !slices.Contains(strings.Split(string(gi), "\n"), ".env") {
		t.Error(".env is not git-ignored")
	}
}

func TestLogsTraceUpdatesButNotTexts(t *testing.T) {
	e := newEnv(t)
	e.cfg.AdminIDs = []int64{ownerID}
	e.start()
	c := e.private(610, "en")
	c.ask("/city Secret-Phrase-Of-A-Resident")
	c.ask("I am telling you Another-Private-Text")
	o := e.private(ownerID, "en")
	o.ask("/announce all | Official-Text-Body")
	logs := e.logs.String()
	for _, secret := range []string{"Secret-Phrase-Of-A-Resident", "Another-Private-Text", "Official-Text-Body", e.tg.Token()} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	traced := regexp.MustCompile(`level=DEBUG msg="update handled" update_id=\d+ chat_id=610`)
	if n := len(traced.FindAllString(logs, -1)); n != 2 {
		t.Errorf("%d debug lines tracing chat 610's updates, want 2:\n%s", n, logs)
	}
}
