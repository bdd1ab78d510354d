"""The package's layers: no import cycle, one public path per object, old paths warn."""

from __future__ import annotations

import ast
import importlib
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

import sklearn_convlstm
from sklearn_convlstm import _deprecation

PACKAGE = Path(sklearn_convlstm.__file__).parent

#: Every public home and what it exports.
PUBLIC_HOMES = (
    "sklearn_convlstm",
    "sklearn_convlstm.nn",
    "sklearn_convlstm.datasets",
    "sklearn_convlstm.parallel",
    "sklearn_convlstm.baselines",
    "sklearn_convlstm.ensemble",
    "sklearn_convlstm.export",
    "sklearn_convlstm.inspection",
    "sklearn_convlstm.tuning",
    "sklearn_convlstm.compare",
    "sklearn_convlstm.cli",
    "sklearn_convlstm.streaming",
    "sklearn_convlstm.early_classification",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """Every ``from X import names`` of a module, relative ones resolved."""
    name = _module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
    return found


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (type-only imports included)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, names in _imports(path):
            for target in [module] + [f"{module}.{n}" for n in names]:
                if (
                    target in MODULES
                    and target not in (name, "sklearn_convlstm")
                    and not name.startswith(target + ".")
                ):
                    graph[name].add(target)
    return graph


def test_no_import_cycle_between_modules():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_cycle_check_finds_a_cycle(monkeypatch, tmp_path):
    # The check above must be able to fail: two modules importing each other.
    package = tmp_path / "sklearn_convlstm"
    package.mkdir()
    (package / "a.py").write_text("from sklearn_convlstm.b import x\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sklearn_convlstm.a import y\n"
    )
    monkeypatch.setattr(
        __import__(__name__, fromlist=["x"]),
        "MODULES",
        {
            "sklearn_convlstm.a": package / "a.py",
            "sklearn_convlstm.b": package / "b.py",
        },
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "PACKAGE", package)
    with pytest.raises(AssertionError):
        test_no_import_cycle_between_modules()


def test_nn_imports_neither_scikit_learn_nor_skorch():
    for name, path in MODULES.items():
        if name.startswith("sklearn_convlstm.nn"):
            imported = {module.split(".")[0] for module, _ in _imports(path)}
            assert not imported & {"sklearn", "skorch", "scipy"}, name
            assert all(
                module.startswith("sklearn_convlstm.nn")
                for module, _ in _imports(path)
                if module.startswith("sklearn_convlstm")
            ), name


def test_no_private_name_crosses_packages_except_from_the_engine():
    crossings = []
    for name, path in MODULES.items():
        package = name.rsplit(".", 1)[0] if path.name != "__init__.py" else name
        for module, names in _imports(path):
            if not module.startswith("sklearn_convlstm") or module.startswith(
                "sklearn_convlstm._engine"
            ):
                continue
            home = (
                module
                if module in MODULES and (MODULES[module].name == "__init__.py")
                else module.rsplit(".", 1)[0]
            )
            private = [n for n in names if n.startswith("_") and n != "__version__"]
            if private and home != package and not module.startswith(package + "."):
                crossings.append((name, module, private))
    # sklearn_convlstm._deprecation is a module, not a private name of one.
    assert [c for c in crossings if c[2] != ["_deprecation"]] == []


def test_top_level_keeps_at_most_20_names():
    public = [name for name in sklearn_convlstm.__all__ if name != "__version__"]
    assert len(public) <= 20
    assert sorted(dir(sklearn_convlstm)) == sorted(sklearn_convlstm.__all__)


@pytest.mark.parametrize("home", PUBLIC_HOMES)
def test_every_public_name_imports_from_its_home(home):
    module = importlib.import_module(home)
    for name in getattr(module, "__all__", []):
        assert getattr(module, name) is not None


def test_one_public_path_per_object():
    seen: dict[int, str] = {}
    for home in PUBLIC_HOMES:
        module = importlib.import_module(home)
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if name.startswith("__") or not callable(value):
                continue
            path = f"{home}.{name}"
            assert id(value) not in seen, f"{path} is also {seen.get(id(value))}"
            seen[id(value)] = path


def test_modules_are_at_most_800_lines():
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text().splitlines())) > 800
    }
    assert long == {}


def test_no_docstring_points_into_benchmarks():
    pointing = [
        name for name, path in MODULES.items() if "benchmarks/" in path.read_text()
    ]
    assert pointing == []


