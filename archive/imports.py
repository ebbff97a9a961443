"""Import one module of a package without running the package's ``__init__``.

Some well-kept libraries import everything they ship from their ``__init__``: ``import datasketch``
loads every index (its LSH imports ``scipy.integrate``, ~50 MB of resident memory), and any
``import trafilatura.x`` loads trafilatura's whole extraction stack (~5 MB).  A crawl process that
needs one small module of each (``datasketch.minhash``, ``trafilatura.xpaths``) pays for all of it
in every worker.  Where the package is not loaded yet, the module is imported under a bare stand-in
for the package that is removed again at once: the module is the library's own, and a later full
``import`` of the package finds the same module object in ``sys.modules``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


def load_alone(package: str, module: str) -> types.ModuleType:
    """``package.module``, imported without ``package/__init__.py`` unless that already ran."""
    name = f"{package}.{module}"
    if package in sys.modules or name in sys.modules:
        return importlib.import_module(name)
    spec = importlib.util.find_spec(package)  # finds the package, runs none of it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is not installed")
    stand_in = types.ModuleType(package)
    stand_in.__path__ = list(spec.submodule_search_locations)
    sys.modules[package] = stand_in
    try:
        return importlib.import_module(name)
    finally:
        del sys.modules[package]
