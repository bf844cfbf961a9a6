# syntax=docker/dockerfile:1
#
# loginflow with Node.js (which `loginflow test` runs the generated Actions in), as a non-root
# user, with loginflow as the entrypoint:
#
#   docker build -t loginflow .
#   docker run --rm -v "$PWD:/work" loginflow plan --all
#
# By default the binary is built here from source (Alpine's Rust targets musl, so it is static).
# The release workflow passes --build-arg BINARY_SOURCE=prebuilt to copy in the musl binaries it
# has already built and tested (docker-bin/linux-<arch>/loginflow) instead of building twice.
ARG BINARY_SOURCE=source

FROM rust:1.95-alpine3.22 AS source
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --profile dist --bin loginflow \
    && cp target/dist/loginflow /loginflow

FROM scratch AS prebuilt
ARG TARGETARCH
COPY docker-bin/linux-${TARGETARCH}/loginflow /loginflow

FROM ${BINARY_SOURCE} AS binary

FROM node:22-alpine3.22
COPY --from=binary --chmod=0755 /loginflow /usr/local/bin/loginflow
# The image's `node` user (uid 1000); plan, apply and test need no privileges.
USER node
WORKDIR /work
ENTRYPOINT ["loginflow"]
CMD ["--help"]
