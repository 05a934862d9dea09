package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterSize primaries share the 16384 hash slots; there are no replicas.
const (
	clusterSize  = 3
	clusterSlots = 16384
)

// Cluster is a Redis Cluster of three primaries without replicas, each a
// redis-server process on a free loopback port (and a free cluster bus
// port) with its own directory.
//
// Options (WithPassword, WithoutAOF, WithArgs) apply to every node.
type Cluster struct {
	password string
	nodes    []*Server
}

// StartCluster starts a cluster for the test and stops it when the test
// ends. It returns once every node reports cluster_state:ok with all slots
// assigned.
func StartCluster(tb testing.TB, opts ...Option) *Cluster {
	tb.Helper()
	return startForTest(tb, startCluster, opts)
}

// StartClusterMain starts a cluster without a testing.TB, for TestMain.
// stop stops every node and removes the files; call it after m.Run.
func StartClusterMain(opts ...Option) (c *Cluster, stop func(), err error) {
	return startForMain("redistest-cluster-", startCluster, opts)
}

func startCluster(dir string, opts []Option) (_ *Cluster, err error) {
	c := &Cluster{}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.tls {
		return nil, errors.New("WithTLS is not supported for a cluster")
	}
	cli, err := findTool("redis-cli")
	if err != nil {
		return nil, err
	}
	// Without replicas nothing fails over; a node timeout of seconds only
	// keeps a node slowed down by a loaded test machine from being marked
	// failing (and the cluster down) while the tests run.
	nodeOpts := append(opts[:len(opts):len(opts)], WithArgs(
		"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "5000",
	))
	for i := range clusterSize {
		n, err := startNode(filepath.Join(dir, "node"+strconv.Itoa(i)), nodeOpts)
		if err != nil {
			return nil, fmt.Errorf("cluster node %d: %w", i, err)
		}
		c.nodes = append(c.nodes, n)
		c.password = n.password
	}

	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if c.password != "" {
		args = append(args, "-a", c.password, "--no-auth-warning")
	}
	ctx, cancel := context.WithTimeout(context.Background(), topologyTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	if err := c.waitOK(); err != nil {
		return nil, err
	}
	return c, nil
}

// startNode starts a cluster node in dir on a free port, with a free bus
// port: the default, port+10000, may be taken or beyond 65535.
func startNode(dir string, opts []Option) (*Server, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s, err := newServer(dir, opts)
	if err != nil {
		return nil, err
	}
	err = s.launchFree(func() error {
		// A failed attempt may have written its ports to nodes.conf.
		if err := os.Remove(filepath.Join(dir, "nodes.conf")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for {
			p, err := freePort()
			if err != nil {
				return err
			}
			if p != s.port {
				s.busPort = p
				return nil
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// waitOK waits until every node reports the cluster ok, all slots assigned
// and every node known: before that, commands may get CLUSTERDOWN or a
// MOVED to a node not yet known.
func (c *Cluster) waitOK() error {
	var state string
	for _, n := range c.nodes {
		rc := redis.NewClient(n.Options())
		err := waitFor(topologyTimeout, func() string { return "node " + n.Addr() + ": " + state }, func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var err error
			state, err = rc.ClusterInfo(ctx).Result()
			return err == nil &&
				strings.Contains(state, "cluster_state:ok") &&
				strings.Contains(state, "cluster_slots_assigned:"+strconv.Itoa(clusterSlots)) &&
				strings.Contains(state, "cluster_slots_ok:"+strconv.Itoa(clusterSlots)) &&
				strings.Contains(state, "cluster_known_nodes:"+strconv.Itoa(clusterSize))
		})
		_ = rc.Close()
		if err != nil {
			return fmt.Errorf("%w\nnode output:\n%s", err, n.Output())
		}
	}
	return nil
}

// Addrs returns host:port of every node.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.Addr()
	}
	return addrs
}

// Nodes returns the cluster's nodes, each a primary.
func (c *Cluster) Nodes() []*Server { return c.nodes }

// ClusterOptions returns go-redis options for a cluster client, with short
// dial retries like Server.Options.
func (c *Cluster) ClusterOptions() *redis.ClusterOptions {
	return &redis.ClusterOptions{
		Addrs:           c.Addrs(),
		Password:        c.password,
		DialTimeout:     time.Second,
		DialerRetries:   1,
		MaxRetryBackoff: 50 * time.Millisecond,
		ReadTimeout:     5 * time.Second,
		WriteTimeout:    5 * time.Second,
		DisableIdentity: true,
	}
}

// Client returns a cluster client, closed when the test ends.
func (c *Cluster) Client(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	cc := redis.NewClusterClient(c.ClusterOptions())
	tb.Cleanup(func() { _ = cc.Close() })
	return cc
}

// Flush deletes every key on every primary.
func (c *Cluster) Flush(tb testing.TB) {
	tb.Helper()
	cc := redis.NewClusterClient(c.ClusterOptions())
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		return m.FlushAll(ctx).Err()
	})
	if err != nil {
		tb.Fatalf("redistest: FLUSHALL on the cluster: %v", err)
	}
}

// Stop stops every node. Stopping twice does nothing.
func (c *Cluster) Stop() {
	for _, n := range c.nodes {
		n.Stop()
	}
}
