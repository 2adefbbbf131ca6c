"""Forecast sources, registered by id."""

from __future__ import annotations

from pipeline.errors import ConfigError
from pipeline.sources.base import Source
from pipeline.sources.dwd import IconD2

SOURCES: dict[str, type[Source]] = {
    IconD2.id: IconD2,
}


def get_source(source_id: str) -> type[Source]:
    try:
        return SOURCES[source_id]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise ConfigError(f"unknown source {source_id!r}; known sources: {known}") from None
