# One image for the whole monorepo: the four services, the single-process saga-node, and the `saga` CLI used by the
# compose `init` job. Which program runs is chosen by the compose `command` (node services/<name>/dist/main.js, or
# node apps/saga-node/dist/main.js), so they share one build and one cache instead of near-identical images.
#
# Not built in this project's CI: the build machine has no container engine (see docs/docker.md).

# glibc (bookworm) rather than alpine: the lockfile was resolved on glibc, and @swc/core / turbo ship
# per-libc native binaries as optional dependencies.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Manifests first, so `npm ci` is cached until a dependency changes. Every workspace must be listed here.
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY packages/cli/package.json packages/cli/
COPY packages/audit/package.json packages/audit/
COPY packages/bench/package.json packages/bench/
COPY packages/cli/bin packages/cli/bin
COPY packages/contracts/package.json packages/contracts/
COPY packages/messaging/package.json packages/messaging/
COPY packages/stack/package.json packages/stack/
COPY packages/testkit/package.json packages/testkit/
COPY services/order/package.json services/order/
COPY services/payment/package.json services/payment/
COPY services/inventory/package.json services/inventory/
COPY services/shipping/package.json services/shipping/
COPY apps/saga-node/package.json apps/saga-node/
# --ignore-scripts: the root `prepare` script runs the build, which cannot work before the sources are copied.
RUN npm ci --ignore-scripts

COPY . .
RUN npm run build

# Gather what the runtime needs (manifests, dist, bin, Avro schemas) without sources, tests or dev node_modules.
RUN mkdir /out \
 && tar -cf - --exclude=node_modules --exclude=src --exclude=test --exclude='*.tsbuildinfo' packages services apps \
    | tar -xf - -C /out

# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

COPY package.json package-lock.json ./
COPY packages/cli/package.json packages/cli/
COPY packages/audit/package.json packages/audit/
COPY packages/bench/package.json packages/bench/
COPY packages/cli/bin packages/cli/bin
COPY packages/contracts/package.json packages/contracts/
COPY packages/messaging/package.json packages/messaging/
COPY packages/stack/package.json packages/stack/
COPY packages/testkit/package.json packages/testkit/
COPY services/order/package.json services/order/
COPY services/payment/package.json services/payment/
COPY services/inventory/package.json services/inventory/
COPY services/shipping/package.json services/shipping/
COPY apps/saga-node/package.json apps/saga-node/
# Production dependencies only; workspaces are linked into node_modules/@saga/*. No lifecycle scripts: none of the
# runtime dependencies needs one (ssh2/cpu-features fall back to pure JS, protobufjs' script is a version notice).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY --from=build /out ./

# Files stay root-owned (read-only for the app); the process itself runs unprivileged.
USER node
ENV PATH=/app/node_modules/.bin:$PATH
CMD ["node", "services/order/dist/main.js"]
