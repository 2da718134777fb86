#!/usr/bin/env bash
# The peer: django-helpdesk from PyPI in its own virtualenv OUTSIDE this repository, with a minimal
# Django project generated under $PEER_PROJECT (default /tmp/peer-project). Nothing of it is committed.
# Usage: bench/peer/setup.sh [SIZE]   (SIZE=10k|100k|1m: creates, migrates and seeds hd_bench_peer_$SIZE)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PEER_VENV="${PEER_VENV:-/tmp/peer-venv}"
PEER_PROJECT="${PEER_PROJECT:-/tmp/peer-project}"
SIZE="${1:-${SIZE:-10k}}"
case "$SIZE" in 10k) N=10000; M=100;; 100k) N=100000; M=1000;; 1m) N=1000000; M=5000;; *) echo "size?"; exit 2;; esac

if [ ! -x "$PEER_VENV/bin/python" ]; then
  uv venv -q "$PEER_VENV" -p 3.11
fi
uv pip install -q --python "$PEER_VENV/bin/python" "django-helpdesk==2.6.1" "psycopg2-binary>=2.9"

mkdir -p "$PEER_PROJECT/peerproj"
touch "$PEER_PROJECT/peerproj/__init__.py"
cp "$HERE/peer_settings.py" "$PEER_PROJECT/peerproj/settings.py"
cp "$HERE/peer_urls.py" "$PEER_PROJECT/peerproj/urls.py"

cd "$PEER_PROJECT"  # never next to our own package named helpdesk
export PYTHONPATH="$PEER_PROJECT" DJANGO_SETTINGS_MODULE=peerproj.settings PEER_DB="hd_bench_peer_$SIZE"
createdb -h 127.0.0.1 -U postgres "$PEER_DB" 2>/dev/null || true
"$PEER_VENV/bin/python" -m django migrate -v0
"$PEER_VENV/bin/python" "$HERE/seed.py" --tickets "$N" --organizations "$M"
echo "peer ready: $PEER_DB ($N tickets)"
