#!/usr/bin/env bash
# The README's main-job command: sets up the machine (infra/setup.sh), then analyses the sample video end to end
# on the embedded (in-process) default - detection and the other tasks by the default model, tracking, storage in
# PostgreSQL - and prints a summary with where to look at the results. Extra arguments go to `unihcp run`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/infra/setup.sh" >/dev/null
# shellcheck source=/dev/null
source "$root/.local/env"
printf '== unihcp run (sample video: %s)\n' "$UNIHCP_SAMPLE_VIDEO"
"$root/infra/unihcp" run "$@"
