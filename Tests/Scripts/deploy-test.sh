#!/usr/bin/env bash
# The deployment as an operator makes it, on loopback (`make test-deploy`, the last step of
# `make test`):
#   1. `make install` into a temporary PREFIX (CONFIGURATION=debug: the build the tests made),
#      and the installed layout, units and environment file checked (the units with
#      `systemd-analyze verify` when it is there);
#   2. the installed `playhouse serve`, started from another folder with the example
#      environment file, in a sandbox like the unit's when this runs as root: the build
#      folder hidden (so the resources must come from the install), the file system
#      read-only but for the state folder, /home hidden, no capabilities, no new privileges;
#   3. nginx with deploy/nginx/playhouse.conf, rendered for loopback ports and a
#      self-signed certificate, run as this user from a private prefix;
#   4. through nginx over HTTPS: the redirect from HTTP, X-Request-ID, the host check and a
#      browser-style sign-in, the pages, a job launched and its event stream followed with
#      events arriving while it runs (nothing buffered) and `event: end` saying successful;
#   5. SIGTERM to serve alone (what KillMode=mixed sends) while a job runs: it stops the
#      run, leaves no process behind and exits cleanly within the unit's TimeoutStopSec.
# Everything it starts is stopped by PID on any exit. KEEP=1 keeps the temporary folder;
# CONFIGURATION=release (`make test-deploy CONFIGURATION=release`) installs the release build.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
MAKE=${MAKE:-make}
CONFIGURATION=${CONFIGURATION:-debug}
NAME=playhouse.example.com
T=""
INSTALL_PID="" SERVE_PID="" NGINX_PID="" CURL_PID="" STAMP_PID=""
FAILED=1

say() { printf '%s\n' "deploy-test: $*"; }
ok() { printf '%s\n' "deploy-test: ok: $*"; }
fail() {
    printf '%s\n' "deploy-test: FAILED: $*" >&2
    exit 1
}

