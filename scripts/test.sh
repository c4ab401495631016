#!/usr/bin/env bash
# The test run of `npm test` (after its typecheck and lint): most files two at a time, then, one at
# a time, the files that measure wall-clock time or load the whole host. Most of a file's time is
# spent waiting (cold starts, function timeouts, aws CLI and boto3 subprocesses), so a second file
# fills it; a file in SERIAL would see a peer's load in what it measures, or put its load on a peer.
# Arguments are passed to both runs (e.g. --test-name-pattern=...).
set -uo pipefail
cd "$(dirname "$0")/.."

SERIAL=(
  test/integration/concurrency.test.ts        # 2 of 6 overlapping 600 ms invokes run, 4 throttled
  test/integration/docker-executor.test.ts    # kills and removes containers mid-invoke
  test/integration/hot-reload.test.ts         # new code runs within 300 ms of the write
  test/integration/response-streaming.test.ts # each chunk arrives when the function writes it
  test/integration/sam-template.test.ts       # hot reload of a served template within 300 ms
  test/integration/sandbox.test.ts            # a fork bomb, memory and /tmp limits: loads the host
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
