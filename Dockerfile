# syntax=docker/dockerfile:1
# One image for every role: the command picks it (serve, relay, project, migrate, replay, ...).
# Node 22 LTS: Node 20 reached its end of life in April 2026; the suite passes on both (see README).
ARG NODE_IMAGE=node:22-bookworm-slim

# Compiles the TypeScript; dev dependencies stay in this stage.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off here: the root package's `prepare` (the web app's build) needs the sources first.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY projections ./projections
COPY migrations ./migrations
COPY web ./web
RUN npm run build && npm run build:web

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
# tini is PID 1 (here, under compose and in Kubernetes alike): it forwards SIGTERM to node and
# reaps orphans; node as PID 1 would ignore signals it has no handler for.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# Amazon RDS's CA bundle, for DATABASE_URL's sslmode=verify-full&sslrootcert=<this path> (README,
# Deployment). Fetched when the image is built (CI), so a rebuild takes AWS's current bundle.
ADD --chmod=0444 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: bcrypt loads its bundled prebuilt binary (glibc and musl, x64 and arm64).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY bin ./bin
# bin/rental-ledger.js runs dist/src/cli/main.js when it exists: no TypeScript loader at run time.
# Migrations are found at dist/migrations, beside dist/src (src/db/migrate.ts).
COPY --from=build /app/dist ./dist
# The web app's built files, where src/http/routes/web.ts looks for them beside dist/src.
COPY --from=build /app/web/dist ./dist/web/dist
# Numeric, so that Kubernetes can verify runAsNonRoot; the files stay root's and read-only.
USER 1000:1000
EXPOSE 3000
# Liveness only (no dependency checked); workers without an HTTP port disable it (compose).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/rental-ledger.js"]
CMD ["serve"]
