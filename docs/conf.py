"""Sphinx configuration of the sklearn-convlstm documentation.

Builds offline with warnings as errors::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Nothing is fetched at build time: no intersphinx, no remote images.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))

import sklearn_convlstm  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "sklearn-convlstm"
author = "the sklearn-convlstm developers"
copyright = "the sklearn-convlstm developers, BSD-3-Clause"
release = sklearn_convlstm.__version__
version = ".".join(release.split(".")[:2])

# -- Extensions --------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "evidence",  # docs/_ext/evidence.py: the evidence page from benchmarks/results
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "tests",
    "_ext",
    "Thumbs.db",
    ".DS_Store",
    # sphinx-gallery writes these next to the gallery; they are not pages of ours
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
]
# Offline: mathjax would load from a CDN, but only on pages that use math, and
# only in the reader's browser; the build itself fetches nothing.
intersphinx_mapping: dict = {}

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autosummary_imported_members = False
# Methods that PyTorch modules inherit from torch.nn.Module (train, eval, to,
# register_forward_hook, ...) are not listed on our pages: they are torch's,
# documented by torch, and their docstrings are not numpydoc.
import torch  # noqa: E402

autosummary_context = {"torch_module_members": sorted(dir(torch.nn.Module))}
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"  # the numpydoc sections state the types
numpydoc_show_class_members = False  # our class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- MyST ---------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    # examples run side by side, one torch thread each (both cores of CI)
    "parallel": 2,
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "abort_on_example_error": True,
    # one torch thread per example (docs/_ext/gallery_reset.py); by name so the
    # configuration stays picklable
    "reset_modules": ("matplotlib", "gallery_reset.reset_torch"),
    "reset_modules_order": "before",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklearn_convlstm",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "capture_repr": ("_repr_html_", "__repr__"),
}
os.environ.setdefault("MPLBACKEND", "Agg")

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-convlstm {release}"
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "icon_links": [],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "auto"}
# Pages without sub-pages get the full width (no empty section navigation).
html_sidebars = {"index": [], "evidence": [], "changelog": [], "api/index": []}
html_show_sourcelink = False
html_copy_source = False


_SITE_ROLE = re.compile(r":(?:ref|doc|term):`([^`<]*?)\s*(?:<[^`>]*>)?`", re.S)


def _plain_site_references(app, what, name, obj, options, lines):
    """Turn ``:ref:``, ``:doc:`` and ``:term:`` of other projects into plain text.

    Methods our estimators inherit (``score``, ``set_output``,
    ``set_fit_request`` from scikit-learn; ``transition`` from dask) point at
    pages of their own project's site, which this offline build cannot link
    to (no intersphinx). Our own docstrings are left alone, so a broken
    reference of ours still fails the build.
    """
    module = getattr(obj, "__module__", None) or ""
    if module == "sklearn_convlstm" or module.startswith("sklearn_convlstm."):
        _escape_double_underscores_in_types(lines)
        return
    text = _SITE_ROLE.sub(lambda m: m.group(1) or "", "\n".join(lines))
    lines[:] = text.split("\n")


_PARAMETER_LINE = re.compile(r"^\s*(\*\*)?[A-Za-z_][\w, *]*(\*\*)? : ")


def _escape_double_underscores_in_types(lines):
    """Keep ``default="classifier__"`` in a parameter's type line literal.

    numpydoc copies the type text into reStructuredText as it is, where a word
    ending in ``__`` is an anonymous hyperlink; scikit-learn-style prefixes
    (``classifier__``) would otherwise break the build.
    """
    for i, line in enumerate(lines):
        if _PARAMETER_LINE.match(line):
            lines[i] = re.sub(r"(?<=\w)__(?=[\"'\s,)]|$)", r"\\_\\_", line)


def setup(app):
    """Connect the docstring filter."""
    app.connect("autodoc-process-docstring", _plain_site_references)
