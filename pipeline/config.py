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


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML's safe loader (libyaml's parser where PyYAML has it: ten times faster), refusing a
    key given twice in one mapping (YAML says keys are unique; PyYAML would keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )  # fmt: skip
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


#: Control characters no configuration text may hold (tab, newline and carriage return may).
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {chr(127)}


def _text(path: Path) -> str:
    """The file as UTF-8 text; a bad byte or a control character is named with its line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        ) from None
    for number, line in enumerate(text.splitlines(), start=1):
        bad = next((c for c in line if c in _CONTROL), None)
        if bad is not None:
            raise ConfigError(f"{path}: line {number}: control character U+{ord(bad):04X}")
    return text


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Load ``path`` into ``model``; errors name the file and the offending key or line."""
    text = _text(path)
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = " ".join(filter(None, (exc.context, exc.problem)))
        raise ConfigError(f"{path}: not valid YAML: {where}{what}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
