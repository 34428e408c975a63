# The scratchkit frontend image. `npm run frontend:image` builds it as scratchkit/frontend:dev.
# Both stages take their Node image as a build arg: the defaults are official images; offline
# machines pass the local images that deploy/engine.sh assembles.
ARG BUILD_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=node:24-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Needs the npm registry: build with --network=host where the default bridge has no NAT.
# --ignore-scripts: the package's own `prepare` (the CLI bundle) needs the sources copied below.
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY proto ./proto
COPY scripts ./scripts
COPY src ./src
RUN node scripts/gen-proto.mjs && node scripts/bundle.mjs

FROM ${RUNTIME_IMAGE}
COPY --from=build /app/dist/frontend.cjs /app/frontend.cjs
COPY scripts/frontend-start.cjs /app/frontend-start.cjs
# V8's code cache for the bundle, made by the runtime's own Node (a cache from another V8
# is rejected): saves parsing and compiling ~0.9 MB of JavaScript on every build.
RUN ["node", "/app/frontend-start.cjs", "--make-code-cache"]
# The frontend speaks only to BuildKit over stdin/stdout: without this label BuildKit gives its
# container the default network (on Docker, a bridge sandbox set up and torn down on every
# build, ~100 ms here); the official Dockerfile frontend image sets it too.
LABEL moby.buildkit.frontend.network.none="true"
# Tells BuildKit which gateway features this frontend understands (see the buildkit notes).
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
LABEL org.opencontainers.image.title="scratchkit frontend" \
      org.opencontainers.image.description="BuildKit frontend: a YAML manifest becomes a verified FROM scratch image"
ENV NODE_ENV=production
ENTRYPOINT ["node", "/app/frontend-start.cjs"]
