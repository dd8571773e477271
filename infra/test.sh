#!/usr/bin/env bash
# The README's test command: sets up the machine (infra/setup.sh), then runs every test project
# against the real components it installed (FFmpeg, PostgreSQL, the sample video).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/infra/setup.sh" --for-tests
# shellcheck source=/dev/null
source "$root/.local/env"
printf '\n== tests\n'
log="$root/.local/test-results.log"
status=0
dotnet test "$root/UniHCP.Pipeline.sln" -c Release --no-build -nologo --logger "console;verbosity=normal" "$@" 2>&1 \
    | tee "$log" || status=$?
# The projects run in parallel and interleave their output; repeat the failures last, where a
# reader of a truncated CI log looks first.
if [ "$status" -ne 0 ]; then
    printf '\n== failures (full log: %s)\n' "$log"
    grep -E -A12 '^\s+Failed [A-Za-z]' "$log" | grep -v -E '^\s+at (System|Xunit)\.' || true
fi
exit "$status"
