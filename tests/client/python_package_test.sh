#!/usr/bin/env bash
# The Python SDK as a user installs it: `pip install ./client/python[frames]`
# into a fresh virtual environment over Debian's grpcio, protobuf and pandas,
# with no index (nothing is downloaded), from a copy of the sources (the
# checkout stays clean); then the SDK's tests and its example run against
# the installed package, not the build tree's.
#   python_package_test.sh <source dir> <tilbake-server> <tilbake>
set -euo pipefail
src=$1 server=$2 cli=$3
work=$(mktemp -d /tmp/tilbake-pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/client"
cp -r "$src/client/python" "$work/src/client/"
cp -r "$src/proto" "$work/src/"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install --quiet --no-build-isolation --no-index \
  "$work/src/client/python[frames]"
cd "$work"
unset PYTHONPATH
"$work/venv/bin/python" - <<'PY'
import tilbake, tilbake.v1.trends_pb2
assert "/venv/" in tilbake.__file__, tilbake.__file__
print("installed:", tilbake.__file__)
PY
TILBAKE_SERVER=$server TILBAKE_CLI=$cli \
  "$work/venv/bin/python" -m unittest discover -s "$work/src/client/python/tests"
