package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestConfigRedisTopologies(t *testing.T) {
	env := func(kv ...string) map[string]string {
		m := map[string]string{"TELEGRAM_BOT_TOKEN": "1:a"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := LoadConfig(mapEnv(env("REDIS_SENTINEL_ADDRS", "10.0.0.1:26379, 10.0.0.2:26379,", "REDIS_SENTINEL_MASTER", "mymaster",
		"REDIS_SENTINEL_PASSWORD", "s3", "REDIS_PASSWORD", "p4", "REDIS_TLS", "true", "REDIS_MIN_REPLICAS", "1")))
	if err != nil {
		t.Fatalf("Sentinel config refused: %v", err)
	}
	conn := c.redisConn()
	if !c.usesRedis() || !slices.Equal(conn.SentinelAddrs, []string{"10.0.0.1:26379", "10.0.0.2:26379"}) || conn.SentinelMaster != "mymaster" ||
		conn.SentinelPassword != "s3" || conn.Password != "p4" || conn.TLS == nil || c.MinReplicas != 1 || conn.URL != "" {
		t.Errorf("Sentinel config read as %+v (min replicas %d)", conn, c.MinReplicas)
	}
	if c.redisVia() != "sentinel mymaster" {
		t.Errorf("redisVia() = %q", c.redisVia())
	}
	c, err = LoadConfig(mapEnv(env("REDIS_CLUSTER_ADDRS", "a:7000,b:7001")))
	if err != nil || !c.usesRedis() || !slices.Equal(c.redisConn().ClusterAddrs, []string{"a:7000", "b:7001"}) || c.Redis.TLS != nil || c.MinReplicas != 0 {
		t.Errorf("cluster config: %+v %v", c.Redis, err)
	}
	c, err = LoadConfig(mapEnv(env("REDIS_URL", "redis://h:1/0")))
	if err != nil || c.redisConn().URL != "redis://h:1/0" || c.redisVia() != "url" {
		t.Errorf("URL config: %+v %v", c.redisConn(), err)
	}

	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		env  map[string]string
		want string
	}{
		{env("REDIS_URL", "redis://h:1/0", "REDIS_SENTINEL_ADDRS", "a:1", "REDIS_SENTINEL_MASTER", "m"), "REDIS_URL and REDIS_SENTINEL_ADDRS are both set"},
		{env("REDIS_URL", "redis://h:1/0", "REDIS_CLUSTER_ADDRS", "a:1"), "REDIS_URL and REDIS_CLUSTER_ADDRS are both set"},
		{env("REDIS_SENTINEL_ADDRS", "a:1", "REDIS_SENTINEL_MASTER", "m", "REDIS_CLUSTER_ADDRS", "b:2"), "REDIS_SENTINEL_ADDRS and REDIS_CLUSTER_ADDRS are both set"},
		{env("REDIS_SENTINEL_ADDRS", "a:1"), "REDIS_SENTINEL_MASTER is not set"},
		{env("REDIS_SENTINEL_MASTER", "m"), "REDIS_SENTINEL_ADDRS is not set"},
		{env("REDIS_SENTINEL_ADDRS", "sentinel.example", "REDIS_SENTINEL_MASTER", "m"), "REDIS_SENTINEL_ADDRS: \"sentinel.example\" is not host:port"},
		{env("REDIS_CLUSTER_ADDRS", "a:1,:7000"), "REDIS_CLUSTER_ADDRS: \":7000\" is not host:port"},
		{env("REDIS_URL", "redis://h:1/0", "REDIS_PASSWORD", "secretpw"), "REDIS_USERNAME/REDIS_PASSWORD are for Sentinel and cluster"},
		{env("REDIS_URL", "redis://h:1/0", "REDIS_TLS", "true"), "REDIS_TLS and REDIS_TLS_CA_FILE are for Sentinel and cluster"},
		{env("REDIS_TLS", "true"), "REDIS_TLS and REDIS_TLS_CA_FILE need"},
		{env("REDIS_CLUSTER_ADDRS", "a:1", "REDIS_TLS", "maybe"), "REDIS_TLS: \"maybe\""},
		{env("REDIS_CLUSTER_ADDRS", "a:1", "REDIS_TLS_CA_FILE", ca), "REDIS_TLS_CA_FILE: " + ca + " holds no PEM certificate"},
		{env("REDIS_CLUSTER_ADDRS", "a:1", "REDIS_TLS_CA_FILE", ca+".missing"), "REDIS_TLS_CA_FILE: open"},
		{env("REDIS_MIN_REPLICAS", "1"), "REDIS_MIN_REPLICAS: the embedded store has no replicas"},
		{env("REDIS_URL", "redis://h:1/0", "REDIS_MIN_REPLICAS", "-1"), "REDIS_MIN_REPLICAS: \"-1\""},
		{env("REDIS_URL", "redis://h:1/0", "REDIS_MIN_REPLICAS", "two"), "REDIS_MIN_REPLICAS: \"two\""},
	}
	for _, tt := range bad {
		_, err := LoadConfig(mapEnv(tt.env))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one starting %q", tt.env, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "secretpw") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one clean line without the password: %q", err)
		}
	}
}
