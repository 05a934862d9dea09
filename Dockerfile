# Build: a static binary; go.mod and go.sum first, so the module download
# layer is reused until dependencies change.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/partnerbot ./cmd/partnerbot
# The embedded store's directory, created here: the runtime image has no shell.
RUN mkdir -p /out/state

# Run: no shell, no package manager, not root. Time zones are compiled
# into the binary; CA certificates come with the base image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/partnerbot /usr/local/bin/partnerbot
COPY --from=build --chown=nonroot:nonroot /out/state /home/nonroot/state
USER nonroot:nonroot
ENV LOG_FORMAT=json \
    HTTP_ADDR=0.0.0.0:8080 \
    STATE_DIR=/home/nonroot/state
# The embedded store's file, when REDIS_URL is empty: mount a volume here.
VOLUME /home/nonroot/state
EXPOSE 8080
# The image has no curl: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/partnerbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/partnerbot"]
