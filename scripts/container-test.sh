#!/usr/bin/env bash
# Container test: builds the Dockerfile with podman (no Docker engine needed), runs the image on
# a data directory, adds a package from a git repository mounted read-only, installs it with the
# real composer, stops the container with SIGTERM (clean exit 0 within 10 s) and checks that a new
# container on the same data serves the same metadata.
#
# Run as root on Debian 12: sudo scripts/container-test.sh
# Base images cannot be pulled here, so the image is built FROM a local base made with debootstrap
# and this machine's node (scripts/container-base.sh); set PACKYARD_TEST_BASE=IMAGE to use an
# existing base image instead (e.g. node:24-bookworm-slim where a registry is reachable).
# Everything (podman storage, containers, images) lives in a temp dir removed on exit.
# The last line is "container test: ok", or the script exits non-zero saying what failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

t_start=$(date +%s)
phase_start=$t_start
phase=setup
fail() { echo "container test: FAILED in phase '$phase': $*" >&2; exit 1; }
begin() { phase=$1; phase_start=$(date +%s); echo "== $phase"; }
done_phase() { echo "   $phase: $(( $(date +%s) - phase_start )) s"; }

[ "$(id -u)" = 0 ] || fail "must run as root (apt-get, podman with vfs storage)"

begin "install podman, buildah, runc, debootstrap, composer"
need=(podman buildah runc debootstrap uidmap git composer php-cli php-zip unzip ca-certificates)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail "apt-get update"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]}"
fi
command -v node >/dev/null || fail "node is not installed on this machine"
done_phase

