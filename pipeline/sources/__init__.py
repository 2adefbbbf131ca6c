"""Forecast sources, registered by id."""

from __future__ import annotations

import inspect
import textwrap
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError
from pipeline.sources.base import Source
from pipeline.sources.dwd import IconD2, IconD2Eps, IconD2Ruc, IconEu, IconEuEps
from pipeline.sources.ecmwf import EcmwfEns, EcmwfIfs
from pipeline.sources.knmi import KnmiHarmonie

if TYPE_CHECKING:
    from pipeline.settings import Settings

SOURCES: dict[str, type[Source]] = {
    source.id: source
    for source in (
        IconD2,
        IconD2Ruc,
        IconEu,
        IconD2Eps,
        IconEuEps,
        KnmiHarmonie,
        EcmwfIfs,
        EcmwfEns,
    )
}


def get_source(source_id: str) -> type[Source]:
    try:
        return SOURCES[source_id]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise ConfigError(f"unknown source {source_id!r}; known sources: {known}") from None


def describe_sources(width: int = 100) -> list[str]:
    """Lines for people listing every source: its id and what it is (the first paragraph of
    its class's docstring), wrapped at ``width``."""
    lines = []
    for source_id, source in SOURCES.items():
        summary = " ".join((inspect.getdoc(source) or "").split("\n\n")[0].split())
        lines += textwrap.wrap(
            f"{source_id:<17} {summary}", width, initial_indent="  ", subsequent_indent=" " * 20
        )
    return lines


def make_source(source_id: str, settings: Settings) -> Source:
    """The source ``source_id`` configured from ``settings``."""
    return get_source(source_id).from_settings(settings)
