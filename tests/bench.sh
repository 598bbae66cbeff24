#!/usr/bin/env bash
# Benchmarks fromscratch against the programs it replaces, all measured in this one run on this
# machine (absolute figures vary between machines; compare the ratios). Loopback only, bounded.
#   bash tests/bench.sh          # full: wrk 10 s x 3 rounds per case, 50 start-up runs (~4 min)
#   bash tests/bench.sh --short  # CI: wrk 2 s, 10 start-up runs
# Prints a Markdown table and writes it as JSON to target/bench/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10s runs=50 python_runs=10
if [ "${1:-}" = --short ]; then duration=2s runs=10 python_runs=3; fi

for tool in wrk nginx python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install -y wrk nginx-light python3)" >&2; exit 1; }
done

target=x86_64-unknown-linux-musl
cargo build -q --release --locked --target "$target" -p pyprompt -p dirserve -p cowserve
cargo build -q --release --locked -p fromscratch-tests --bin first-response
bin=target/$target/release
timer=target/release/first-response

work=$(mktemp -d /tmp/fromscratch-bench.XXXXXX)
chmod 755 "$work" # nginx's workers run as www-data
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The served tree: a 4 KiB file and a directory of 1,000 entries, aged so listings are settled.
www=$work/www
mkdir -p "$www/list"
head -c 4096 /dev/urandom >"$www/4k.bin"
for i in $(seq -w 1 1000); do echo "$i" >"$www/list/file-$i.txt"; done
touch -d '1 hour ago' "$www/list" "$www"
# The tutorial's cow page: `cowsay $(fortune) > index.html`, made once, served by python.
cowpage=$work/cowpage
mkdir -p "$cowpage"
"$bin/cowserve" cowsay "$("$bin/cowserve" fortune)" >"$cowpage/index.html"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.025; done; return 1; }

results=()
record() { results+=("$1|$2|$3|$4"); } # section|subject|metric|value
# The median of the numbers on stdin (median_of COUNT).
median_of() { tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n "$((($1 + 1) / 2))p"; }

# Sizes.
for program in pyprompt dirserve cowserve; do
  record size "$program" "binary bytes" "$(stat -c %s "$bin/$program")"
done
docker_cmd=${DOCKER:-/usr/bin/docker}
if "$docker_cmd" version >/dev/null 2>&1; then
  # The default (stable) images, and the min-size flavour where the tests built it.
  for image in alpine2 alpine_web cowserve alpine2:min alpine_web:min cowserve:min; do
    if "$docker_cmd" image inspect "$image" >/dev/null 2>&1; then
      record size "$image image" "bytes" "$("$docker_cmd" image inspect -f '{{.Size}}' "$image")"
    fi
  done
fi

# Start to first 200, natively.
port=$(free_port)
read -r med min max < <("$timer" "$runs" "$port" -- "$bin/dirserve" -q -b 127.0.0.1 -d "$www" "$port")
record startup dirserve "median / min / max µs ($runs runs)" "$med / $min / $max"
port=$(free_port)
read -r med min max < <("$timer" "$python_runs" "$port" -- python3 -m http.server -b 127.0.0.1 -d "$www" "$port")
record startup "python3 -m http.server" "median / min / max µs ($python_runs runs)" "$med / $min / $max"

port=$(free_port)
read -r med min max < <("$timer" "$runs" "$port" -- "$bin/cowserve" -q -b 127.0.0.1 "$port")
record startup cowserve "median / min / max µs ($runs runs)" "$med / $min / $max"
port=$(free_port)
read -r med min max < <("$timer" "$python_runs" "$port" -- python3 -m http.server -b 127.0.0.1 -d "$cowpage" "$port")
record startup "python3 -m http.server, static cow page" "median / min / max µs ($python_runs runs)" "$med / $min / $max"

# The servers under load.
dport=$(free_port)
"$bin/dirserve" -q -b 127.0.0.1 -d "$www" "$dport" >/dev/null &
pids+=($!) dpid=$!
pport=$(free_port)
python3 -m http.server -b 127.0.0.1 -d "$www" "$pport" >/dev/null 2>&1 &
pids+=($!)
cport=$(free_port)
"$bin/cowserve" -q -b 127.0.0.1 "$cport" >/dev/null &
pids+=($!) cpid=$!
cpport=$(free_port)
python3 -m http.server -b 127.0.0.1 -d "$cowpage" "$cpport" >/dev/null 2>&1 &
pids+=($!)
nport=$(free_port)
cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log /dev/null;
events { worker_connections 1024; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  server { listen 127.0.0.1:$nport; root $www; autoindex on; }
}
NGINX
nginx -c "$work/nginx.conf"
wait_port "$dport" && wait_port "$pport" && wait_port "$nport" && wait_port "$cport" && wait_port "$cpport"

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
record memory dirserve "idle RSS KiB" "$(rss "$dpid")"
record memory cowserve "idle RSS KiB" "$(rss "$cpid")"

