# Spoke in a container: built in a Rust image, run from a small Debian one
# as a user without privileges.
#
#   docker build -t spoke .
#   docker run -p 8080:8080 -v spoke-data:/var/lib/spoke spoke
#
# The first start prints the default portal's token and the admin token
# (`docker logs`). On PostgreSQL: compose.yaml.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p spoke \
 && cp target/release/spoke /spoke \
 && strip /spoke

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/spoke --create-home spoke
COPY --from=build /spoke /usr/local/bin/spoke
USER spoke
WORKDIR /var/lib/spoke
VOLUME ["/var/lib/spoke"]
ENV SPOKE_LISTEN=0.0.0.0:8080 \
    SPOKE_DATA_DIR=/var/lib/spoke
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["spoke"]
CMD ["serve"]
