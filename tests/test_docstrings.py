"""Every public callable documents exactly the parameters of its signature.

As scikit-learn's ``test_docstring_parameters``: the numpydoc "Parameters"
section of each public function, class (its ``__init__``) and public method
names the same parameters, in the same order, as the signature.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc

from sklearn_convlstm import _deprecation

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
    "sklearn_convlstm.streaming",
    "sklearn_convlstm.early_classification",
)

#: Parameters a signature may have without documenting them.
UNDOCUMENTED = {"self", "cls", "args", "kwargs", "fit_params", "params"}


def _public_callables():
    seen = set()
    for home in PUBLIC_HOMES:
        try:
            module = importlib.import_module(home)
        except ImportError:  # an optional dependency (dask) is missing
            continue
        for name in getattr(module, "__all__", ()):
            try:
                obj = getattr(module, name)
            except ImportError:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants and type aliases (ParamSpace)
            if id(obj) in seen or name.startswith("_"):
                continue
            seen.add(id(obj))
            yield f"{home}.{name}", obj
            if inspect.isclass(obj):
                for method_name, method in vars(obj).items():
                    if method_name.startswith("_") or not inspect.isfunction(method):
                        continue
                    yield f"{home}.{name}.{method_name}", method


def _signature_names(obj) -> list[str]:
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    # ``**forest_params`` is documented as such; bare ``*args``/``**kwargs`` not
    return [name for name in signature.parameters if name not in UNDOCUMENTED]


def _documented_names(obj) -> list[str]:
    doc = (
        ClassDoc(obj, config={"show_class_members": False})
        if inspect.isclass(obj)
        else FunctionDoc(obj)
    )
    names = []
    for parameter in doc["Parameters"]:
        for name in parameter.name.split(","):
            name = name.strip().lstrip("*")
            if name and name not in UNDOCUMENTED:
                names.append(name)
    return names


CALLABLES = dict(_public_callables())


def test_the_public_api_is_found():
    assert "sklearn_convlstm.ConvLSTMClassifier" in CALLABLES
    assert "sklearn_convlstm.ConvLSTMClassifier.fit" in CALLABLES
    assert "sklearn_convlstm.datasets.load_dataset" in CALLABLES
    assert len(CALLABLES) > 100
    assert not set(_deprecation.MOVED_NAMES) & {
        path.rsplit(".", 1)[1] for path in CALLABLES if path.count(".") == 1
    }


@pytest.mark.parametrize("path", sorted(CALLABLES))
def test_docstring_documents_exactly_the_signature(path):
    obj = CALLABLES[path]
    if inspect.isclass(obj) and obj.__init__ is object.__init__:
        pytest.skip("no constructor parameters")
    if not (obj.__doc__ or "").strip():
        pytest.fail(f"{path} has no docstring")
    if inspect.isclass(obj) and (
        hasattr(obj, "_fields") or dataclasses.is_dataclass(obj)
    ):
        # A record (NamedTuple, dataclass): its fields, the constructor's
        # parameters, are documented as parameters or as attributes.
        doc = ClassDoc(obj, config={"show_class_members": False})
        section = doc["Parameters"] or doc["Attributes"]
        fields = [entry.name for entry in section]
        assert [f for f in fields if f in _signature_names(obj)] == (
            _signature_names(obj)
        )
        return
    assert _documented_names(obj) == _signature_names(obj)


def test_the_check_catches_a_missing_parameter():
    def documented_badly(alpha, beta):
        """Do something.

        Parameters
        ----------
        alpha : int
            The first.
        """

    assert _documented_names(documented_badly) != _signature_names(documented_badly)
