# flinkwatch service image: docker build -t flinkwatch .
# Run: docker run -e FLINKWATCH_ADMIN_TOKEN=... -v flinkwatch-data:/var/lib/flinkwatch -p 8080:8080 flinkwatch
# (or mount your own config at /etc/flinkwatch/flinkwatch.yaml)

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling when no prebuilt binary matches
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# scripts off: "prepare" would build before the sources are copied; native modules are rebuilt below
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY collectors ./collectors
COPY platforms ./platforms
COPY alerting ./alerting
COPY dashboards ./dashboards
COPY ui ./ui
COPY test ./test
COPY config ./config
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/config ./config
# the embedded store (storage.type: embedded, path: /var/lib/flinkwatch) lives here
RUN mkdir -p /var/lib/flinkwatch /etc/flinkwatch && chown node:node /var/lib/flinkwatch \
 && cp config/flinkwatch.container.yaml /etc/flinkwatch/flinkwatch.yaml
USER node
VOLUME /var/lib/flinkwatch
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/flinkwatch.js", "serve", "--config", "/etc/flinkwatch/flinkwatch.yaml"]
