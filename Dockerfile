# Build: a static binary; go.mod and go.sum first, so the module download
# layer is reused until dependencies change.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/partnerbot ./cmd/partnerbot

# Run: no shell, no package manager, not root. Time zones are compiled
# into the binary; CA certificates come with the base image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/partnerbot /usr/local/bin/partnerbot
USER nonroot:nonroot
ENV LOG_FORMAT=json \
    HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
# The image has no curl: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/partnerbot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/partnerbot"]
