# pixout: multi-stage build on the current Node.js LTS. The application's files belong to root and are not
# writable by the process, which runs as the unprivileged "node" user: a compromised process cannot change
# the code it runs (run the container with a read-only root filesystem too: docker-compose.yml does).
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:26-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
RUN chmod -R a-w /app
USER node
# Certificates are mounted at run time (never baked into the image).
ENTRYPOINT ["node", "bin/pixout.js"]
CMD ["worker"]
