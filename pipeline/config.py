"""Configuration as data: YAML files in ``regions/`` validated into frozen typed models.

Unknown keys are rejected and every error names the file and the key.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigError

Country = Literal["BE", "NL", "LU", "DE", "FR"]
Language = Literal["nl", "fr", "de", "en", "lb"]

M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    """A configuration model: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Frozen):
    """A publication a configured fact rests on: a criteria number, an area's members, a crisis
    cell's role."""

    title: str = Field(min_length=3)
    url: str = Field(pattern=r"^https?://")
    publisher: str = Field(min_length=2)
    published: str = Field("undated", description="Date of the publication, or 'undated'.")
    read: date
    kind: Literal["authority", "secondary"] = Field(
        description="authority: the body's or a government's own page or data; "
        "secondary: press, third parties or copies."
    )


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Load ``path`` into ``model``; errors name the file and the offending key."""
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
