#!/usr/bin/env bash
# Release check: build the wheel, check what it carries, install it (not
# editable) into a fresh virtual environment and, from a directory outside the
# checkout, run the README's quickstart and `python -m sklearn_convlstm compare --help`.
#
#   bash .ci/check_wheel.sh
#
# Run by .ci/run after the tests; it works on its own too. It needs `python`
# with the `build` and `twine` packages (the [test] environment of .ci/run has
# them; they are installed when missing). Everything it makes lives in a
# temporary directory, removed at exit; set KEEP_WHEEL_CHECK=1 to keep it.
set -euo pipefail
cd "$(dirname "$0")/.."
repository="$(pwd)"
started=$SECONDS

work="$(mktemp -d "${TMPDIR:-/tmp}/sklearn_convlstm_wheel.XXXXXX")"
cleanup() {
  if [ "${KEEP_WHEEL_CHECK:-0}" = "1" ]; then
    echo "check_wheel: kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

step() { echo "check_wheel: [$((SECONDS - started)) s] $*" >&2; }

# 1. Build the sdist and the wheel outside the repository; twine checks both.
python -c "import build, twine" 2>/dev/null \
  || python -m pip install --quiet build twine
step "building the sdist and the wheel into $work/dist"
python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || {
  cat "$work/build.log" >&2
  echo "check_wheel: python -m build failed" >&2
  exit 1
}
python -m twine check --strict "$work"/dist/*
wheel="$(find "$work/dist" -name 'sklearn_convlstm-*.whl' | head -n 1)"
[ -n "$wheel" ] || { echo "check_wheel: no wheel was built" >&2; exit 1; }

# 2. What the wheel carries: every module of the package, its shipped datasets
#    and py.typed; nothing from tests/ or benchmarks/.
step "contents of $(basename "$wheel")"
python - "$wheel" "$repository" <<'EOF'
import pathlib
import sys
import zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
repository = pathlib.Path(sys.argv[2])
for name in names:
    print("  ", name)
errors = [
    f"the wheel carries {name}, from outside the package"
    for name in names
    if name.startswith(("tests/", "benchmarks/", "docs/", "examples/"))
]
shipped = [
    f"sklearn_convlstm/datasets/data/{dataset}_{split}.ts"
    for dataset in ("GunPoint", "ItalyPowerDemand")
    for split in ("TRAIN", "TEST")
] + ["sklearn_convlstm/py.typed"]
# Every module of the checkout's package (a subpackage without __init__.py
# would be left out by setuptools' find:).
shipped += sorted(
    path.relative_to(repository).as_posix()
    for path in (repository / "sklearn_convlstm").rglob("*.py")
    if "__pycache__" not in path.parts
)
errors += [f"the wheel lacks {name}" for name in shipped if name not in names]
for error in errors:
    print(f"check_wheel: {error}", file=sys.stderr)
print(f"check_wheel: {len(names)} files in the wheel", file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

# 3. A fresh virtual environment (no system or checkout packages), the CPU
#    build of torch first, then the wheel with no extra: the quickstart and
#    `compare --help` need none.
step "creating a fresh virtual environment"
python3 -m venv "$work/venv"
venv_python="$work/venv/bin/python"
"$venv_python" -m pip install --quiet "torch==2.13.0"
step "installing the wheel"
"$venv_python" -m pip install --quiet "$wheel"

# 4. From outside the checkout, so that nothing is imported from it.
mkdir "$work/outside"
cd "$work/outside"
step "running the quickstart from $(pwd)"
"$venv_python" - "$repository" <<'EOF'
import pathlib
import sys

import sklearn_convlstm
from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.datasets import load_dataset

location = pathlib.Path(sklearn_convlstm.__file__).resolve()
repository = pathlib.Path(sys.argv[1]).resolve()
if repository in location.parents:
    sys.exit(f"check_wheel: sklearn_convlstm was imported from the checkout ({location})")
if not (location.parent / "py.typed").is_file():
    sys.exit("check_wheel: the installed package has no py.typed")
print(f"sklearn_convlstm {sklearn_convlstm.__version__} from {location.parent}")

X_train, y_train, X_test, y_test = load_dataset("GunPoint")  # shipped in the wheel
clf = ConvLSTMClassifier(max_epochs=5, random_state=0)
clf.fit(X_train, y_train)
print(f"GunPoint test accuracy after 5 epochs: {clf.score(X_test, y_test):.3f}")
# the random-kernel head counts with numba's compiled loop (a requirement)
fused = ConvLSTMClassifier(max_epochs=2, head="random-kernels", random_state=0)
fused.fit(X_train, y_train)
print(f"with head='random-kernels': {fused.score(X_test, y_test):.3f}")
EOF
step "python -m sklearn_convlstm compare --help"
"$venv_python" -m sklearn_convlstm compare --help >"$work/compare_help.txt"
head -n 5 "$work/compare_help.txt"
"$work/venv/bin/sklearn-convlstm" --help >/dev/null

step "passed"
