package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// WithTLS makes the servers (and a Sentinel set's sentinels) speak TLS
// only: each listens on a TLS port (--port 0 --tls-port), with a server
// certificate for 127.0.0.1 and localhost signed by a throwaway CA made
// once per server set, and replicates over TLS. Clients are not asked for
// certificates (tls-auth-clients no). Options, FailoverOptions, Client and
// Flush use TLS; CAFile and TLSConfig give a test what a client needs.
//
// A Cluster does not support it.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithSentinelPassword makes a Sentinel set's sentinels require password
// (requirepass in their conf; they use it with each other too). Clients
// then need it as the SentinelPassword; FailoverOptions sets it.
// WithPassword, in contrast, protects the primary and the replica only.
func WithSentinelPassword(password string) Option {
	return func(c *config) { c.sentinelPassword = password }
}

// withTLSFiles makes the servers use certificates made already, so that a
// server set shares one CA.
func withTLSFiles(f *tlsFiles) Option {
	return func(c *config) { c.tls, c.tlsFiles = true, f }
}

// tlsFiles is a throwaway CA and a server certificate signed by it, as PEM
// files, and the CA as a pool for clients.
type tlsFiles struct {
	ca, cert, key string
	pool          *x509.CertPool
}

// newTLSFiles makes a CA and a certificate for 127.0.0.1, ::1 and
// localhost, valid for a day, and writes them to dir as ca.pem, server.pem
// and server-key.pem.
func newTLSFiles(dir string) (*tlsFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "redistest CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		// Redis presents the same certificate when it connects as a
		// client (a replica to its primary, a sentinel to the servers).
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	f := &tlsFiles{
		ca:   filepath.Join(dir, "ca.pem"),
		cert: filepath.Join(dir, "server.pem"),
		key:  filepath.Join(dir, "server-key.pem"),
		pool: x509.NewCertPool(),
	}
	f.pool.AddCert(caCert)
	for _, w := range []struct {
		path, typ string
		der       []byte
	}{{f.ca, "CERTIFICATE", caDER}, {f.cert, "CERTIFICATE", der}, {f.key, "PRIVATE KEY", keyDER}} {
		b := pem.EncodeToMemory(&pem.Block{Type: w.typ, Bytes: w.der})
		if err := os.WriteFile(w.path, b, 0o600); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// serverArgs are the redis-server arguments for TLS besides the ports.
func (f *tlsFiles) serverArgs() []string {
	return []string{
		"--tls-cert-file", f.cert,
		"--tls-key-file", f.key,
		"--tls-ca-cert-file", f.ca,
		"--tls-auth-clients", "no",
		"--tls-replication", "yes",
	}
}

// confLines are the same settings as config file lines, for a sentinel's
// conf; port is its TLS port.
func (f *tlsFiles) confLines(port int) string {
	return fmt.Sprintf("port 0\ntls-port %d\ntls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\ntls-auth-clients no\ntls-replication yes\n",
		port, f.cert, f.key, f.ca)
}

// clientConfig returns a client TLS config trusting the CA, or nil for f nil.
func (f *tlsFiles) clientConfig() *tls.Config {
	if f == nil {
		return nil
	}
	return &tls.Config{RootCAs: f.pool, MinVersion: tls.VersionTLS12}
}

// portArgs are the listening-port arguments: the TLS port alone with TLS.
func (s *Server) portArgs() []string {
	if s.tls != nil {
		return []string{"--port", "0", "--tls-port", strconv.Itoa(s.port)}
	}
	return []string{"--port", strconv.Itoa(s.port)}
}

// CAFile returns the PEM file of the CA that signed the server's
// certificate, or "" without WithTLS.
func (s *Server) CAFile() string {
	if s.tls == nil {
		return ""
	}
	return s.tls.ca
}

// TLSConfig returns a client TLS config that trusts the server's CA (a new
// one each call), or nil without WithTLS.
func (s *Server) TLSConfig() *tls.Config { return s.tls.clientConfig() }

// CAFile returns the PEM file of the CA of every server and sentinel of the
// set, or "" without WithTLS.
func (s *Sentinel) CAFile() string { return s.servers[0].CAFile() }

// TLSConfig returns a client TLS config that trusts the set's CA, or nil
// without WithTLS.
func (s *Sentinel) TLSConfig() *tls.Config { return s.servers[0].TLSConfig() }

// SentinelPassword returns the password the sentinels require, or "".
func (s *Sentinel) SentinelPassword() string { return s.sentinelPassword }
