// Package bench holds the delivery benchmark of issues #4 and #6: planning,
// draining and pacing digests for 10,000 to 100,000 subscribers, on a real
// redis-server and on the embedded store (bbolt), against the fake Bot API
// and a lean stub. See README.md for the command; the benchmark prints
// figures and asserts no timings.
package bench
