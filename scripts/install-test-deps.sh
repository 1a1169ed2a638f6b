#!/usr/bin/env bash
# Installs the Debian packages the test suite and benchmarks use (real git, sshd, composer and
# its version parser and metadata minifier, nginx and wrk, mercurial, subversion, apache with
# mod_dav_svn, chromium and a font for the browser tests of the UI, which drive it with
# playwright-core: never `playwright install`). Needs root (or sudo). Idempotent.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
DEBS=(
  git openssh-server openssh-client ca-certificates
  composer php-cli php-zip php-curl php-mbstring unzip
  php-composer-semver php-composer-metadata-minifier
  nginx-light wrk
  mercurial subversion apache2 libapache2-mod-svn apache2-utils
  chromium fonts-dejavu-core
)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${DEBS[@]}" >/dev/null
$SUDO mkdir -p /run/sshd
echo "test dependencies installed: ${DEBS[*]}"
