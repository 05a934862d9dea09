package redistest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/testkit"
)

// This file holds a server's process: started, waited for, killed,
// restarted.

// process is one redis-server process; a Restart creates another.
type process struct {
	cmd  *exec.Cmd
	out  *testkit.Buffer
	done chan struct{} // closed when the process has exited
}

var errExited = errors.New("redis-server exited")

// launch starts redis-server on s.port in s.dir and waits until it answers.
func (s *Server) launch() (*process, error) {
	args := append(append(slices.Clone(s.pre), s.portArgs()...), "--dir", s.dir)
	if s.busPort != 0 {
		args = append(args, "--cluster-port", strconv.Itoa(s.busPort))
	}
	args = append(args, s.args...)
	cmd := exec.Command(s.bin, args...)
	out := &testkit.Buffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.Dir = s.dir
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p); err != nil {
		p.kill()
		return nil, fmt.Errorf("%w\nredis-server output:\n%s", err, out.String())
	}
	return p, nil
}

// waitReady polls PING until the server answers PONG, the process exits or
// the deadline passes.
func (s *Server) waitReady(p *process) error {
	deadline := time.Now().Add(readyTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("%w on port %d before it was ready", errExited, s.port)
		default:
		}
		if lastErr = s.ping(); lastErr == nil {
			return nil
		}
		time.Sleep(pollInterval)
	}
	return fmt.Errorf("redis-server on port %d not ready after %v: %v", s.port, readyTimeout, lastErr)
}

// ping speaks RESP directly rather than through go-redis so that readiness
// checks stay quiet and independent of client options. A server still
// loading its AOF answers -LOADING, which counts as not ready.
func (s *Server) ping() error {
	d := &net.Dialer{Timeout: time.Second}
	var conn net.Conn
	var err error
	if s.tls != nil {
		conn, err = tls.DialWithDialer(d, "tcp", s.Addr(), s.TLSConfig())
	} else {
		conn, err = d.Dial("tcp", s.Addr())
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	var req bytes.Buffer
	if s.password != "" {
		fmt.Fprintf(&req, "*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n", len(s.password), s.password)
	}
	req.WriteString("*1\r\n$4\r\nPING\r\n")
	if _, err := conn.Write(req.Bytes()); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	if s.password != "" {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+OK") {
			return fmt.Errorf("AUTH: %s", strings.TrimSpace(line))
		}
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING: %s", strings.TrimSpace(line))
	}
	return nil
}

// Kill sends SIGKILL to the server and waits for it to exit, simulating a
// crash: clients get connection errors until Restart.
//
// With the default appendfsync everysec, Redis hands each write to the
// kernel before it replies, so a killed process loses nothing; only in the
// rare case of a slow background fsync does it delay that write. Tests that
// must not depend on this pass WithArgs("--appendfsync", "always").
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.kill()
		s.proc = nil
	}
}

// Restart starts the server again on the same port and directory, so data
// in the append-only file comes back, and waits until it answers. A running
// server is stopped first.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.stop()
		s.proc = nil
	}
	p, err := s.launch()
	if err != nil {
		tb.Fatalf("redistest: restart on port %d: %v", s.port, err)
	}
	s.proc = p
}

// Output returns what the current redis-server process has logged, for
// debugging failed tests.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return ""
	}
	return s.proc.out.String()
}

// Stop shuts the server down (SIGTERM, then SIGKILL after a few seconds).
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.stop()
		s.proc = nil
	}
}

// running reports whether the server's process is up (not stopped or
// killed through Server).
func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.kill()
	}
}
