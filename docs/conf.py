"""Sphinx configuration for labelwise's documentation (built offline: ``make -C docs html``).

The user guide (``guide_src/``) and the gallery (``gallery_src/``) are Python scripts that
sphinx-gallery runs at build time: every number and figure a page shows is the output of its own
code on a bundled dataset. The API reference is generated from the numpydoc docstrings.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

import labelwise

project = "labelwise"
author = "labelwise developers"
copyright = "labelwise developers"
version = release = labelwise.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "lw_offline",
    "lw_cli",
]

# Nothing is loaded from the internet when the pages are built or read: no MathJax, no fonts or
# scripts from a CDN (the lw_offline extension fails the build if a page would reference one).
html_theme = "furo"
html_title = f"labelwise {release}"
html_static_path = ["_static"]
html_css_files = ["labelwise.css"]
html_show_sourcelink = False
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "build",
    "guide_src",  # sphinx-gallery reads these scripts and writes guide/ and gallery/
    "gallery_src",
    "**/*.md5",
    "**/*.pickle",
    "**/*.zip",
    "**/*.ipynb",
]
suppress_warnings = ["config.cache"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections already give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False

# The examples run on bundled data with small settings; one thread each keeps the build steady.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")

sphinx_gallery_conf = {
    "examples_dirs": ["guide_src", "gallery_src"],
    "gallery_dirs": ["guide", "gallery"],
    "filename_pattern": r"/",  # run every script
    "ignore_pattern": r"__init__\.py|(^|/)_",  # helpers shared by pages (gallery_src/_common.py)
    "capture_repr": ("_repr_html_", "__repr__"),
    "download_all_examples": False,
    "show_signature": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "min_reported_time": 10,
    "write_computation_times": False,
    "matplotlib_animations": False,
    "first_notebook_cell": None,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
}


def _skip_member(app, what, name, obj, skip, options):
    """Leave out scikit-learn's metadata-routing setters (``set_fit_request`` and friends): they
    are generated on every estimator and document scikit-learn, not labelwise."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
