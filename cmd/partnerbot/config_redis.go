package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/partnerbot/partnerbot/store/redisstore"
)

// loadRedis reads how to reach Redis: REDIS_URL, Sentinel or cluster, at
// most one of them (none runs on the embedded store). Errors name the
// variable and never quote a password.
func (c *Config) loadRedis(get func(string) string) error {
	c.RedisURL, c.StateDir = get("REDIS_URL"), get("STATE_DIR")
	if _, err := redis.ParseURL(c.RedisURL); c.RedisURL != "" && err != nil {
		// The URL may hold a password: say what is wrong, not what it was.
		return fmt.Errorf("REDIS_URL is malformed: expected redis://[:password@]host:port/db or rediss://[:password@]host:port/db")
	}
	var err error
	r := &c.Redis
	if r.SentinelAddrs, err = hostPorts("REDIS_SENTINEL_ADDRS", get("REDIS_SENTINEL_ADDRS"), "10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379"); err != nil {
		return err
	}
	if r.ClusterAddrs, err = hostPorts("REDIS_CLUSTER_ADDRS", get("REDIS_CLUSTER_ADDRS"), "10.0.0.1:6379,10.0.0.2:6379"); err != nil {
		return err
	}
	r.SentinelMaster, r.SentinelPassword = get("REDIS_SENTINEL_MASTER"), get("REDIS_SENTINEL_PASSWORD")
	r.Username, r.Password = get("REDIS_USERNAME"), get("REDIS_PASSWORD")

	ways := []string{}
	for _, w := range []struct {
		name string
		set  bool
	}{{"REDIS_URL", c.RedisURL != ""}, {"REDIS_SENTINEL_ADDRS", len(r.SentinelAddrs) > 0}, {"REDIS_CLUSTER_ADDRS", len(r.ClusterAddrs) > 0}} {
		if w.set {
			ways = append(ways, w.name)
		}
	}
	if len(ways) > 1 {
		return fmt.Errorf("%s and %s are both set: reach Redis one way (REDIS_URL for one server, REDIS_SENTINEL_ADDRS for Sentinel, REDIS_CLUSTER_ADDRS for a cluster)", ways[0], ways[1])
	}
	switch {
	case len(r.SentinelAddrs) > 0 && r.SentinelMaster == "":
		return fmt.Errorf("REDIS_SENTINEL_MASTER is not set: name the primary the Sentinels in REDIS_SENTINEL_ADDRS monitor (sentinel monitor <name> …), e.g. mymaster")
	case len(r.SentinelAddrs) == 0 && (r.SentinelMaster != "" || r.SentinelPassword != ""):
		return fmt.Errorf("REDIS_SENTINEL_ADDRS is not set: REDIS_SENTINEL_MASTER and REDIS_SENTINEL_PASSWORD need the Sentinels' addresses")
	}
	way := ""
	if len(ways) == 1 {
		way = ways[0]
	}
	if err := c.loadRedisTLS(get, way); err != nil {
		return err
	}
	if c.RedisURL != "" && (r.Username != "" || r.Password != "") {
		return fmt.Errorf("REDIS_USERNAME/REDIS_PASSWORD are for Sentinel and cluster: with REDIS_URL put them in the URL (redis://user:password@host:port/0)")
	}
	n, err := strconv.Atoi(get("REDIS_MIN_REPLICAS"))
	if err != nil || n < 0 || n > 10 {
		return fmt.Errorf("REDIS_MIN_REPLICAS: %q is not a whole number from 0 to 10", get("REDIS_MIN_REPLICAS"))
	}
	if n > 0 && len(ways) == 0 {
		return fmt.Errorf("REDIS_MIN_REPLICAS: the embedded store has no replicas; set it only with REDIS_URL, REDIS_SENTINEL_ADDRS or REDIS_CLUSTER_ADDRS")
	}
	c.MinReplicas = n
	return nil
}

// loadRedisTLS reads REDIS_TLS and REDIS_TLS_CA_FILE; with REDIS_URL the
// scheme (rediss://) says it instead.
func (c *Config) loadRedisTLS(get func(string) string, way string) error {
	on := false
	switch v := strings.ToLower(get("REDIS_TLS")); v {
	case "true", "1", "yes":
		on = true
	case "false", "0", "no":
	default:
		return fmt.Errorf("REDIS_TLS: %q is not true or false", v)
	}
	caFile := get("REDIS_TLS_CA_FILE")
	if !on && caFile == "" {
		return nil
	}
	switch way {
	case "REDIS_URL":
		return fmt.Errorf("REDIS_TLS and REDIS_TLS_CA_FILE are for Sentinel and cluster: with REDIS_URL use rediss://")
	case "":
		return fmt.Errorf("REDIS_TLS and REDIS_TLS_CA_FILE need REDIS_SENTINEL_ADDRS or REDIS_CLUSTER_ADDRS")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return fmt.Errorf("REDIS_TLS_CA_FILE: %v", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("REDIS_TLS_CA_FILE: %s holds no PEM certificate", caFile)
		}
	}
	c.Redis.TLS = cfg
	return nil
}

// hostPorts splits a comma-separated list of host:port.
func hostPorts(name, v, example string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if host, port, err := net.SplitHostPort(f); err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("%s: %q is not host:port; give a comma-separated list like %s", name, f, example)
		}
		out = append(out, f)
	}
	return out, nil
}

// usesRedis reports whether the bot runs on Redis rather than the embedded
// store.
func (c Config) usesRedis() bool {
	return c.RedisURL != "" || len(c.Redis.SentinelAddrs) > 0 || len(c.Redis.ClusterAddrs) > 0
}

// redisConn is where the Redis store connects.
func (c Config) redisConn() redisstore.Conn {
	conn := c.Redis
	conn.URL = c.RedisURL
	return conn
}

// redisVia names how the bot reaches Redis, for the start-up log (never
// the URL: it may hold a password).
func (c Config) redisVia() string {
	switch {
	case len(c.Redis.SentinelAddrs) > 0:
		return "sentinel " + c.Redis.SentinelMaster
	case len(c.Redis.ClusterAddrs) > 0:
		return "cluster"
	}
	return "url"
}
