package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/boltstore"
	"github.com/partnerbot/partnerbot/store/dump"
	"github.com/partnerbot/partnerbot/store/pacing"
	"github.com/partnerbot/partnerbot/store/redisstore"
)

// backend is the storage the bot runs on: Redis when it is configured,
// else the embedded file under STATE_DIR.
type backend interface {
	store.Store
	dump.Exporter
	dump.Importer
}

// openBackend opens the configured storage. Redis is waited for with
// backoff; the embedded file either opens at once or fails (a second
// process holding it will not let go by itself).
func openBackend(ctx context.Context, cfg Config, log *slog.Logger) (backend, *pacing.Limiter, error) {
	if !cfg.usesRedis() {
		path := filepath.Join(cfg.StateDir, boltstore.DefaultFileName)
		st, err := boltstore.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("STATE_DIR: %w", err)
		}
		log.Info("storage: embedded file", "path", path)
		return st, pacing.New(st.Buckets(), pacing.Config{Rate: cfg.SendRate, Private: cfg.PrivateLimit, Group: cfg.GroupLimit}), nil
	}
	st, err := retry(ctx, log, cfg, "redis", func() (*redisstore.Store, error) {
		s, err := redisstore.OpenConn(ctx, cfg.redisConn(), redisstore.WithLogger(log), redisstore.WithMinReplicas(cfg.MinReplicas, 0))
		if err != nil && !errors.Is(err, store.ErrUnavailable) {
			return nil, permanent{err} // a wrong password will not fix itself
		}
		if errors.Is(err, io.EOF) && cfg.Redis.TLS == nil && !strings.HasPrefix(cfg.RedisURL, "rediss://") {
			// A TLS-only server closes a plain connection at once, which
			// looks like a server going away: say what may be missing.
			err = fmt.Errorf("%w (the server closed the connection at once: if it speaks TLS, set REDIS_TLS=true, or use rediss:// in REDIS_URL)", err)
		}
		return s, err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("redis: migrate key layout: %w", err)
	}
	log.Info("storage: redis", "via", cfg.redisVia())
	return st, pacing.New(st.Buckets(), pacing.Config{Rate: cfg.SendRate, Private: cfg.PrivateLimit, Group: cfg.GroupLimit}), nil
}
