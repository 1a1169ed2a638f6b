#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks use (real git, sshd, composer and
# its version parser and metadata minifier, nginx and wrk). Needs root (or sudo). Idempotent.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
DEBS=(
  git openssh-server openssh-client ca-certificates
  composer php-cli php-zip php-curl php-mbstring unzip
  php-composer-semver php-composer-metadata-minifier
  nginx-light wrk
)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${DEBS[@]}" >/dev/null
$SUDO mkdir -p /run/sshd
echo "test dependencies installed: ${DEBS[*]}"
