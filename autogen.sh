#!/bin/sh
# Regenerate the build system; runs configure unless NOCONFIGURE is set.
set -e
cd "$(dirname "$0")"
autoreconf --force --install
[ -n "$NOCONFIGURE" ] || exec ./configure "$@"