# Stops a process we started: SIGTERM (or $2), then SIGKILL after $3 seconds.
stop_pid() {
    local pid=$1 signal=${2:-TERM} grace=${3:-10}
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -s "$signal" "$pid" 2>/dev/null || true
    for _ in $(seq $((grace * 10))); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -s KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Processes whose environment or command line names the runs folder of our serve: what
# its runs started (ansible-playbook, its forks and ssh carry their run directory's paths).
leftovers() {
    local pid found=""
    [ -n "$T" ] || return 0
    for dir in /proc/[0-9]*; do
        pid=${dir#/proc/}
        [ "$pid" = $$ ] && continue
        if grep -qsF "$T/state/runs/" "$dir/environ" "$dir/cmdline" 2>/dev/null; then found="$found $pid"; fi
    done
    printf '%s' "${found# }"
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    if [ -n "$INSTALL_PID" ]; then
        kill -TERM -- "-$INSTALL_PID" 2>/dev/null
        wait "$INSTALL_PID" 2>/dev/null
    fi
    stop_pid "$CURL_PID" TERM 2
    stop_pid "$STAMP_PID" TERM 2
    stop_pid "$SERVE_PID" TERM 20
    stop_pid "$NGINX_PID" QUIT 10
    local left
    left=$(leftovers)
    if [ -n "$left" ]; then
        say "killing processes left under $T: $left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null
    fi
    if [ "$FAILED" = 1 ] && [ -n "$T" ] && [ -d "$T" ]; then
        for log in "$T/serve.log" "$T/nginx/error.log" "$T/stream.txt"; do
            [ -s "$log" ] || continue
            printf '%s\n' "----- last lines of $log" >&2
            tail -n 40 "$log" >&2
        done
    fi
    if [ -n "$T" ] && [ -d "$T" ]; then
        if [ "${KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
    fi
    [ "$FAILED" = 1 ] && [ "$status" = 0 ] && status=1
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for tool in nginx openssl curl; do
    command -v "$tool" >/dev/null || fail "$tool is missing: run make test-setup (it installs nginx, openssl and curl)"
done
PY="$REPO/.venv/bin/python"
[ -x "$REPO/.venv/bin/ansible-playbook" ] || fail "no Ansible in $REPO/.venv: run make setup"

T=$(mktemp -d "${TMPDIR:-/tmp}/playhouse-deploy.XXXXXX")
T=$(cd "$T" && pwd -P)
# nginx's workers run as nobody when it starts as root: they must reach its folder.
chmod 0755 "$T"
PREFIX="$T/prefix"
STATE="$T/state"
N="$T/nginx"
mkdir -p "$STATE" "$N/tmp" "$T/cwd"
chmod 0700 "$STATE"

# ---- 1. make install --------------------------------------------------------------------
say "make install PREFIX=$PREFIX CONFIGURATION=$CONFIGURATION"
# In a process group of its own, waited for in the background, so that a stop of this
# script (which may come while the build waits for another one's lock) ends the build too.
setsid "$MAKE" --no-print-directory -C "$REPO" install PREFIX="$PREFIX" CONFIGURATION="$CONFIGURATION" &
INSTALL_PID=$!
wait "$INSTALL_PID" || fail "make install PREFIX=$PREFIX CONFIGURATION=$CONFIGURATION failed"
INSTALL_PID=""
BIN="$PREFIX/bin/playhouse"
LIB="$PREFIX/lib/playhouse"
SHARE="$PREFIX/share/playhouse"
[ -L "$BIN" ] && [ "$(readlink -f "$BIN")" = "$LIB/playhouse" ] || fail "$BIN is not a link to $LIB/playhouse"
[ -x "$LIB/playhouse" ] || fail "$LIB/playhouse is not executable"
for file in playhouse_PlayhouseServer.resources/public/index.html playhouse_PlayhouseServer.resources/openapi.json \
    playhouse_PlayhouseEngine.resources/callback_plugins/playhouse.py; do
    [ -f "$LIB/$file" ] || fail "the install lacks $LIB/$file"
done
[ -z "$(find "$LIB" -name __pycache__)" ] || fail "the install holds __pycache__ folders"
for file in systemd/playhouse.service systemd/playhouse-worker.service systemd/playhouse.env nginx/playhouse.conf \
    grafana-dashboard.json; do
    [ -f "$SHARE/$file" ] || fail "the install lacks $SHARE/$file"
done
for unit in playhouse.service playhouse-worker.service; do
    grep -qx "ExecStart=$BIN \(serve\|worker\)" "$SHARE/systemd/$unit" || fail "$unit's ExecStart does not name $BIN"
done
ok "installed: bin/playhouse -> lib/playhouse/playhouse, its two resource bundles, share/playhouse (units with ExecStart=$BIN)"

# Every setting the units and the environment file name (set or commented out) is one
# Playhouse reads: a misspelt name would be ignored without a word.
names=$(grep -ohE 'PLAYHOUSE_[A-Z0-9_]+' "$REPO/deploy/systemd/playhouse.env" "$REPO/deploy/systemd/"*.service | sort -u)
for name in $names; do
    grep -rqF "\"$name\"" "$REPO/Sources" || fail "$name (in deploy/systemd) is read nowhere in Sources/"
done
ok "every PLAYHOUSE_* name in deploy/systemd is a setting Playhouse reads ($(echo "$names" | wc -l) names)"

if command -v systemd-analyze >/dev/null; then
    for unit in playhouse.service playhouse-worker.service; do
        out=$(cd "$SHARE/systemd" && systemd-analyze verify "./$unit" 2>&1) || fail "systemd-analyze verify $unit: $out"
        [ -z "$out" ] || fail "systemd-analyze verify $unit warns: $out"
        exposure=$(systemd-analyze security --offline=yes "$SHARE/systemd/$unit" 2>/dev/null | grep -i 'overall exposure' || true)
        ok "systemd-analyze verify $unit: no complaint; ${exposure#→ }"
    done
else
    say "skipped: systemd-analyze is not installed, so the units were not verified"
fi

# ---- 2. the installed serve --------------------------------------------------------------
read -r APP_PORT HTTP_PORT HTTPS_PORT < <("$PY" -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
ORIGIN="https://$NAME:$HTTPS_PORT"
PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_hex(12))')

# The example environment file as systemd reads it: NAME=value lines, taken literally.
# The machine's paths and ports come as flags below, which win over it.
env_args=()
while IFS= read -r line; do env_args+=("$line"); done < <(grep -E '^[A-Z_][A-Z0-9_]*=' "$SHARE/systemd/playhouse.env")
# HOME is the state folder, as the playhouse user's home is. Ansible finds the "remote"
# temporary folder of a local connection through the user's entry in /etc/passwd
# (~root, read-only in the sandbox), so it is named here as that home would give it.
serve_env=(env "${env_args[@]}" HOME="$STATE" ANSIBLE_REMOTE_TMP="$STATE/.ansible/tmp" PLAYHOUSE_ADMIN_PASSWORD="$PASSWORD")
serve_args=(serve --port "$APP_PORT" --public-url "$ORIGIN" --database "$STATE/playhouse.sqlite"
    --secret-key-file "$STATE/secret.key" --runs-dir "$STATE/runs" --projects "$REPO/examples"
    --ansible-bin "$REPO/.venv/bin" --workers 2)

SANDBOX=0
if [ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null && command -v setpriv >/dev/null; then SANDBOX=1; fi

start_serve() {
    cd "$T/cwd"
    if [ "$SANDBOX" = 1 ]; then
        # A private mount namespace (nothing here is seen outside it), like the unit's: the
        # state folder and /tmp stay writable (Ansible needs a temporary folder: the unit
        # has PrivateTmp), the build folder and /home disappear, every other mount turns
        # read-only (this temporary folder too, the install in it included), and serve
        # runs with no capabilities and no_new_privs. /root stays readable: this machine's
        # .venv Python lives in /root/.pyenv.
        # shellcheck disable=SC2016
        unshare --mount --propagation private sh -c '
            set -e
            top=$1 state=$2 build=$3; shift 3
            mount --bind /tmp /tmp
            mount --bind "$top" "$top"
            mount --bind "$state" "$state"
            # The repository its own mount too, so it turns read-only below even when it
            # lies under /tmp (a CI clone), which stays writable.
            mount --bind "$(dirname "$build")" "$(dirname "$build")"
            [ -d "$build" ] && mount -t tmpfs -o ro,size=1m playhouse-hidden "$build"
            [ -d /home ] && mount -t tmpfs -o ro,size=1m playhouse-hidden /home
            findmnt -rn -o TARGET | while read -r target; do
                case "$target" in /proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /tmp | "$state") continue ;; esac
                mount -o remount,bind,ro "$target" 2>/dev/null || true
            done
            for probe in "$top/cwd/probe" "$(dirname "$build")/probe"; do
                if touch "$probe" 2>/dev/null; then echo "sandbox: $probe is writable" >&2; exit 90; fi
            done
            touch "$state/.probe" && rm "$state/.probe"
            exec setpriv --no-new-privs --bounding-set=-all --inh-caps=-all -- "$@"
        ' sandbox "$T" "$STATE" "$REPO/.build" "${serve_env[@]}" "$BIN" "${serve_args[@]}" >>"$T/serve.log" 2>&1 &
    else
        "${serve_env[@]}" "$BIN" "${serve_args[@]}" >>"$T/serve.log" 2>&1 &
    fi
    SERVE_PID=$!
    cd "$REPO"
}

# ---- 3. nginx ------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$NAME" -addext "subjectAltName=DNS:$NAME" \
    -keyout "$N/privkey.pem" -out "$N/fullchain.pem" 2>/dev/null || fail "openssl could not make a certificate"
chmod 0600 "$N/privkey.pem"
site="$N/playhouse.conf"
sed -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$APP_PORT;|" \
    -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$HTTP_PORT;|" \
    -e "s|^\( *\)listen 443 ssl|\1listen 127.0.0.1:$HTTPS_PORT ssl|" \
    -e '/listen \[::\]/d' \
    -e "s|https://\$host\$request_uri|https://\$host:$HTTPS_PORT\$request_uri|" \
    -e "s|/etc/ssl/playhouse/|$N/|" \
    "$REPO/deploy/nginx/playhouse.conf" >"$site"
# The rendering must have found every line it changes: the example may not drift from it.
for expect in "server 127.0.0.1:$APP_PORT;" "listen 127.0.0.1:$HTTP_PORT;" "listen 127.0.0.1:$HTTPS_PORT ssl" \
    "https://\$host:$HTTPS_PORT\$request_uri" "ssl_certificate $N/fullchain.pem;" "ssl_certificate_key $N/privkey.pem;"; do
    grep -qF "$expect" "$site" || fail "rendering deploy/nginx/playhouse.conf for the test found no line to make \"$expect\""
done
! grep -vE '^ *#' "$site" | grep -qE '8080|listen (80|443)|/etc/ssl/' || fail "the rendered site still holds a production port or path"
cat >"$N/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log info;
events { worker_connections 256; }
http {
    log_format playhouse '\$remote_addr "\$request" \$status \$request_id';
    access_log $N/access.log playhouse;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    include $site;
}
EOF
out=$(nginx -t -p "$N" -c "$N/nginx.conf" -e "$N/error.log" 2>&1) || fail "nginx -t refuses the rendered site: $out"
ok "deploy/nginx/playhouse.conf rendered for 127.0.0.1 ($HTTP_PORT, $HTTPS_PORT -> $APP_PORT); nginx -t accepts it"

start_serve
nginx -p "$N" -c "$N/nginx.conf" -e "$N/error.log" &
NGINX_PID=$!

# curl through nginx by the public name, checking the certificate.
https() { curl -sS --cacert "$N/fullchain.pem" --resolve "$NAME:$HTTPS_PORT:127.0.0.1" "$@"; }

for i in $(seq 600); do
    kill -0 "$SERVE_PID" 2>/dev/null || fail "playhouse serve exited at start (see its log below)"
    kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx exited at start (see its log below)"
    [ "$(https -o /dev/null -w '%{http_code}' "$ORIGIN/api/v1/health" 2>/dev/null)" = 200 ] && break
    [ "$i" = 600 ] && fail "no 200 from $ORIGIN/api/v1/health through nginx within 60 s"
    sleep 0.1
done
if [ "$SANDBOX" = 1 ]; then
    ok "installed serve started from $T/cwd in the sandbox (build folder and /home hidden, read-only but $STATE and /tmp, no capabilities, no_new_privs)"
else
    say "not root (or no unshare/setpriv): serve runs without the sandbox, and the build folder stays visible to it"
    ok "installed serve started from $T/cwd"
fi

# ---- 4. through nginx ----------------------------------------------------------------------
version=$(https -o /dev/null -w '%{http_version}' "$ORIGIN/api/v1/health")
ok "HTTPS through nginx with a verified certificate for $NAME (HTTP/$version)"

redirect=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --resolve "$NAME:$HTTP_PORT:127.0.0.1" \
    "http://$NAME:$HTTP_PORT/jobs?status=running")
[ "$redirect" = "301 $ORIGIN/jobs?status=running" ] || fail "http:// answered \"$redirect\", not a 301 to $ORIGIN/jobs?status=running"
ok "http:// redirects: $redirect"

request_id=$(https -D - -o /dev/null "$ORIGIN/api/v1/health" | tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii][Dd]: //p')
[[ "$request_id" =~ ^[0-9a-f]{32}$ ]] || fail "X-Request-ID came back as \"$request_id\", not nginx's \$request_id"
for _ in $(seq 50); do grep -qF "$request_id" "$N/access.log" && break; sleep 0.1; done
grep -qF "$request_id" "$N/access.log" || fail "X-Request-ID $request_id is not the one in nginx's access log"
ok "X-Request-ID $request_id: nginx's id, passed to Playhouse and sent back"

status=$(curl -sS -o /dev/null -w '%{http_code}' -k --resolve "other.example.com:$HTTPS_PORT:127.0.0.1" \
    "https://other.example.com:$HTTPS_PORT/api/v1/health")
[ "$status" = 421 ] || fail "a request for another host name through nginx got $status, not 421"
ok "another host name through the proxy gets 421 from Playhouse: only the public URL's host is served"

login=$(https -D - -o /dev/null -H "Origin: $ORIGIN" -H 'Content-Type: application/json' \
    -d "{\"name\":\"admin\",\"password\":\"$PASSWORD\"}" "$ORIGIN/api/v1/login" | tr -d '\r')
head -n 1 <<<"$login" | grep -q ' 200' || fail "signing in from the origin $ORIGIN answered: $(head -n 1 <<<"$login")"
grep -i '^set-cookie:' <<<"$login" | grep -qi '; *secure' || fail "the session cookie is not Secure: $(grep -i '^set-cookie:' <<<"$login")"
ok "sign-in from the browser origin $ORIGIN: 200 with a Secure cookie (PLAYHOUSE_SECURE_COOKIES from the env file)"

status=$(https -o "$T/login.html" -w '%{http_code}' "$ORIGIN/login")
[ "$status" = 200 ] && grep -q '<html' "$T/login.html" || fail "GET /login answered $status without the page"
https -o "$T/app.js" "$ORIGIN/assets/app.js"
cmp -s "$T/app.js" "$LIB/playhouse_PlayhouseServer.resources/public/app.js" \
    || fail "/assets/app.js differs from the installed bundle's public/app.js"
https -o "$T/openapi.json" "$ORIGIN/api/v1/openapi.json"
cmp -s "$T/openapi.json" "$LIB/playhouse_PlayhouseServer.resources/openapi.json" \
    || fail "/api/v1/openapi.json differs from the installed bundle's"
ok "the pages, /assets/app.js and /api/v1/openapi.json come from the installed bundle"

TOKEN=$(env "${env_args[@]}" "$BIN" tokens create admin --name deploy-test --database "$STATE/playhouse.sqlite" 2>>"$T/serve.log" \
    | tail -n 1)
[ -n "$TOKEN" ] || fail "playhouse tokens create admin printed no token"
api() { https -H "Authorization: Bearer $TOKEN" "$@"; }
field() { "$PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

launch() { # pause seconds -> job id
    local answer
    answer=$(api -w '\n%{http_code}' -H 'Content-Type: application/json' -d "{\"project\":\"demo\",\"playbook\":\"progress.yml\",
        \"inventory\":\"inventory/local.ini\",\"extra_vars\":{\"pause_seconds\":$1}}" "$ORIGIN/api/v1/jobs")
    [ "$(tail -n 1 <<<"$answer")" = 202 ] || fail "launching through nginx answered: $answer"
    sed '$d' <<<"$answer" | field id
}

# The job: progress.yml with a 6 s pause before its last task. A proxy that held frames
# back until more came would hold those before the pause for its 6 s.
JOB=$(launch 6)
mkfifo "$T/stream.fifo"
api -N "$ORIGIN/api/v1/jobs/$JOB/stream" >"$T/stream.fifo" 2>>"$T/stream.err" &
CURL_PID=$!
# Each line of the stream stamped with the time it came out of nginx.
while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done <"$T/stream.fifo" >"$T/stream.txt" &
STAMP_PID=$!
say "job $JOB launched through nginx; following $ORIGIN/api/v1/jobs/$JOB/stream"

first=""
for _ in $(seq 600); do
    first=$(grep -m 1 -E ' event: (playbook_on_task_start|runner_on_start|runner_on_ok)$' "$T/stream.txt" || true)
    [ -n "$first" ] && break
    kill -0 "$CURL_PID" 2>/dev/null || fail "the stream ended before any task event"
    sleep 0.1
done
[ -n "$first" ] || fail "no task event came through nginx within 60 s"
status=$(api "$ORIGIN/api/v1/jobs/$JOB" | field status)
[ "$status" = running ] || fail "when the first task event came through, job $JOB was $status, not running"
ok "'${first#* }' arrived through nginx while job $JOB was running"

# The run's ansible-playbook got the callback plugin of the install.
plugin=""
for pid in $(ps -o pid= --ppid "$SERVE_PID"); do
    plugin=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n 's/^ANSIBLE_CALLBACK_PLUGINS=//p' || true)
    [ -n "$plugin" ] && break
done
[ "$plugin" = "$LIB/playhouse_PlayhouseEngine.resources/callback_plugins" ] \
    || fail "ansible-playbook's ANSIBLE_CALLBACK_PLUGINS is \"$plugin\", not the installed $LIB/playhouse_PlayhouseEngine.resources/callback_plugins"
ok "ansible-playbook runs with the installed callback plugin ($plugin)"

for _ in $(seq 900); do kill -0 "$CURL_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$CURL_PID" 2>/dev/null && fail "the stream of job $JOB did not end within 90 s"
wait "$CURL_PID" || fail "curl following the stream failed: $(cat "$T/stream.err")"
CURL_PID=""
wait "$STAMP_PID" || true
STAMP_PID=""
last_event=$(grep -E '^[0-9.]+ event: ' "$T/stream.txt" | tail -n 1)
[ "${last_event#* }" = "event: end" ] || fail "the stream's last frame is \"${last_event#* }\", not event: end"
end_status=$(grep -A 3 -E '^[0-9.]+ event: end$' "$T/stream.txt" | sed -n 's/^[0-9.]* data: //p' | head -n 1 | field status)
[ "$end_status" = successful ] || fail "event: end says the job is $end_status, not successful"
frames=$(grep -cE '^[0-9.]+ event: ' "$T/stream.txt")
# How long each Ansible event took from the callback (its "time") to coming out of nginx.
lag=$("$PY" -c '
import datetime, json, statistics, sys
lags = []
for line in open(sys.argv[1]):
    stamp, _, text = line.rstrip("\n").partition(" ")
    if not text.startswith("data: {"): continue
    event = json.loads(text[6:])
    if "seq" in event and "time" in event:
        made = datetime.datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()
        lags.append(float(stamp) - made)
if not lags: sys.exit("no events with a time")
print(f"{len(lags)} {statistics.median(lags):.3f} {max(lags):.3f}")' "$T/stream.txt") || fail "could not read the events' times"
read -r events median worst <<<"$lag"
"$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 3 else 1)' "$worst" \
    || fail "an event came out of nginx $worst s after Ansible reported it (median $median s): the stream was held back"
ok "the stream through nginx: $frames frames, $events events each out of nginx at most $worst s after Ansible reported it (median $median s); event: end says successful"

# ---- 5. stopping as systemd does ------------------------------------------------------------
timeout_stop=$(sed -n 's/^TimeoutStopSec=//p' "$SHARE/systemd/playhouse.service")
timeout_stop=${timeout_stop%s}
grep -qx 'KillMode=mixed' "$SHARE/systemd/playhouse.service" || fail "playhouse.service's KillMode is not mixed"
# A job that pauses for a minute, stopped once Ansible has reported a few events.
JOB2=$(launch 60)
ansible_pid=""
for _ in $(seq 300); do
    if [ -z "$ansible_pid" ]; then
        for pid in $(ps -o pid= --ppid "$SERVE_PID"); do
            grep -qsF "PLAYHOUSE_RUN_MARKER=" "/proc/$pid/environ" && ansible_pid=$pid && break
        done
    fi
    [ -n "$ansible_pid" ] && [ "$(api "$ORIGIN/api/v1/jobs/$JOB2" | field events)" -ge 5 ] && break
    sleep 0.1
done
[ -n "$ansible_pid" ] || fail "job $JOB2's ansible-playbook did not start within 30 s"
session=$(ps -o sid= -p "$ansible_pid" | tr -d ' ')
[ -n "$session" ] || fail "job $JOB2's ansible-playbook ($ansible_pid) is gone before the stop"
started=$EPOCHREALTIME
kill -TERM "$SERVE_PID"
for _ in $(seq $((timeout_stop * 10))); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVE_PID" 2>/dev/null && fail "serve still runs $timeout_stop s (the unit's TimeoutStopSec) after SIGTERM"
took=$("$PY" -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$started" "$EPOCHREALTIME")
code=0
wait "$SERVE_PID" || code=$?
SERVE_PID=""
[ "$code" = 0 ] || fail "serve exited $code after SIGTERM, not 0 (systemd would mark the unit failed)"
left=$(ps -e -o pid=,sid= | awk -v s="$session" '$2 == s { print $1 }')
[ -z "$left" ] || fail "processes of job $JOB2's session $session outlived serve: $left"
left=$(leftovers)
[ -z "$left" ] || fail "processes of the runs outlived serve: $left"
ok "SIGTERM to serve alone, job $JOB2 running: it stopped the run and exited 0 in $took s (TimeoutStopSec=$timeout_stop), nothing left"

# The stopping serve wrote the job's end itself (a later start would also end it, so the
# store is read before any).
job2=$("$PY" -c 'import sqlite3, sys
row = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute(
    "SELECT status, error FROM jobs WHERE id = ?", (int(sys.argv[2]),)).fetchone()
print(*row, sep=": ")' "$STATE/playhouse.sqlite" "$JOB2")
[[ "$job2" == "error: interrupted"* ]] || fail "after the stop, job $JOB2 is \"$job2\" in the store, not error: interrupted"
ok "the stopping serve ended job $JOB2 itself: $job2"

FAILED=0
say "passed"
