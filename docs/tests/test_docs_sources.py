# ruff: noqa: D103 - test functions, as in tests/ (pyproject ignores D there)
"""Checks of the documentation's sources that need no build and no browser.

* The evidence page reads every current study of ``benchmarks/results/`` and
  the headline figures compute.
* The README's headline figures are those the evidence page computes now.
* The API reference lists every public class and function of every public
  module, at the path users import it from.
* The README and the user guide name no paths outside the repository.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

import evidence  # noqa: E402

# The figures README.md quotes, by their key on the evidence page.
README_HEADLINES = (
    "test-fs-mean-convlstm-default",
    "test-mean-convlstm-default",
    "test-mean-minirocket",
    "regime-k1-cand-rk",
    "regime-k1-minirocket",
    "regime-k2-cand-rk",
    "regime-k2-minirocket",
    "speed-fit-ratio",
)

# Public modules and the objects each must document (LAYOUT of the package).
PUBLIC_MODULES = (
    "sklearn_convlstm",
    "sklearn_convlstm.nn",
    "sklearn_convlstm.datasets",
    "sklearn_convlstm.baselines",
    "sklearn_convlstm.ensemble",
    "sklearn_convlstm.tuning",
    "sklearn_convlstm.parallel",
    "sklearn_convlstm.inspection",
    "sklearn_convlstm.export",
    "sklearn_convlstm.compare",
    "sklearn_convlstm.cli",
    "sklearn_convlstm.streaming",
    "sklearn_convlstm.early_classification",
)


def test_every_current_study_is_rendered():
    studies = evidence.read_index()
    assert len(studies) >= 20
    page = evidence.render_page()
    for study in studies:
        assert study.path.is_dir(), (
            f"the index lists {study.name}/, which does not exist"
        )
        assert f".. _{study.label}:" in page


def test_headline_figures_compute():
    headlines = evidence.compute_headlines()
    assert set(README_HEADLINES) <= set(headlines)
    for headline in headlines.values():
        # a number (R² may be negative), or a ratio ("2.1x")
        assert re.fullmatch(r"-?[0-9.,]+x?", headline.value), (
            headline.key,
            headline.value,
        )


def test_readme_fits_on_a_page():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; at most 250"


def test_readme_quotes_the_evidence_page():
    readme = (ROOT / "README.md").read_text()
    headlines = evidence.compute_headlines()
    for key in README_HEADLINES:
        value = headlines[key].value
        assert re.search(rf"(?<![0-9.]){re.escape(value)}(?![0-9])", readme), (
            f"README.md should quote {key} = {value} (computed from benchmarks/results)"
        )


def test_user_guide_quotes_only_known_figures():
    known = set(evidence.compute_headlines())
    for page in (DOCS / "user_guide").glob("*.md"):
        for key in re.findall(r"\{evidence\}`([^`]+)`", page.read_text()):
            assert key in known, f"{page.name} quotes unknown figure {key!r}"


def _documented_names() -> set[str]:
    text = (DOCS / "api" / "index.rst").read_text()
    names = set()
    module = None
    for line in text.splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::", 1)[1].strip()
        elif module and re.fullmatch(r"   [A-Za-z_][A-Za-z0-9_]*", line):
            names.add(f"{module}.{line.strip()}")
    return names


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_api_reference_lists_every_public_object(module_name):
    module = importlib.import_module(module_name)
    documented = _documented_names()
    missing = []
    for name in getattr(module, "__all__", []):
        if name.startswith("_") or name.isupper():
            continue  # __version__ and constants
        try:
            obj = getattr(module, name)
        except ImportError:  # an optional dependency of a lazily imported name
            continue
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # type aliases
        if not obj.__module__.startswith("sklearn_convlstm"):
            continue
        qualified = f"{module_name}.{name}"
        # one public path per object: documented here or at another public path
        if qualified not in documented and not any(
            d.endswith(f".{name}") and _same_object(d, obj) for d in documented
        ):
            missing.append(qualified)
    assert not missing, f"docs/api/index.rst does not list: {missing}"


def _same_object(dotted: str, obj) -> bool:
    module_name, _, name = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name) is obj
    except (ImportError, AttributeError):
        return False


def test_api_reference_objects_import():
    for dotted in sorted(_documented_names()):
        assert _same_object(dotted, _resolve(dotted)), dotted


def _resolve(dotted: str):
    module_name, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "README.md",
        *sorted((DOCS / "user_guide").glob("*.md")),
        DOCS / "index.md",
    ],
)
def test_no_paths_outside_the_repository_and_no_issue_numbers(path):
    text = path.read_text()
    assert "../shared" not in text and "/work/" not in text, path.name
    assert not re.search(r"\bissue #?\d+", text, re.I), (
        f"{path.name} names an issue number"
    )
