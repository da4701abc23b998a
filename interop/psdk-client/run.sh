#!/usr/bin/env bash
# Runs small driver programs built on YOUR copy of the Genesys Platform SDK for Java 9.0 against a server (IXS or any
# Interaction Server / T-Server), for interoperability testing. Only the driver's own sources live here; the SDK is
# never part of this repository. Set PSDK_LIB to your Platform SDK's lib folder (the one holding commons.jar,
# connection.jar, protocol.jar, openmediaprotocol.jar, ... and the netty-*.jar files), for example
# /opt/genesys/psdk/lib. The driver is compiled into .work/ beside this script (or PSDK_WORK). Needs a JDK 11+.
#
#   PSDK_LIB=/path/to/your/sdk/lib ./run.sh build
#       only compile the driver (do this once before starting several clients at the same time)
#   PSDK_LIB=/path/to/your/sdk/lib ./run.sh client --host H --port P --type MediaServer --name N [options]
#       Interaction Server client (psdkh.IsClient)
#   PSDK_LIB=/path/to/your/sdk/lib ./run.sh tlib-client --host H --port P [options]
#       T-Library client, the routing-engine side (psdkh.TlibClient)
# Each client prints one JSON line per message sent or received; see README.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; }

cmd="${1:-}"
case "$cmd" in
  client)      MAIN=psdkh.IsClient ;;
  tlib-client) MAIN=psdkh.TlibClient ;;
  build)       MAIN= ;;
  *) usage; exit 2 ;;
esac
shift

if [ -z "${PSDK_LIB:-}" ]; then
  echo "run.sh: set PSDK_LIB to your Platform SDK's lib folder (e.g. PSDK_LIB=/opt/genesys/psdk/lib)" >&2
  exit 2
fi
LIB="$(cd "$PSDK_LIB" 2>/dev/null && pwd)" || { echo "run.sh: PSDK_LIB=$PSDK_LIB is not a folder" >&2; exit 2; }

# The SDK jars the driver needs at compile and run time (netty's jars are checked by prefix: some SDK
# installations name them with a version suffix).
missing=""
for j in commons connection protocol kvlists openmediaprotocol voiceprotocol; do
  [ -f "$LIB/$j.jar" ] || missing="$missing $j.jar"
done
ls "$LIB"/netty-transport*.jar >/dev/null 2>&1 || missing="$missing netty-*.jar"
if [ -n "$missing" ]; then
  echo "run.sh: $LIB does not look like a Platform SDK for Java lib folder; missing:$missing" >&2
  exit 2
fi
# Every jar of the folder goes on the class path (Java expands the '*' itself).
CP="$LIB/*"

command -v javac >/dev/null 2>&1 || { echo "run.sh: javac not found (a JDK 11 or newer is needed)" >&2; exit 2; }

WORK="${PSDK_WORK:-$HERE/.work}"
BUILD="$WORK/classes"
STAMP="$BUILD/.stamp"
mkdir -p "$WORK"
# Several clients started at once must not compile over each other: take a lock where flock(1) exists.
if command -v flock >/dev/null 2>&1; then exec 9>"$WORK/.lock"; flock 9; fi
# Recompile when a source changed or PSDK_LIB points somewhere else than last time.
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LIB" ] \
   || [ -n "$(find "$HERE/src" -name '*.java' -newer "$STAMP" 2>/dev/null | head -1)" ]; then
  rm -rf "$BUILD"; mkdir -p "$BUILD"
  # shellcheck disable=SC2046
  if ! javac -nowarn -encoding UTF-8 -cp "$CP" -d "$BUILD" $(find "$HERE/src" -name '*.java') 2>"$WORK/javac.log"; then
    grep -v '^Note:' "$WORK/javac.log" >&2 || true
    echo "run.sh: compiling the driver against $LIB failed" >&2
    exit 1
  fi
  printf '%s' "$LIB" > "$STAMP"
fi
exec 9>&-

if [ -z "$MAIN" ]; then echo "compiled into $BUILD"; exit 0; fi
exec java -Dfile.encoding=UTF-8 -cp "$BUILD:$CP" "$MAIN" "$@"
