# syntax=docker/dockerfile:1
#
# latticefit: one image for the HTTP service and for the Redis-queue worker.
#
#   docker build -t latticefit .
#
#   # the service (embedded queue: jobs in /data/jobs.sqlite, run by worker threads of this process)
#   docker run -d --name latticefit -p 3000:3000 -v latticefit-data:/data --stop-timeout 20 latticefit
#
#   # a worker of the Redis queue (same image, other command; the service then runs with
#   # LATTICEFIT_QUEUE=redis and the same REDIS_URL)
#   docker run -d -e LATTICEFIT_QUEUE=redis -e REDIS_URL=redis://redis:6379 \
#              -e LATTICEFIT_WORKER_PORT=3000 latticefit node bin/latticefit.js worker
#
# Configuration is the environment, as everywhere (README "Configuration"). Two settings matter in
# a container:
# - LATTICEFIT_WORKERS / LATTICEFIT_WORKER_CONCURRENCY default to the host's cores - 1, which
#   Node reads from the host, not from `--cpus`: set them to the CPUs the container may use.
# - Shutdown: SIGTERM refuses new jobs, hands running ones back to the queue and waits up to
#   LATTICEFIT_SHUTDOWN_TIMEOUT_MS (10 s) for requests in flight; the process gives up 5 s after
#   that. Docker's default grace is 10 s, so give it 20 (`--stop-timeout 20`, compose
#   `stop_grace_period: 20s`). A job cut off by SIGKILL is not lost: it is requeued at the next start.

# Node 22 LTS on Debian 12, slim: glibc (the native module is built against it; Alpine's musl
# would need a separate build) and no compilers or curl. Both stages use the same image, so the
# better-sqlite3 binary built in the first runs in the second (same Node ABI, same glibc).
# For reproducible builds pin the digest: --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build

# better-sqlite3 downloads a prebuilt binary when one exists for this Node and platform, and
# compiles from source with node-gyp otherwise (another architecture, no access to the prebuilt
# binaries): node-gyp needs python3, make and a C++ compiler. Only this stage has them. (An
# offline compile also needs the Node headers: add `ENV npm_config_nodedir=/usr/local`, where the
# official image keeps them.)
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

WORKDIR /app

# Dependencies first, from the lockfile alone, so that this layer is rebuilt only when they
# change. --ignore-scripts: `npm ci` would otherwise run the package's own `prepare` (the
# TypeScript build), and the sources are not here yet; `npm rebuild` then runs the dependencies'
# install scripts (better-sqlite3's native build, msgpackr-extract, esbuild), and never the root
# package's `prepare`. The cache mount keeps npm's download cache between builds (BuildKit).
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts \
 && npm rebuild --foreground-scripts

# Compile src/ to dist/ (tsc -p tsconfig.build.json), then drop the dev dependencies (TypeScript,
# vitest, tsx, ...) so that node_modules can be copied as it is. --ignore-scripts again: pruning
# must not try to run `prepare`, whose compiler it has just removed.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# Node as PID 1 gets no default signal handling from the kernel and does not reap orphaned
# children. dumb-init (Debian's package) runs as PID 1, forwards SIGTERM/SIGINT to node's process
# group and reaps zombies. With it in the image, nobody has to remember `docker run --init`
# (which would add tini in front; harmless but unnecessary).
# LAMMPS (Debian's `lammps`, binary `lmp`) runs the MD of properties jobs with an `md` block
# (docs/dynamics.md); without it such a job fails with ENGINE_UNAVAILABLE and everything else works.
# It is large (MPI and its libraries): build with --build-arg WITH_LAMMPS=0 for an image without MD.
ARG WITH_LAMMPS=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends dumb-init \
 && if [ "$WITH_LAMMPS" = "1" ]; then apt-get install -y --no-install-recommends lammps; fi \
 && rm -rf /var/lib/apt/lists/*

# HOST: listen on every interface of the container (the default 127.0.0.1 is unreachable through
# a published port). LATTICEFIT_DATA_DIR: the SQLite job store and its lock file, on the volume.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LATTICEFIT_DATA_DIR=/data

WORKDIR /app

# Only what runs: production node_modules and the compiled code from the build stage; the
# launcher (bin/latticefit.js imports dist/cli/main.js), the committed OpenAPI document, the
# example job documents (fixtures/), the web page (public/) and package.json (read for the version; "type": "module").
# The files stay owned by root, so the service cannot modify its own code.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY openapi ./openapi
COPY fixtures ./fixtures
COPY public ./public

# The data directory belongs to the unprivileged user. It is created and chowned before VOLUME:
# a named volume is initialised from it (ownership included) on first use, while changes made
# after the VOLUME line would be discarded. A bind mount keeps the host's ownership: make it
# writable by uid 1000.
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME /data

# Not root: `node` (uid/gid 1000) comes with the official image. The numeric form lets
# Kubernetes' runAsNonRoot check it without reading /etc/passwd.
USER 1000:1000

EXPOSE 3000

# Liveness of the process: GET /healthz (no curl in slim; Node 22's fetch does it). A worker
# container answers /healthz on LATTICEFIT_WORKER_PORT when that is set (use a fixed port, not 0),
# so the same check works for both; a worker without a health port should run with
# --no-healthcheck. Readiness (store, workers, draining) is /readyz, for a load balancer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.LATTICEFIT_WORKER_PORT || process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM is what `docker stop` sends and what the service shuts down gracefully on (stated for
# the reader; it is Docker's default).
STOPSIGNAL SIGTERM

# node directly rather than `npm start`: npm would sit between dumb-init and node, add a process
# and start-up time, and does not pass signals on reliably. `docker run IMAGE node bin/latticefit.js
# worker` (or any other latticefit command) replaces CMD and still runs under dumb-init.
ENTRYPOINT ["/usr/bin/dumb-init", "--"]
CMD ["node", "bin/latticefit.js", "serve"]
