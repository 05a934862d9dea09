package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/internal/metrics"
	"github.com/partnerbot/partnerbot/internal/web"
	"github.com/partnerbot/partnerbot/store"
)

// startHTTP serves the public endpoints on HTTP_ADDR (site's, and the
// photos of posts under /media/ from media) and, when
// METRICS_ADDR is set, /metrics on that address alone, until stop is called
// or ctx ends; stop returns once both servers have shut down. Both
// addresses are bound before it returns, so a busy one stops the start
// with an error naming its variable. onHTTP and onMetrics, when set, are
// told the bound addresses (tests use port 0).
//
// With METRICS_ADDR set, site's Registry is cleared: the public listener
// must not serve metrics.
func startHTTP(ctx context.Context, cfg Config, site *web.Server, media *web.Media, mets *metrics.Metrics, log *slog.Logger,
	onHTTP, onMetrics func(addr string)) (stop func(), err error) {
	var public, private net.Listener
	if cfg.HTTPAddr != "" {
		if public, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return nil, fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
		}
	}
	if cfg.MetricsAddr != "" {
		if private, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			if public != nil {
				public.Close()
			}
			return nil, fmt.Errorf("METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		site.Registry = nil
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	serve := func(name string, ln net.Listener, h http.Handler, told func(string)) {
		if told != nil {
			told(ln.Addr().String())
		}
		wg.Go(func() {
			if err := web.ServeListener(ctx, ln, h, log); err != nil {
				log.Error(name+" server stopped", "err", err)
			}
		})
	}
	if public != nil {
		serve("http", public, publicHandler(site, media), onHTTP)
	}
	if private != nil {
		serve("metrics", private, web.MetricsHandler(mets.Registry), onMetrics)
	}
	return func() { cancel(); wg.Wait() }, nil
}

// publicHandler adds the photos of posts (/media/) to site's endpoints.
func publicHandler(site *web.Server, media *web.Media) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", site.Handler())
	mux.Handle("/media/", media)
	return mux
}

// What the photo handler needs, checked where it is wired.
var (
	_ web.PostSource = store.Store(nil)
	_ web.MediaCache = store.Store(nil)
	_ web.Downloader = (*telegram.Client)(nil)
)
