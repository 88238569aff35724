# fleetbot's image: one image for the bot, every agent and the first-party MCP servers (`docker run IMAGE <command>`
# runs `fleetbot <command>`). NODE_IMAGE is the base: node:20-bookworm-slim where a registry is reachable, or the
# image deploy/local-base-images.sh makes from this machine's node where none is. No secret is baked in: every
# secret arrives at run time through the environment (compose's env_file).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: the lockfile lacks other platforms' optional binaries, which `npm ci` insists on.
# No install scripts: nothing fleetbot runs needs one, and `prepare` would build before the sources are here.
RUN ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"]
COPY tsconfig.json ./
COPY agents ./agents
COPY bot ./bot
COPY commands ./commands
COPY config ./config
COPY defi ./defi
COPY mcp-fleet ./mcp-fleet
COPY queues ./queues
COPY redis ./redis
COPY security ./security
COPY state ./state
COPY telemetry ./telemetry
RUN ["node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.json"]
RUN ["npm", "prune", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts"]

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Contract artifacts are read at run time from beside their sources.
COPY defi/contracts/artifacts.json ./defi/contracts/
COPY fleet.yaml ./
USER 1000:1000
ENTRYPOINT ["node", "/app/bin/fleetbot.js"]
CMD ["up"]
