"""Start-up: the package imports lazily; ``compare`` starts its workers early."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sklearn_convlstm
from sklearn_convlstm.cli import _may_start_workers


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.slow  # a fresh interpreter importing torch
def test_import_loads_neither_torch_nor_scikit_learn_until_a_name_is_used():
    code = (
        "import sys, sklearn_convlstm\n"
        "print('torch' in sys.modules, 'sklearn' in sys.modules)\n"
        "from sklearn_convlstm import ConvLSTMClassifier\n"
        "print('torch' in sys.modules, ConvLSTMClassifier.__module__)\n"
    )
    assert _run(code).splitlines() == [
        "False False",
        "True sklearn_convlstm._classifier",
    ]


def test_every_top_level_name_resolves_to_its_home():
    for name in sklearn_convlstm.__all__:
        value = getattr(sklearn_convlstm, name)
        assert value is not None
        if name != "__version__":
            assert value.__module__.startswith("sklearn_convlstm._")
    with pytest.raises(AttributeError, match="no_such_name"):
        sklearn_convlstm.no_such_name  # noqa: B018


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["compare"], True),
        (["compare", "--dataset", "GunPoint", "--n-jobs", "2"], True),
        (["compare", "--n-jobs", "1"], False),
        (["compare", "--n-jobs=1"], False),
        (["compare", "--help"], False),
        (["compare", "-h"], False),
        (["tune", "--n-jobs", "2"], False),
        ([], False),
    ],
)
def test_only_a_compare_run_that_may_use_workers_starts_them_early(argv, expected):
    assert _may_start_workers(argv) is expected


@pytest.mark.slow  # a fork server importing torch in a subprocess
def test_warmed_workers_start_with_the_modules_imported(tmp_path):
    code = (
        "import concurrent.futures, sys\n"
        "from sklearn_convlstm._worker_start import (\n"
        "    warm_worker_processes, worker_context)\n"
        "def imported(_):\n"
        "    return 'torch._dynamo' in sys.modules\n"
        "if __name__ == '__main__':\n"
        "    print(worker_context().get_start_method())\n"
        "    print(warm_worker_processes(), worker_context().get_start_method())\n"
        "    with concurrent.futures.ProcessPoolExecutor(\n"
        "            1, mp_context=worker_context()) as pool:\n"
        "        print(pool.submit(imported, 0).result())\n"
    )
    script = tmp_path / "warm.py"  # workers import the main module by path
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert done.stdout.split() == ["spawn", "True", "forkserver", "True"]
