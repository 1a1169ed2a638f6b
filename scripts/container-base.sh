#!/usr/bin/env bash
# Builds a local Debian bookworm base image with this machine's node and npm, for building the
# Dockerfile where registries cannot be pulled from (scripts/container-test.sh uses it):
#   scripts/container-base.sh WORKDIR IMAGE_NAME
# The image trusts this machine's extra CAs (an intercepting proxy's) and builds native modules
# against the local Node headers (nodejs.org may be unreachable). Test-only: the product's
# Dockerfile never needs any of this on a normal network. Needs root, debootstrap and podman set
# up by the caller (CONTAINERS_CONF / CONTAINERS_STORAGE_CONF).
set -euo pipefail
work=${1:?usage: container-base.sh WORKDIR IMAGE}
image=${2:?usage: container-base.sh WORKDIR IMAGE}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
rootfs="$work/rootfs"
# commands run inside the chroot must not see the caller's TMPDIR (a host path); podman gets it back
podman_tmpdir=${TMPDIR:-}
unset TMPDIR

node_bin=$(command -v node)
node_bin=$(readlink -f "$node_bin")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # …/node_modules/npm
[ -f "$npm_dir/package.json" ] || { echo "cannot find npm's directory (got $npm_dir)" >&2; exit 1; }
node_prefix=$(dirname "$(dirname "$node_bin")")
headers=""
for d in "$(npm config get nodedir 2>/dev/null || true)" "$node_prefix" /usr /usr/local; do
  if [ -n "$d" ] && [ -f "$d/include/node/common.gypi" ]; then headers="$d/include/node"; break; fi
done
[ -n "$headers" ] || { echo "cannot find Node headers (include/node/common.gypi)" >&2; exit 1; }

rm -rf "$rootfs"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; echo "debootstrap failed" >&2; exit 1; }

# node, npm and the headers under /usr/local, as in the official node images
install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
cp -a "$headers" "$rootfs/usr/local/include/node"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# this machine's extra CAs (an intercepting proxy), trusted by apt/git (system store) and node
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
fi
chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
# apt sources that work here (debootstrap wrote the main suite only)
cat >"$rootfs/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
SRC
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
chroot "$rootfs" /usr/local/bin/node -e 'process.exit(0)' || { echo "the copied node does not run in the base" >&2; exit 1; }

tar -C "$rootfs" -c . | TMPDIR=${podman_tmpdir:-/var/tmp} podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV npm_config_nodedir=/usr/local' \
  --change 'CMD ["/bin/bash"]' \
  - "$image" >"$work/import.log" 2>&1 || { cat "$work/import.log" >&2; echo "podman import failed" >&2; exit 1; }
rm -rf "$rootfs"
