# Build: a static binary, module downloads cached in their own layer.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/partnerbot ./cmd/partnerbot

# Run: no shell, no package manager, not root. Time zones and CA
# certificates: tzdata is compiled into the binary, certificates come with
# the base image.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/partnerbot /usr/local/bin/partnerbot
USER nonroot:nonroot
ENV LOG_FORMAT=json
ENTRYPOINT ["/usr/local/bin/partnerbot"]
