#!/bin/bash
# One measured run of `ltc load` against a fresh `ltc demo` served over a fresh nats-server, with
# what each process spent: CPU seconds of `ltc serve`, nats-server and `ltc load`, and the bytes `ltc serve`
# wrote to disk (/proc/PID/io write_bytes: the WAL and its checkpoints).
#
# usage: benches/scripts/nats-load.sh RATE [ROLE] [LOAD ARGS...]
#   RATE   commands per second asked of `ltc load` (10 s, concurrency 64, the full mix)
#   ROLE   command (default), all or split: `ltc serve --role command`, every part in one
#          process, or two processes on the same directory (the command role; the relay,
#          projectors and queries), whose CPU is given as the sum and each; or floor:
#          `nats_floor` (benches/nats_floor.rs) in place of `ltc serve`, one durable append and
#          a reply per request, the least any durable command service does (its CPU is on the
#          `ltc serve` line); FLOOR_MODE=normal drops the fsync, FLOOR_MODE=none the store
#   LTC_BIN=path/to/ltc to compare builds (default: target/release/ltc); NATS_PORT (14222)
#   LOAD ARGS go to `ltc load` as they are, e.g. --lag or --ids v7
#   PERF_OUT=file.data: also record `ltc serve` (both processes when split) with `perf record`
#   (999 Hz, call graphs from frame pointers) during the load; PERF_CALL_GRAPH=dwarf,16384 for
#   whole stacks (the release build keeps no frame pointers, so `fp` stacks stop early);
#   per thread: `perf report -i file.data --sort pid` (tid:name), then `--tid T --sort sym`
#   LOAD_PREFIX="chrt -f 10": a command to run `ltc load` under
#   KEEP_WORK=1: keep the run's directory (/tmp/ltc-nats-load.*: the store, the logs)
#   (--lag needs the query service, so it means nothing with `floor`)
set -eu
RATE=$1; ROLE=${2:-command}; shift $(( $# < 2 ? $# : 2 ))
BIN=${LTC_BIN:-target/release/ltc}
PORT=${NATS_PORT:-14222}
SERVE=""; SERVE2=""; NATS=""
WORK=$(mktemp -d /tmp/ltc-nats-load.XXXX)
# `ltc serve` drains through NATS on SIGTERM: stop it before nats-server.
stop() {
  [ -n "$SERVE" ] && kill $SERVE 2>/dev/null && { wait $SERVE 2>/dev/null || true; }
  [ -n "$SERVE2" ] && kill $SERVE2 2>/dev/null && { wait $SERVE2 2>/dev/null || true; }
  [ -n "$NATS" ] && kill $NATS 2>/dev/null && { wait $NATS 2>/dev/null || true; }
  [ -n "${KEEP_WORK:-}" ] || rm -rf $WORK
}
trap stop EXIT
nats-server -a 127.0.0.1 -p $PORT -js -sd $WORK/nats > $WORK/nats.log 2>&1 &
NATS=$!
# Up to 5 s for nats-server to listen: the floor connects at once.
listening() { (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null; }
for _ in $(seq 50); do listening && break; sleep 0.1; done
listening || { echo "nats-server is not listening on $PORT:" >&2; cat $WORK/nats.log >&2; exit 1; }
if [ "$ROLE" = floor ]; then
  "${FLOOR_BIN:-target/release/nats_floor}" nats://127.0.0.1:$PORT $WORK/d ${FLOOR_MODE:-full} > $WORK/serve.log 2>&1 &
  SERVE=$!
else
  "$BIN" demo --data $WORK/d > /dev/null
  ROLE_ARGS=(--role "$ROLE"); [ "$ROLE" = all ] && ROLE_ARGS=(); [ "$ROLE" = split ] && ROLE_ARGS=(--role command)
  RUST_LOG=warn "$BIN" serve --data $WORK/d --nats nats://127.0.0.1:$PORT "${ROLE_ARGS[@]}" > $WORK/serve.log 2>&1 &
  SERVE=$!
fi
if [ "$ROLE" = split ]; then
  RUST_LOG=warn "$BIN" serve --data $WORK/d --nats nats://127.0.0.1:$PORT --role relay --role projector --role query > $WORK/serve2.log 2>&1 &
  SERVE2=$!
fi
sleep 3
# A server that died at start (not built, port taken) would leave the load with nobody to answer.
for P in $SERVE $SERVE2; do
  if ! kill -0 $P 2>/dev/null || [ "$(awk '{ print $3 }' /proc/$P/stat)" = Z ]; then
    echo "the server under test stopped at start:" >&2; cat $WORK/serve*.log >&2; exit 1
  fi
done
cpu() { if [ -n "$1" ]; then awk '{ print ($14 + $15) / 100 }' /proc/$1/stat; else echo 0; fi; }
written() { awk '/^write_bytes/ { print $2 }' /proc/$1/io; }
S0=$(cpu $SERVE); T0=$(cpu "$SERVE2"); N0=$(cpu $NATS); W0=$(written $SERVE)
PERF=""
if [ -n "${PERF_OUT:-}" ]; then
  perf record -F 999 --call-graph "${PERF_CALL_GRAPH:-fp}" -o "$PERF_OUT" -p $SERVE${SERVE2:+,$SERVE2} > $WORK/perf.log 2>&1 &
  PERF=$!
fi
/usr/bin/time -f "%U %S" -o $WORK/load.time \
  ${LOAD_PREFIX:-} "$BIN" load --nats nats://127.0.0.1:$PORT --rate "$RATE" --duration 10 --concurrency 64 --mix full "$@"
S1=$(cpu $SERVE); T1=$(cpu "$SERVE2"); N1=$(cpu $NATS); W1=$(written $SERVE)
if [ -n "$PERF" ]; then kill -INT $PERF; wait $PERF || true; fi
L=$(awk '{ print $1 + $2 }' $WORK/load.time)
[ -n "$SERVE2" ] && echo "  ltc serve CPU: command role $(echo "$S1 - $S0" | bc) s, relay + projectors + queries $(echo "$T1 - $T0" | bc) s (the sum below)"
echo "  ltc serve CPU $(echo "$S1 - $S0 + $T1 - $T0" | bc) s, nats-server CPU $(echo "$N1 - $N0" | bc) s, ltc load CPU $L s, ltc serve wrote $(( (W1 - W0) / 1000000 )) MB"
