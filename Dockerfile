# One image for every hookrelay app; the compose file picks the app with APP.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY packages ./packages
COPY apps ./apps
COPY tests/package.json ./tests/package.json
COPY bench/package.json ./bench/package.json
RUN npm ci --no-audit --no-fund && npx turbo run build --filter='./apps/*' && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
COPY --chown=node:node hookrelay.yaml ./hookrelay.yaml
USER node
ENV APP=ingress
# exec replaces the shell, so SIGTERM reaches node itself (graceful shutdown); compose adds an init as PID 1.
ENTRYPOINT ["/bin/sh", "-c", "exec node apps/$APP/dist/index.js"]
