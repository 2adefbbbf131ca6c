"""Forecast sources, registered by id.

The adapters' modules import xarray, Dask and eccodes (a second): they are imported when a
source is first asked for (:func:`get_source`, :data:`SOURCES`), and the sources' descriptions
(``crosswarn run --help``) are read from their modules without importing them.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.settings import Settings
    from pipeline.sources.base import Source

#: Every source: its id, and the module and class of its adapter, in the order they are listed.
REGISTRY: dict[str, tuple[str, str]] = {
    "dwd-icon-d2": ("pipeline.sources.dwd", "IconD2"),
    "dwd-icon-d2-ruc": ("pipeline.sources.dwd", "IconD2Ruc"),
    "dwd-icon-eu": ("pipeline.sources.dwd", "IconEu"),
    "dwd-icon-d2-eps": ("pipeline.sources.dwd", "IconD2Eps"),
    "dwd-icon-eu-eps": ("pipeline.sources.dwd", "IconEuEps"),
    "knmi-harmonie": ("pipeline.sources.knmi", "KnmiHarmonie"),
    "ecmwf-ifs": ("pipeline.sources.ecmwf", "EcmwfIfs"),
    "ecmwf-ens": ("pipeline.sources.ecmwf", "EcmwfEns"),
}


@functools.cache
def _load(source_id: str) -> type[Source]:
    """The adapter class of ``source_id``, importing its module alone (a run of one source
    does not load the others': KNMI's imports eccodes, which `crosswarn run` loads later)."""
    module, name = REGISTRY[source_id]
    source = getattr(importlib.import_module(module), name)
    if source.id != source_id:
        raise ConfigError(f"{module}.{name} has id {source.id!r}, registered as {source_id!r}")
    return source


def _sources() -> dict[str, type[Source]]:
    return {source_id: _load(source_id) for source_id in REGISTRY}


def __getattr__(name: str):
    if name == "SOURCES":  # source id -> adapter class, imported on first use
        return _sources()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_source(source_id: str) -> type[Source]:
    if source_id not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise ConfigError(f"unknown source {source_id!r}; known sources: {known}")
    return _load(source_id)


def describe_sources(width: int = 100) -> list[str]:
    """Lines for people listing every source: its id and what it is (the first paragraph of
    its class's docstring, read from the module's source), wrapped at ``width``."""
    lines = []
    for source_id, (module, name) in REGISTRY.items():
        doc = _docstrings(module).get(name, "")
        summary = " ".join(doc.split("\n\n")[0].split())
        lines += textwrap.wrap(
            f"{source_id:<17} {summary}", width, initial_indent="  ", subsequent_indent=" " * 20
        )
    return lines


@functools.cache
def _docstrings(module: str) -> dict[str, str]:
    """The docstrings of the classes of ``module``, without importing it."""
    tree = ast.parse(Path(importlib.util.find_spec(module).origin).read_text())
    return {
        node.name: ast.get_docstring(node) or ""
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def make_source(source_id: str, settings: Settings) -> Source:
    """The source ``source_id`` configured from ``settings``."""
    return get_source(source_id).from_settings(settings)
