# ConnectBot: the bot and the ops scripts run from TypeScript sources with tsx.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
USER node
EXPOSE 8080
# What `npm start` runs, without npm in between: node is PID 1 and gets SIGTERM itself, so
# `docker stop` lets the bot finish the updates in flight. A larger young generation (64 MB
# semi-spaces): Effect makes many short-lived objects per update, and fewer scavenges cut the
# bot's CPU per update by about a tenth at 16-64 users in flight (README, "Benchmarks").
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/main.ts"]
