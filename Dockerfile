# Asimov Lambda's server as an image. Two stages: the TypeScript is built with tsc, then the
# runtime image holds node, dist/, the runtime clients (src/runtimes, src/runtime-api/protocol.json)
# and the production dependencies.
#
# With registry access (npm and Docker Hub):
#   docker build -t asimov/lambda .
# With none (CI): scripts/server-image.sh stages a context holding this machine's node_modules and
# builds FROM a local base that has node (asimov/lambda-nodejs:local from `npm run images:local`):
#   bash scripts/server-image.sh --base asimov/lambda-nodejs:local --tag asimov/lambda:local
#
# Running it: see "The server as a container" in README.md. In short, the docker executor through
# the host's engine needs host networking and the data dir at the same path inside and out:
#   docker run --network host -v /var/run/docker.sock:/var/run/docker.sock \
#     -v /var/lib/asimov:/var/lib/asimov asimov/lambda serve --host 127.0.0.1 --executor docker
ARG BASE=node:20-bookworm-slim

FROM ${BASE} AS build
WORKDIR /app
# node_modules.tar is there when scripts/server-image.sh staged the context; else npm installs.
COPY package.json package-lock.json node_modules.ta[r] ./
RUN if [ -f node_modules.tar ]; then tar -xf node_modules.tar && rm node_modules.tar; \
    else npm ci --no-audit --no-fund; fi
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
 && if command -v npm >/dev/null; then npm prune --omit=dev --no-audit --no-fund; \
    else rm -rf node_modules/typescript node_modules/@types; fi

FROM ${BASE}
# The process executor's sandbox and Python runtimes, where the base can install them (Debian's
# node images); a base without apt (CI's local one) runs the process executor with --sandbox none.
RUN if command -v apt-get >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends bubblewrap util-linux python3 \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /opt/asimov
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/src/runtimes ./src/runtimes
COPY --from=build /app/src/runtime-api/protocol.json ./src/runtime-api/protocol.json
COPY bin ./bin
# Everything the Docker engine must find by path (code trees, log pipes) lives under one
# directory; mount it at the same path on the host when the docker executor is used.
ENV ASIMOV_DATA_DIR=/var/lib/asimov/data \
    TMPDIR=/var/lib/asimov/tmp \
    ASIMOV_HOST=0.0.0.0
EXPOSE 9001
ENTRYPOINT ["/bin/sh", "-c", "mkdir -p \"$TMPDIR\" \"$ASIMOV_DATA_DIR\" && exec node /opt/asimov/bin/asimov.js \"$@\"", "asimov"]
CMD ["serve"]
LABEL asimov.lambda.image=server