# ---- podman set up entirely through env vars and files in a temp dir (nothing under /etc)
T=$(mktemp -d "${TMPDIR:-/var/tmp}/packyard-container-test.XXXXXX")
chmod 755 "$T"
IMAGE="localhost/packyard-test-$$:latest"
BASE_IMAGE="localhost/packyard-test-base-$$:latest"
C1="packyard-test-$$-a"; C2="packyard-test-$$-b"
cleanup() {
  status=$?
  set +e
  if [ -n "${CONTAINERS_STORAGE_CONF:-}" ]; then
    podman rm -f -t 0 "$C1" "$C2" >/dev/null 2>&1
    podman rm -f -a -t 0 >/dev/null 2>&1
    podman rmi -f -a >/dev/null 2>&1
  fi
  rm -rf "$T"
  [ "$status" = 0 ] || echo "   total: $(( $(date +%s) - t_start )) s (then failed)" >&2
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$T/storage" "$T/run" "$T/tmp"
cat >"$T/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
tmp_dir = "$T/tmp"
CONF
cat >"$T/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$T/storage"
runroot = "$T/run"
CONF
export CONTAINERS_CONF="$T/containers.conf" CONTAINERS_STORAGE_CONF="$T/storage.conf"
export TMPDIR="$T/tmp"   # podman/buildah build contexts and layer blobs

# ---- base image
if [ -n "${PACKYARD_TEST_BASE:-}" ]; then
  BASE_IMAGE=$PACKYARD_TEST_BASE
else
  begin "local base image (debootstrap + this machine's node $(node -v))"
  bash "$ROOT/scripts/container-base.sh" "$T" "$BASE_IMAGE" || fail "building the local base image"
  done_phase
fi

begin "podman build"
podman build --format docker --layers=false --network host --build-arg "BASE=$BASE_IMAGE" -t "$IMAGE" -f "$ROOT/Dockerfile" "$ROOT" \
  >"$T/build.log" 2>&1 || { tail -n 40 "$T/build.log" >&2; fail "podman build (log above)"; }
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "   image size: $(( size / 1000000 )) MB ($size bytes, uncompressed)"
hc=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
grep -q readyz <<<"$hc" || fail "the image has no HEALTHCHECK on /readyz (got $hc)"
mnt=$(podman image mount "$IMAGE") || fail "podman image mount"
grep -q 'listen: "0.0.0.0:8080"' "$mnt/etc/packyard/packyard.yaml" && grep -q 'data_dir: "/data"' "$mnt/etc/packyard/packyard.yaml" \
  || fail "the image's default /etc/packyard/packyard.yaml does not listen on 0.0.0.0:8080 with data in /data"
podman image unmount "$IMAGE" >/dev/null
cfg=$(podman image inspect --format '{{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$IMAGE")
[ "$cfg" = '10001:0 ["tini","--","node","/app/dist/packyard.mjs"] ["serve"]' ] || fail "unexpected image user/entrypoint/cmd: $cfg"
done_phase

# ---- fixtures: a bare git repo with a composer.json and a tag, a config, a data dir
begin "fixtures"
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
BASE_URL="http://127.0.0.1:$PORT"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git init -q -b main "$T/work"
cat >"$T/work/composer.json" <<'JSON'
{
    "name": "acme/foo",
    "description": "Container test package",
    "type": "library",
    "license": "MIT",
    "autoload": { "psr-4": { "Acme\\Foo\\": "src/" } },
    "require": {}
}
JSON
mkdir -p "$T/work/src"
printf '<?php\nnamespace Acme\\Foo;\nfinal class Foo { public const VERSION = "1.0.0"; }\n' >"$T/work/src/Foo.php"
git -C "$T/work" add -A
git -C "$T/work" -c user.name=Test -c user.email=test@example.invalid commit -q -m "first"
git -C "$T/work" tag v1.0.0
git clone -q --bare "$T/work" "$T/repo.git"
chown -R 10001:0 "$T/repo.git"   # owned by the container's user: git refuses repositories of other owners
mkdir -p "$T/data"
chown 10001:0 "$T/data"; chmod 770 "$T/data"
cat >"$T/packyard.yaml" <<YAML
server:
  listen: "127.0.0.1:$PORT"
  public_url: "$BASE_URL"
data_dir: "/data"
log_level: info
vcs:
  allow_local_paths: true
YAML
chmod 644 "$T/packyard.yaml"
RUN_ARGS=(--network host -e "PACKYARD_HEALTHCHECK_URL=$BASE_URL/readyz" -v "$T/data:/data" -v "$T/packyard.yaml:/etc/packyard/packyard.yaml:ro" -v "$T/repo.git:/repo.git:ro")
done_phase

http_get() { # URL [USER:PASS] -> body on stdout, fails on non-2xx
  node -e '
    const [url, auth] = process.argv.slice(1);
    const headers = auth ? { authorization: "Basic " + Buffer.from(auth).toString("base64") } : {};
    fetch(url, { headers, signal: AbortSignal.timeout(5000) }).then(async (r) => {
      const b = Buffer.from(await r.arrayBuffer());
      if (!r.ok) { process.stderr.write(`HTTP ${r.status} ${url}\n`); process.exit(1); }
      process.stdout.write(b);
    }, (e) => { process.stderr.write(`${e.cause?.code ?? e.message} ${url}\n`); process.exit(1); });' "$@"
}
wait_ready() { # NAME: up to 60 s
  local name=$1 deadline=$(( $(date +%s) + 60 ))
  until http_get "$BASE_URL/readyz" >/dev/null 2>&1; do
    if [ "$(podman inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
      podman logs "$name" 2>&1 | tail -n 30 >&2; fail "container $name exited before /readyz answered"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      podman logs "$name" 2>&1 | tail -n 30 >&2; fail "/readyz not ready within 60 s"
    fi
    sleep 0.2
  done
}

begin "start container, wait for /readyz"
# (podman logs "unable to get systemd connection to add healthchecks" on machines without systemd: harmless)
podman run -d --name "$C1" "${RUN_ARGS[@]}" "$IMAGE" >"$T/run1.log" 2>&1 || { cat "$T/run1.log" >&2; fail "podman run"; }
wait_ready "$C1"
uid=$(podman exec "$C1" id -u) || fail "podman exec id"
[ "$uid" = 10001 ] || fail "the server runs as uid $uid, expected 10001"
podman healthcheck run "$C1" >"$T/hc.log" 2>&1 || { cat "$T/hc.log" >&2; fail "podman healthcheck run: the image's HEALTHCHECK failed"; }
done_phase

begin "CLI: org create, package add, token create"
cli() { podman exec "$C1" node /app/dist/packyard.mjs "$@"; }
cli org create acme >"$T/org.out" 2>&1 || { cat "$T/org.out" >&2; fail "org create acme"; }
cli package add --org acme /repo.git >"$T/add.out" 2>&1 || { cat "$T/add.out" >&2; fail "package add --org acme /repo.git"; }
sed 's/^/   /' "$T/add.out"
# token create through the image's ENTRYPOINT, in a second container on the same data
TOKEN=$(podman run --rm "${RUN_ARGS[@]}" "$IMAGE" token create --org acme --name container-test 2>"$T/token.err") \
  || { cat "$T/token.err" >&2; fail "token create (podman run IMAGE token create)"; }
TOKEN=$(tr -d '[:space:]' <<<"$TOKEN")
[ -n "$TOKEN" ] || fail "token create printed nothing"
done_phase

begin "composer require acme/foo"
export COMPOSER_HOME="$T/composer-home" COMPOSER_CACHE_DIR="$T/composer-cache" COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_NO_INTERACTION=1
mkdir -p "$COMPOSER_HOME" "$T/project"
printf '{"http-basic": {"127.0.0.1:%s": {"username": "token", "password": "%s"}}}\n' "$PORT" "$TOKEN" >"$COMPOSER_HOME/auth.json"
cat >"$T/project/composer.json" <<JSON
{
    "name": "test/project",
    "repositories": [
        { "type": "composer", "url": "$BASE_URL/acme/" },
        { "packagist.org": false }
    ],
    "config": { "secure-http": false }
}
JSON
(cd "$T/project" && timeout 120 composer require --no-interaction --no-audit --no-progress acme/foo:^1.0) >"$T/composer.out" 2>&1 \
  || { cat "$T/composer.out" >&2; fail "composer require acme/foo:^1.0"; }
grep -q 'Foo' "$T/project/vendor/acme/foo/src/Foo.php" || fail "vendor/acme/foo/src/Foo.php is missing after composer require"
grep -q '"version": "v1.0.0"\|"version": "1.0.0"' "$T/project/composer.lock" || fail "composer.lock does not lock acme/foo 1.0.0"
http_get "$BASE_URL/acme/p2/acme/foo.json" "token:$TOKEN" >"$T/p2-before.json" || fail "GET /acme/p2/acme/foo.json"
done_phase

begin "podman stop (SIGTERM): exit 0 within 10 s"
t0=$(date +%s%N)
podman stop -t 10 "$C1" >"$T/stop1.log" 2>&1 || { cat "$T/stop1.log" >&2; fail "podman stop"; }
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
code=$(podman inspect -f '{{.State.ExitCode}}' "$C1")
echo "   stopped in ${elapsed_ms} ms, exit code $code"
[ "$code" = 0 ] || { podman logs "$C1" 2>&1 | tail -n 20 >&2; fail "exit code $code after SIGTERM, expected 0"; }
[ "$elapsed_ms" -lt 10000 ] || fail "stop took ${elapsed_ms} ms (SIGKILL after 10 s?)"
done_phase

begin "restart on the same data: same p2 metadata"
podman run -d --name "$C2" "${RUN_ARGS[@]}" "$IMAGE" >"$T/run2.log" 2>&1 || { cat "$T/run2.log" >&2; fail "podman run (second container)"; }
wait_ready "$C2"
http_get "$BASE_URL/acme/p2/acme/foo.json" "token:$TOKEN" >"$T/p2-after.json" || fail "GET /acme/p2/acme/foo.json after restart"
cmp -s "$T/p2-before.json" "$T/p2-after.json" \
  || { diff <(head -c 2000 "$T/p2-before.json") <(head -c 2000 "$T/p2-after.json") >&2; fail "p2 metadata differs after restart"; }
podman stop -t 10 "$C2" >"$T/stop2.log" 2>&1 || { cat "$T/stop2.log" >&2; fail "podman stop (second container)"; }
[ "$(podman inspect -f '{{.State.ExitCode}}' "$C2")" = 0 ] || fail "second container: exit code $(podman inspect -f '{{.State.ExitCode}}' "$C2") after SIGTERM"
done_phase

echo "   total: $(( $(date +%s) - t_start )) s (before removing the temp storage)"
echo "container test: ok"