@pytest.mark.parametrize("name, home", sorted(_deprecation.MOVED_NAMES.items()))
def test_a_name_that_left_the_top_level_warns_with_its_new_path(name, home):
    with pytest.warns(DeprecationWarning, match=rf"import it from {home}"):
        value = getattr(sklearn_convlstm, name)
    assert value is getattr(importlib.import_module(home), name)


def test_an_unknown_top_level_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        sklearn_convlstm.nothing_here  # noqa: B018


@pytest.mark.parametrize(
    "old, name, new",
    [
        ("sklearn_convlstm.networks", "ConvLSTMNetwork", "sklearn_convlstm.nn"),
        ("sklearn_convlstm.input_layers", "z_normalise", "sklearn_convlstm.nn"),
        ("sklearn_convlstm.random_kernels", "RandomKernelRidge", "sklearn_convlstm.nn"),
        ("sklearn_convlstm.classifier", "ConvLSTMClassifier", "sklearn_convlstm"),
        ("sklearn_convlstm.lazy", "RaggedSeries", "sklearn_convlstm"),
        ("sklearn_convlstm.cluster", "tune_on_dask", "sklearn_convlstm.parallel"),
        ("sklearn_convlstm.tuning.spaces", "ParamSpace", "sklearn_convlstm.tuning"),
        (
            "sklearn_convlstm.compare.runner",
            "run_comparison",
            "sklearn_convlstm.compare",
        ),
    ],
)
def test_an_old_module_path_warns_with_the_new_one(old, name, new):
    if name == "tune_on_dask":
        pytest.importorskip("distributed")
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=rf"{old}\.{name} has moved: .*{new}"):
        value = getattr(module, name)
    expected = _deprecation.RENAMED.get(name, name)
    assert value is getattr(importlib.import_module(new), expected)


# Slow: a fresh interpreter imports torch and the package and fits a model.
@pytest.mark.slow
def test_the_old_explain_module_and_function_both_still_work():
    # In 0.1 ``sklearn_convlstm.explain`` was a module and, at the top level,
    # the function: both forward to sklearn_convlstm.inspection, with a warning.
    import subprocess
    import sys

    code = """
import warnings
import numpy as np
import sklearn_convlstm
from sklearn_convlstm import ConvLSTMClassifier
warnings.simplefilter("error", DeprecationWarning)
X = np.random.RandomState(0).normal(size=(8, 1, 12)).astype(np.float32)
clf = ConvLSTMClassifier(variant="basic", max_epochs=1, random_state=0)
clf.fit(X, np.arange(8) % 2)
for old in ("module", "function"):
    try:
        if old == "module":
            from sklearn_convlstm.explain import plot_attribution
        else:
            sklearn_convlstm.explain(clf, X[:2])
    except DeprecationWarning as warning:
        print(old, "->", str(warning).split(" instead")[0])
warnings.simplefilter("ignore", DeprecationWarning)
print(sklearn_convlstm.explain(clf, X[:2]).shape)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [
        "module -> sklearn_convlstm.explain.plot_attribution has moved: import it "
        "from sklearn_convlstm.inspection",
        "function -> sklearn_convlstm.explain has moved: import it from "
        "sklearn_convlstm.inspection (sklearn_convlstm.inspection.explain)",
        "(2, 1, 12)",
    ]


def test_compare_no_longer_re_exports_the_tuned_estimator():
    import sklearn_convlstm.compare as compare
    from sklearn_convlstm.tuning import TunedConvLSTM

    assert "TunedConvLSTM" not in compare.__all__
    with pytest.warns(
        DeprecationWarning, match="import it from sklearn_convlstm.tuning"
    ):
        assert compare.TunedConvLSTM is TunedConvLSTM


def test_a_pickle_made_with_the_old_module_paths_still_loads():
    from sklearn_convlstm import ConvLSTMClassifier

    X = np.random.RandomState(0).normal(size=(8, 1, 12)).astype(np.float32)
    y = np.array([0, 1] * 4)
    model = ConvLSTMClassifier(
        variant="basic", max_epochs=1, batch_size=4, random_state=0
    ).fit(X, y)
    # what 0.1 wrote: the classes under their old module paths
    # (protocol 2 names classes in GLOBAL opcodes: "c<module>\n<name>\n")
    data = (
        pickle.dumps(model, protocol=2)
        .replace(b"csklearn_convlstm._classifier\n", b"csklearn_convlstm.classifier\n")
        .replace(b"csklearn_convlstm._engine.nets\n", b"csklearn_convlstm.classifier\n")
    )
    assert data.count(b"csklearn_convlstm.classifier\n") == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        restored = pickle.loads(data)
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
