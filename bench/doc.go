// Package bench holds the delivery benchmark of issue #4: planning,
// draining and pacing digests for 10,000 and 100,000 subscribers against a
// real redis-server and the fake Bot API. See README.md for the command;
// the benchmark prints figures and asserts no timings.
package bench
