# eksemu — local emulator of Amazon EKS access control.
#   docker compose up          (see docker-compose.yml)
#   docker build -t eksemu .
#
# Build stage: cgo is required (SQLite through mattn/go-sqlite3, also used by kine).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/eksemu ./cmd/eksemu \
 && mkdir -p /out/data

# Final stage: glibc (for the cgo binary) and nothing else; no shell, non-root.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/eksemu /usr/local/bin/eksemu
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV EKSEMU_LISTEN=0.0.0.0:4750 \
    EKSEMU_DATA_DIR=/data \
    EKSEMU_CLUSTER_BIND_ADDRESS=0.0.0.0 \
    EKSEMU_CLUSTER_PORTS=4751-4760
VOLUME ["/data"]
# 4750: the AWS APIs; 4751-4760: one Kubernetes API per cluster.
EXPOSE 4750 4751-4760
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD ["/usr/local/bin/eksemu", "health"]
ENTRYPOINT ["/usr/local/bin/eksemu"]