# Requests per second, or a failure if any answer was not a 2xx (a 403 is fast, and no result).
rps() {
  local out
  out=$(wrk -t2 -c50 -d"$duration" "$1")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "bench: $1 answered errors: $out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out"
}
# Three rounds, the servers taking turns within each, so drift in the machine's load hits all
# alike; the median round is reported.
rounds=3
for case in "4 KiB file|/4k.bin|dirserve=$dport,nginx (2 workers + autoindex)=$nport,python3 -m http.server=$pport" \
  "1,000-entry listing|/list/|dirserve=$dport,nginx (2 workers + autoindex)=$nport,python3 -m http.server=$pport" \
  "cow page, a fresh fortune each|/|cowserve=$cport,python3 -m http.server (static page)=$cpport"; do
  IFS='|' read -r name path servers <<<"$case"
  IFS=',' read -ra servers <<<"$servers"
  declare -A runs_of=()
  for _ in $(seq 1 $rounds); do
    for server in "${servers[@]}"; do
      runs_of[${server%%=*}]+="$(rps "http://127.0.0.1:${server#*=}$path") "
    done
  done
  for server in "${servers[@]}"; do
    subject=${server%%=*}
    record "wrk -t2 -c50 -d$duration, median of $rounds" "$subject" "$name rps" \
      "$(echo ${runs_of[$subject]} | median_of $rounds)"
  done
  unset runs_of
done
record memory dirserve "RSS KiB after the load" "$(rss "$dpid")"
record memory cowserve "RSS KiB after the load" "$(rss "$cpid")"

# RSS with 100 keep-alive connections open.
python3 - "$dport" "$dpid" <<'PY' >"$work/rss100"
import socket, sys
port, pid = int(sys.argv[1]), sys.argv[2]
conns = []
for _ in range(100):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /4k.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    conns.append(s)
for s in conns:
    got = b""
    while len(got) < 4096 or b"\r\n\r\n" not in got:
        got += s.recv(65536)
print(next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")))
PY
record memory dirserve "RSS KiB with 100 keep-alive connections" "$(cat "$work/rss100")"

# In Docker: `docker run` to the first 200, and `docker stop` (SIGTERM; python's images wait out
# the 10 s grace period), medians.
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# docker_run_and_stop SUBJECT IMAGE RUNS: records both medians over RUNS runs.
docker_run_and_stop() {
  local subject=$1 image=$2 runs=$3 starts="" stops="" t0 id hostport
  for _ in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    id=$("$docker_cmd" run -d --rm -p 127.0.0.1::8000 "$image")
    hostport=$("$docker_cmd" port "$id" 8000/tcp | head -n 1)
    for _ in $(seq 1 1000); do
      curl -fso /dev/null "http://$hostport/" && break
      sleep 0.005
    done
    starts+="$(ms_since "$t0") "
    t0=$(date +%s%N)
    "$docker_cmd" stop "$id" >/dev/null
    stops+="$(ms_since "$t0") "
  done
  record docker "$subject" "docker run to first 200, ms (median of $runs)" "$(echo $starts | median_of "$runs")"
  record docker "$subject" "docker stop, ms (median of $runs)" "$(echo $stops | median_of "$runs")"
}
if "$docker_cmd" version >/dev/null 2>&1; then
  for image in alpine_web cowserve; do
    "$docker_cmd" image inspect "$image" >/dev/null 2>&1 && docker_run_and_stop "$image" "$image" 5
  done
  # The tutorials' own images cannot be pulled here: their published sizes, marked as quoted.
  record size "python:3.6 (the cowserve tutorial's base)" "bytes, quoted, not measured" "about 900 MB"
  record size "alpine + bash + python3 (alpine2)" "bytes, quoted, not measured" "about 60 MB"
  # The tutorials' python images, as a local stand-in built from Debian's python3; each stop
  # takes the full 10 s grace period, so fewer runs.
  bash docker/python-standin.sh >/dev/null
  python_image=fromscratch/python-standin:local
  record size "python3 stand-in image (Debian python3, http.server)" "bytes" \
    "$("$docker_cmd" image inspect -f '{{.Size}}' "$python_image")"
  python_runs=3
  [ "$duration" = 2s ] && python_runs=1
  docker_run_and_stop "python3 stand-in" "$python_image" "$python_runs"

  if "$docker_cmd" image inspect alpine2 >/dev/null 2>&1; then
    # ms to end a container waiting for a name with `docker stop`, or `docker kill` and `wait`
    # (stop itself waits), median of 5 runs.
    end_alpine2() {
      local action=$1 times="" id t0
      for _ in 1 2 3 4 5; do
        id=$("$docker_cmd" run -d -i --rm alpine2)
        sleep 0.2
        t0=$(date +%s%N)
        "$docker_cmd" "$action" "$id" >/dev/null
        [ "$action" = stop ] || "$docker_cmd" wait "$id" >/dev/null 2>&1 || true
        times+="$(ms_since "$t0") "
      done
      echo $times | median_of 5
    }
    record docker alpine2 "docker stop while it waits for a name, ms (median of 5)" "$(end_alpine2 stop)"
    # The floor: SIGKILL needs no cooperation, so this is Docker's own teardown time.
    record docker "Docker itself" "docker kill + wait, the floor, ms (median of 5)" "$(end_alpine2 kill)"
  fi
fi

# Report.
mkdir -p target/bench
{
  echo "| section | subject | metric | value |"
  echo "|---|---|---|---|"
  for r in "${results[@]}"; do IFS='|' read -r a b c d <<<"$r"; echo "| $a | $b | $c | $d |"; done
} | tee target/bench/results.md
printf '%s\n' "${results[@]}" | python3 -c '
import json, sys, platform, os, datetime
rows = [dict(zip(("section", "subject", "metric", "value"), l.rstrip("\n").split("|"))) for l in sys.stdin]
print(json.dumps({"date": datetime.datetime.utcnow().isoformat(timespec="seconds") + "Z",
  "machine": f"{os.cpu_count()} cores, {platform.machine()}, Linux {platform.release()}",
  "results": rows}, indent=1, ensure_ascii=False))' >target/bench/results.json
echo "bench: wrote target/bench/results.md and target/bench/results.json"
