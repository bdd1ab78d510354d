"""Tests of the optional-dependency helper (one message format, naming the extra)."""

from __future__ import annotations

import sys

import pytest

from sklearn_convlstm._optional import (
    EXTRAS,
    import_optional,
    missing_message,
    module_available,
)


def test_import_optional_returns_the_module():
    assert import_optional("json") is sys.modules["json"]


def test_import_optional_names_the_extra_from_the_table(monkeypatch):
    monkeypatch.setitem(sys.modules, "pycatch22", None)  # import fails
    with pytest.raises(ImportError) as info:
        import_optional("pycatch22", purpose="Catch22Features")
    assert str(info.value) == (
        "Catch22Features needs the optional package pycatch22; install it with: "
        "pip install 'sklearn-convlstm[catch22]'"
    )
    assert isinstance(info.value.__cause__, ImportError)


def test_missing_message_joins_modules_and_their_extras():
    assert missing_message("method 'x'", ["pycatch22", "optuna"]) == (
        "method 'x' needs the optional packages pycatch22, optuna; install them "
        "with: pip install 'sklearn-convlstm[catch22,tuning]'"
    )
    assert missing_message("Plots", ["matplotlib"], extra="all").endswith(
        "pip install 'sklearn-convlstm[all]'"
    )


def test_every_extra_in_the_table_exists_in_setup_cfg():
    from configparser import ConfigParser
    from pathlib import Path

    config = ConfigParser()
    config.read(Path(__file__).parents[1] / "setup.cfg")
    extras = set(config["options.extras_require"])
    assert set(EXTRAS.values()) <= extras


def test_module_available_treats_a_blocked_module_as_missing(monkeypatch):
    assert module_available("json")
    assert not module_available("no_such_module_xyz")
    monkeypatch.setitem(sys.modules, "blocked_module_xyz", None)
    assert not module_available("blocked_module_xyz")


def test_a_missing_submodule_names_its_package_and_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"^Plots needs the optional package "):
        import_optional("matplotlib.pyplot", purpose="Plots")
    with pytest.raises(ImportError, match=r"matplotlib; install it with: pip "):
        import_optional("matplotlib.pyplot", purpose="Plots")
