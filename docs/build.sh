#!/usr/bin/env bash
# Builds the documentation site with warnings as errors, then tests it in a
# real browser (headless Chromium). Run from anywhere, in the environment that
# has the docs extra installed (pip install -e ".[docs]"):
#
#     bash docs/build.sh            # build + test
#     bash docs/build.sh --no-test  # build only
#
# Output: docs/_build/html/index.html. The gallery examples run during the
# build, one torch thread each. Needs Debian's chromium and chromium-driver for
# the test; they are installed here when missing and apt-get is usable.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m sphinx -W --keep-going -b html docs docs/_build/html

if [[ "${1:-}" == "--no-test" ]]; then
    exit 0
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        echo "docs/build.sh: the browser test needs chromium and chromium-driver:" >&2
        echo "    sudo apt-get install -y chromium chromium-driver" >&2
        exit 1
    fi
fi

# The evidence and API checks need no browser; test_site.py opens the site in
# Chromium (it is skipped unless SKLEARN_CONVLSTM_DOCS_HTML is set).
SKLEARN_CONVLSTM_DOCS_HTML="$PWD/docs/_build/html" \
    python -m pytest docs/tests -p no:cacheprovider -q
