# The x0tta6bl4 node image, for building with Docker (CI tries the classic builder):
#
#   docker build --build-arg VERSION=$(git describe --always --dirty) -t x0tta6bl4:local .
#
# It needs the golang image from a registry, which this project's own machines cannot reach: CI
# builds the same file layout without Docker or a registry (.ci/image/build), twice, and checks
# one digest; it also builds this file against a local stand-in for the golang image and requires
# the same binary, file modes and configuration (.ci/image/run-check). See docs/images.md, also
# for pinning the golang image by digest.
#
# The result: the static binary at /usr/local/bin/x0tta6bl4 on an empty base (no shell, no libc),
# run as nonroot (65532:65532). It writes only where its configuration says (healing.knowledge),
# so it runs with a read-only root filesystem: mount the configuration at /etc/x0tta6bl4 (read
# only) and a volume at /var/lib/x0tta6bl4 for the state.

ARG GO_VERSION=1.26.10

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# The toolchain of the image, never one downloaded at build time.
ENV CGO_ENABLED=0 GOOS=linux GOTOOLCHAIN=local GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY cmd ./cmd
COPY internal ./internal
ARG VERSION=dev
# Reproducible: no paths, no VCS stamp, no build ID.
RUN go build -trimpath -buildvcs=false -ldflags "-s -w -buildid= -X main.version=${VERSION}" \
        -o /rootfs/usr/local/bin/x0tta6bl4 ./cmd/x0tta6bl4 \
    && mkdir -p /rootfs/etc/x0tta6bl4 /rootfs/tmp /rootfs/var/lib/x0tta6bl4 \
    && printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/var/lib/x0tta6bl4:/sbin/nologin\n' >/rootfs/etc/passwd \
    && printf 'root:x:0:\nnonroot:x:65532:\n' >/rootfs/etc/group \
    && chmod 0555 /rootfs/usr/local/bin/x0tta6bl4 \
    && chmod 1777 /rootfs/tmp \
    && chmod 0700 /rootfs/var/lib/x0tta6bl4 \
    && chown 65532:65532 /rootfs/var/lib/x0tta6bl4

FROM scratch
ARG VERSION=dev
# Everything belongs to root but the state directory, which belongs to nonroot.
COPY --from=build /rootfs/ /
COPY --from=build --chown=65532:65532 /rootfs/var/lib/x0tta6bl4 /var/lib/x0tta6bl4
LABEL org.opencontainers.image.title="x0tta6bl4" \
      org.opencontainers.image.description="Self-healing post-quantum mesh network node" \
      org.opencontainers.image.source="https://github.com/x0tta6bl4/x0tta6bl4" \
      org.opencontainers.image.version="${VERSION}"
ENV PATH=/usr/local/bin
USER 65532:65532
WORKDIR /var/lib/x0tta6bl4
# The mesh transport (UDP; config listen) and the HTTP API with /healthz and /readyz (TCP; config
# api.listen, which needs api.token_file when it is not a loopback address).
EXPOSE 7000/udp 7100/tcp
ENTRYPOINT ["/usr/local/bin/x0tta6bl4"]
CMD ["node", "--config", "/etc/x0tta6bl4/node.yaml"]
