#!/usr/bin/env bash
# The test run of `npm test` (after its typecheck and lint): the files two at a time, then, one at
# a time, the files in SERIAL. Much of a file's time is waiting (cold starts, containers, function
# timeouts, the servers it starts), which a second file fills. A file belongs in SERIAL when a
# peer's load could break what it asserts: a wall-clock bound, or work done within a timeout.
# Arguments are passed to both runs (e.g. --test-name-pattern=...).
set -uo pipefail
cd "$(dirname "$0")/.."

SERIAL=(
  test/integration/concurrency.test.ts        # 2 of 6 overlapping 600 ms invokes run, 4 throttled
  test/integration/docker-executor.test.ts    # kills and removes containers mid-invoke
  test/integration/hot-reload.test.ts         # new code runs within 300 ms of the write
  test/integration/response-streaming.test.ts # each chunk arrives when the function writes it
  test/integration/sam-template.test.ts       # hot reload of a served template within 300 ms
  test/integration/sandbox.test.ts            # a fork bomb, at a 128 MB CPU share, must reach 100
                                              # processes within its 2 s timeout
)

PARALLEL=()
for file in test/unit/*.test.ts test/integration/*.test.ts; do
  [[ " ${SERIAL[*]} " == *" $file "* ]] || PARALLEL+=("$file")
done

# The docker executor's engine and local images, readied once here rather than by two test
# processes at once (each decides once whether its docker suites run: test/helpers/executors.ts).
node --import tsx --input-type=module \
  -e 'import { executorsUnderTest } from "./test/helpers/executors.ts"; executorsUnderTest();'

status=0
node --import tsx --test --test-concurrency=2 "$@" "${PARALLEL[@]}" || status=1
node --import tsx --test --test-concurrency=1 "$@" "${SERIAL[@]}" || status=1
exit $status
