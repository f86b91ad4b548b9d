# graphgate's container image: a static binary on an empty base, running as
# an unprivileged user, its data (database, CA, certificates) in a volume.
#
#   docker build -t graphgate .
#   docker run -d --name graphgate -p 8443:8443 -v graphgate-data:/data graphgate
#
# scripts/image builds it and smoke-tests it (healthy, a token request).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: graphgate needs no C (modernc's SQLite is pure Go), so the
# binary is static and runs on an empty image.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/graphgate ./cmd/graphgate \
 && mkdir -p /out/data

FROM scratch
COPY --from=build /out/graphgate /graphgate
# The data folder belongs to the unprivileged user (65532, distroless's
# "nonroot"); graphgate keeps it owner-only.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# GRAPHGATE_TLS_NAME adds names to the server certificate (comma-separated):
# give the container's host name when other containers call it by name,
#   docker run --hostname graphgate -e GRAPHGATE_TLS_NAME=graphgate …
ENV GRAPHGATE_DATA=/data \
    GRAPHGATE_ADDR=0.0.0.0:8443
VOLUME /data
EXPOSE 8443
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/graphgate", "healthcheck"]
ENTRYPOINT ["/graphgate"]
CMD ["serve"]
