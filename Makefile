# partnerbot — `make test` is the one command that checks everything; CI runs it.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: test check unit redis build run fuzz

## test: everything CI checks — redis-server present, gofmt, go vet, staticcheck, tests with -race
## (the end-to-end suite runs twice: on Redis and on the embedded store)
test: redis check unit

## redis: the tests start their own redis-server processes (single servers, Sentinels as
## `redis-server <conf> --sentinel`, a cluster made with redis-cli); install them when missing
redis:
	@{ command -v redis-server && command -v redis-cli; } >/dev/null 2>&1 || { \
	  echo "redis-server or redis-cli not found: installing them with apt-get"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools) || \
	  { echo "could not install redis-server and redis-cli; install them by hand (Debian/Ubuntu: apt-get install redis-server redis-tools, macOS: brew install redis)"; exit 1; }; }

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run $(STATICCHECK) ./...

unit:
	go test -race -count=1 ./...
	PARTNERBOT_TEST_BACKEND=bolt go test -race -count=1 ./cmd/partnerbot

## build: the same static binary the Dockerfile builds
build:
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o bin/partnerbot ./cmd/partnerbot

## run: the bot (embedded store in ./data unless REDIS_URL is set)
run:
	go run ./cmd/partnerbot

## fuzz: a short round of every fuzz target
fuzz:
	go test -run=^$$ -fuzz=FuzzParseCommand -fuzztime=20s ./bot
	go test -run=^$$ -fuzz=FuzzDecodeCallback -fuzztime=20s ./bot
	go test -run=^$$ -fuzz=FuzzParseRSVPArg -fuzztime=20s ./bot/render
	go test -run=^$$ -fuzz=FuzzParse -fuzztime=20s ./data
	go test -run=^$$ -fuzz=FuzzParseClock -fuzztime=20s ./store
