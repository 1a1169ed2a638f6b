# Packyard: a self-hosted private Composer repository.
#   docker build -t packyard .
#   docker run -d -v packyard-data:/data -v "$PWD/packyard.yaml:/etc/packyard/packyard.yaml:ro" -p 8080:8080 packyard
#   docker run --rm -v packyard-data:/data packyard org create acme      # any CLI command
# BASE must be a Debian bookworm image with node and npm (the official node image by default);
# both stages use it, so the native modules built in the first run in the second.
ARG BASE=node:24-bookworm-slim

# ---- build: install, compile better-sqlite3, bundle dist/packyard.mjs, drop dev dependencies
FROM ${BASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# `npm ci` runs the package's `prepare` script (scripts/build.mjs), which bundles src/ with esbuild.
COPY scripts/build.mjs scripts/build.mjs
COPY tsconfig.json ./
COPY src src
COPY views views
RUN npm ci --no-audit --no-fund \
 && test -f dist/packyard.mjs \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" \
 && mkdir -p /out/src/db \
 && cp -a package.json node_modules dist /out/ \
 && cp -a src/db/migrations /out/src/db/ \
 && mkdir -p /out/views && cp -a views/static /out/views/ \
 && rm -rf /root/.npm /tmp/*

# ---- runtime
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      git mercurial subversion openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --gid 0 --home-dir /home/packyard --create-home --shell /usr/sbin/nologin packyard \
 && mkdir -p /data /etc/packyard \
 && chown 10001:0 /data /home/packyard \
 && chmod 2775 /data \
 && chmod 775 /home/packyard
# What runs: package.json (packageRoot() finds it), the production node_modules (better-sqlite3,
# ssh2 and their dependencies stay outside the bundle), dist/packyard.mjs, the migrations and the UI's static files (views/static).
COPY --from=build /out /app
WORKDIR /app
# The default configuration; an admin's bind mount of /etc/packyard/packyard.yaml replaces it.
RUN printf '%s\n' \
      '# Default configuration of the Packyard image: mount your own at /etc/packyard/packyard.yaml.' \
      '# Every key: config.example.yaml in the source repository.' \
      'server:' \
      '  listen: "0.0.0.0:8080"' \
      'data_dir: "/data"' \
      > /etc/packyard/packyard.yaml
ENV NODE_ENV=production \
    HOME=/home/packyard \
    PACKYARD_CONFIG=/etc/packyard/packyard.yaml
USER 10001:0
VOLUME /data
EXPOSE 8080
# Ready = database open and migrations done. A config that listens elsewhere than port 8080 sets
# PACKYARD_HEALTHCHECK_URL (e.g. http://127.0.0.1:9000/readyz).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.PACKYARD_HEALTHCHECK_URL||'http://127.0.0.1:8080/readyz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "/app/dist/packyard.mjs"]
CMD ["serve"]
