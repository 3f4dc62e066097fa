# Sourced by the bench scripts: builds release binaries and starts a fresh
# Spoke with the embedded defaults on a free port, in a temporary data dir.
# Sets SPOKE_ADDR, SPOKE_TOKEN, SPOKE_PID, SPOKE_DATA; stops Spoke on exit.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --release --manifest-path "$root/Cargo.toml" -p spoke -p spoke-bench
SPOKE_DATA=$(mktemp -d)
SPOKE_TOKEN="bench-token-$(date +%s)-$$"
SPOKE_BOOTSTRAP_TOKEN=$SPOKE_TOKEN "$root/target/release/spoke" serve \
  --listen 127.0.0.1:0 --data-dir "$SPOKE_DATA" >"$SPOKE_DATA/stdout" 2>"$SPOKE_DATA/stderr" &
SPOKE_PID=$!
trap 'kill -TERM $SPOKE_PID 2>/dev/null || true; wait $SPOKE_PID 2>/dev/null || true; rm -rf "$SPOKE_DATA"' EXIT
for _ in $(seq 1 100); do
  SPOKE_ADDR=$(grep -o '127.0.0.1:[0-9]*' "$SPOKE_DATA/stdout" 2>/dev/null | head -n 1 || true)
  [ -n "$SPOKE_ADDR" ] && break
  sleep 0.1
done
[ -n "$SPOKE_ADDR" ] || { cat "$SPOKE_DATA/stderr" >&2; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "spoke $SPOKE_ADDR (pid $SPOKE_PID), data in $SPOKE_DATA, default settings (SQLite synchronous=full, log level info)"
