package redisstore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/redistest"
	"github.com/partnerbot/partnerbot/store"
)

// OpenConn reaches a primary through Sentinels that require a password,
// with another password on the data servers, and refuses wrong ones
// without quoting them.
func TestOpenConnSentinelPasswords(t *testing.T) {
	t.Parallel()
	start := time.Now()
	sn := redistest.StartSentinel(t, redistest.WithPassword("data-pw"), redistest.WithSentinelPassword("sent-pw"))
	t.Logf("sentinel set up in %v", time.Since(start))
	good := Conn{
		SentinelAddrs:    sn.SentinelAddrs(),
		SentinelMaster:   sn.MasterName(),
		SentinelPassword: "sent-pw",
		Password:         "data-pw",
	}
	roundTrip(t, good)

	for _, tt := range []struct {
		name        string
		change      func(*Conn)
		unavailable bool // the error is store.ErrUnavailable
	}{
		{"wrong data password", func(c *Conn) { c.Password = "wrong-data-pw" }, false},
		{"no data password", func(c *Conn) { c.Password = "" }, false},
		{"no sentinel password", func(c *Conn) { c.SentinelPassword = "" }, false},
		{"wrong sentinel password", func(c *Conn) { c.SentinelPassword = "wrong-sent-pw" }, false},
	} {
		c := good
		tt.change(&c)
		err := openFails(t, tt.name, c)
		if errors.Is(err, store.ErrUnavailable) != tt.unavailable {
			t.Errorf("%s: errors.Is(err, store.ErrUnavailable) = %v, want %v", tt.name, !tt.unavailable, tt.unavailable)
		}
		for _, pw := range []string{"data-pw", "sent-pw"} {
			if strings.Contains(err.Error(), pw) {
				t.Errorf("%s: error %q quotes a password", tt.name, err)
			}
		}
	}
}

// OpenConn reaches a Sentinel set that speaks only TLS when Conn.TLS trusts
// its CA, and not without TLS nor with the system's roots.
func TestOpenConnSentinelTLS(t *testing.T) {
	t.Parallel()
	start := time.Now()
	sn := redistest.StartSentinel(t, redistest.WithTLS())
	t.Logf("TLS sentinel set up in %v", time.Since(start))
	pem, err := os.ReadFile(sn.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no PEM certificate", sn.CAFile())
	}
	good := Conn{
		SentinelAddrs:  sn.SentinelAddrs(),
		SentinelMaster: sn.MasterName(),
		TLS:            &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
	}
	roundTrip(t, good)

	plain := good
	plain.TLS = nil
	err = openFails(t, "no TLS", plain)
	// The TLS server drops the plain connection: to the client that is EOF,
	// like a server going away.
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("no TLS: error is not store.ErrUnavailable")
	}
	untrusted := good
	untrusted.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	err = openFails(t, "TLS with the system's roots", untrusted)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("TLS with the system's roots: want an x509.UnknownAuthorityError that is not store.ErrUnavailable")
	}
}

// roundTrip opens c, pings, saves a subscriber and reads it back.
func roundTrip(t *testing.T, c Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s, err := OpenConn(ctx, c)
	if err != nil {
		t.Fatalf("OpenConn: %v", err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.SaveSubscriber(ctx, store.NewSubscriber(42, "private", store.LangEN, now)); err != nil {
		t.Fatalf("SaveSubscriber: %v", err)
	}
	got, err := s.Subscriber(ctx, 42)
	if err != nil || got.ChatID != 42 || got.Lang != store.LangEN || !got.Active {
		t.Fatalf("Subscriber(42) = %+v, %v", got, err)
	}
}

// openFails checks that OpenConn(c) fails within a few seconds and returns
// the error.
func openFails(t *testing.T, what string, c Conn) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	s, err := OpenConn(ctx, c)
	if err == nil {
		_ = s.Close()
		t.Fatalf("%s: OpenConn succeeded, want an error", what)
	}
	t.Logf("%s: failed in %v: %v", what, time.Since(start).Round(time.Millisecond), err)
	return err
}
