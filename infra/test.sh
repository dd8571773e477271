#!/usr/bin/env bash
# The README's test command: sets up the machine (infra/setup.sh), then runs every test project
# against the real components it installed (FFmpeg, PostgreSQL, the sample video).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/infra/setup.sh" --for-tests
# shellcheck source=/dev/null
source "$root/.local/env"
printf '\n== tests\n'
dotnet test "$root/UniHCP.Pipeline.sln" -c Release --no-build -nologo --logger "console;verbosity=normal" "$@"
