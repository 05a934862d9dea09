package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// healthcheck asks the running bot's /healthz; the container's HEALTHCHECK
// runs it, since the image has no shell or curl.
func healthcheck(lookup func(string) (string, bool), stderr io.Writer) int {
	addr := "127.0.0.1:8080"
	if v, ok := lookup("HTTP_ADDR"); ok {
		addr = strings.TrimSpace(v)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || addr == "" {
		fmt.Fprintln(stderr, "healthcheck: HTTP_ADDR is empty or not host:port; the HTTP server is off")
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: /healthz answered %d\n", resp.StatusCode)
		return 1
	}
	return 0
}
