#!/usr/bin/env bash
# The README's main-job command: sets up the machine (infra/setup.sh), then runs the main job on
# the embedded (in-process) default over the sample video and says where to look at the results.
# Today the main job is ingest (decode and count); it becomes the full analysis (`unihcp run`:
# detection, pose, parsing, attributes, ReID, tracking, storage) as those stages land.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/infra/setup.sh" >/dev/null
# shellcheck source=/dev/null
source "$root/.local/env"
printf '== unihcp ingest (sample video: %s)\n' "$UNIHCP_SAMPLE_VIDEO"
"$root/infra/unihcp" ingest "$@"
