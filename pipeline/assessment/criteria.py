"""National warning criteria as data (the levels they give: :mod:`pipeline.assessment.levels`).

Every region is assessed with every authority's criteria; its *own* level is the one under its
country's authority, and the levels under its neighbours' authorities show the criteria
mismatches crisis cells discuss in a cross-border call. Levels: 0 none, 1 yellow, 2 orange,
3 red (MeteoAlarm colours).

A criteria file states what an authority applies, level by level, with the publication each
number comes from (``sources``) and how firm it is (``basis``: ``published`` by the authority,
``secondary`` when only press or third parties restate it, ``proxy`` when no authority published
a number and crosswarn chose one). What a level can say:

- a ``threshold`` compared with ``>=``, ``>`` (DWD's "mehr als"), ``<=`` or ``<``, or
  season-dependent thresholds (``seasons``: months and their threshold);
- an ``area`` rule: ``anywhere`` in the region (KNMI: "als ergens in de provincie aan de criteria
  wordt voldaan") or a ``share`` of its area (KMI-IRM's "at least a quarter of the province");
- a ``persistence`` rule: any of several branches "N consecutive days whose maximum reaches T"
  (KNMI heat orange: 3 days >= 34, 2 days >= 36, 1 day >= 38);
- ``min_probability`` (ensembles) and ``max_lead_hours``;
- ``consultation_only``: the authority decides this level on impact, in consultation (KNMI code
  rood). crosswarn never issues it: when its proxy is met, the event carries a consultation
  recommendation saying the authority decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from pipeline.config import Country, Frozen, Language, Source, load_yaml_model
from pipeline.errors import ConfigError
from pipeline.units import CRITERIA_UNITS, to_canonical
from pipeline.variables import CANONICAL_UNITS

LEVELS = ("none", "yellow", "orange", "red")
LevelName = Literal["yellow", "orange", "red"]
Basis = Literal["published", "secondary", "proxy"]
Comparison = Literal[">=", ">", "<=", "<"]

#: Local time of every authority in scope (CET/CEST): days for persistence, months for seasons.
LOCAL_TIME = ZoneInfo("Europe/Brussels")

#: A strict comparison is evaluated as ">= threshold + STRICT_EPSILON" (canonical unit): far below
#: any model's resolution, so a value exactly at a DWD "mehr als" bound stays at the lower level.
STRICT_EPSILON = 1e-6


class HazardKind(Frozen):
    """What a hazard reads: the canonical variables it may be computed from, in which direction,
    its MeteoAlarm awareness type (spelled as in MeteoAlarm's CAP template: receivers match the
    string), and how texts speak of it: the ``family`` whose words it shares, the ``quantity``
    its amounts are (``flag``: a phenomenon present or not, no amount) and, for amounts over a
    period, ``window_hours``."""

    variables: tuple[str, ...]
    direction: Literal["above", "below"]
    awareness_type: str
    family: str
    quantity: Literal["gust", "rain", "temperature", "snow", "hail", "flag"]
    window_hours: int | None = None


_RAIN = {
    f"rain_{n}h": HazardKind(
        variables=(f"precipitation_{n}h",),
        direction="above",
        awareness_type="10; Rain",
        family="rain" if n < 12 else "persistent_rain",
        quantity="rain",
        window_hours=n,
    )
    for n in (1, 6, 12, 24, 48, 72)
}
_SNOW = {
    f"snow_{n}h": HazardKind(
        variables=(f"fresh_snow_{n}h",),
        direction="above",
        awareness_type="2; snow-ice",
        family="snow",
        quantity="snow",
        window_hours=n,
    )
    for n in (1, 6, 12, 24, 48)
}
#: Each hazard crosswarn assesses. A thunderstorm is assessed by its elements, each a hazard
#: of the thunderstorm family with the MeteoAlarm type Thunderstorm: the storm itself (DWD's
#: level 1 GEWITTER), its gusts, its hourly rain and its hail. Criteria give a thunderstorm the
#: level of its strongest element ("es genügt, wenn eine der begleitenden Wettererscheinungen
#: ihr Unwetterkriterium erfüllt"); crosswarn warns per element, as it does per rain window, so
#: each message states the element and amount that set its level.
HAZARDS: dict[str, HazardKind] = {
    "wind": HazardKind(
        variables=("wind_gust",),
        direction="above",
        awareness_type="1; Wind",
        family="wind",
        quantity="gust",
    ),
    "thunderstorm": HazardKind(
        variables=("thunderstorm",),
        direction="above",
        awareness_type="3; Thunderstorm",
        family="thunderstorm",
        quantity="flag",
    ),
    "thunderstorm_gust": HazardKind(
        variables=("thunderstorm_gust",),
        direction="above",
        awareness_type="3; Thunderstorm",
        family="thunderstorm",
        quantity="gust",
    ),
    # Hourly rain in thunderstorms (KNMI's "30 mm of meer in 1 uur" for onweersbuien): rates
    # like these are convective by nature, so the 1 h amount is read whether or not the model
    # diagnoses the storm (HARMONIE and ECMWF open data do not).
    "thunderstorm_rain": HazardKind(
        variables=("precipitation_1h",),
        direction="above",
        awareness_type="3; Thunderstorm",
        family="thunderstorm",
        quantity="rain",
        window_hours=1,
    ),
    "thunderstorm_hail": HazardKind(
        variables=("hail_diameter",),
        direction="above",
        awareness_type="3; Thunderstorm",
        family="thunderstorm",
        quantity="hail",
    ),
    **_RAIN,
    **_SNOW,
    "ice": HazardKind(
        variables=("freezing_rain",),
        direction="above",
        awareness_type="2; snow-ice",
        family="ice",
        quantity="flag",
    ),
    "heat": HazardKind(
        variables=("air_temperature",),
        direction="above",
        awareness_type="5; high-temperature",
        family="heat",
        quantity="temperature",
    ),
    "cold": HazardKind(
        variables=("air_temperature", "wind_chill"),
        direction="below",
        awareness_type="6; low-temperature",
        family="cold",
        quantity="temperature",
    ),
}
Hazard = Literal["wind", "thunderstorm", "thunderstorm_gust", "thunderstorm_rain",
                 "thunderstorm_hail", "rain_1h", "rain_6h", "rain_12h", "rain_24h", "rain_48h",
                 "rain_72h", "snow_1h", "snow_6h", "snow_12h", "snow_24h", "snow_48h", "ice",
                 "heat", "cold"]  # fmt: skip
#: MeteoAlarm awareness types (CAP parameter awareness_type) of each hazard.
AWARENESS_TYPE = {hazard: kind.awareness_type for hazard, kind in HAZARDS.items()}


class AreaRule(Frozen):
    rule: Literal["anywhere", "share"]
    min_fraction: float | None = Field(None, gt=0, le=1)
    basis: Basis
    sources: tuple[str, ...] = ()
    note: str = ""

    @model_validator(mode="after")
    def _fraction(self) -> AreaRule:
        if (self.rule == "share") != (self.min_fraction is not None):
            raise ValueError("min_fraction is required with rule 'share' and only then")
        return self

    def describe(self) -> str:
        if self.rule == "anywhere":
            return "anywhere in the region"
        return f"at least {self.min_fraction:.0%} of the region's area"


class Season(Frozen):
    name: str
    months: tuple[int, ...] = Field(min_length=1)
    threshold: float
    months_basis: Basis
    note: str = ""

    @model_validator(mode="after")
    def _months(self) -> Season:
        if any(not 1 <= m <= 12 for m in self.months):
            raise ValueError("months must be 1..12")
        return self


class Persistence(Frozen):
    days: int = Field(ge=1, le=7)
    threshold: float


class LevelCriterion(Frozen):
    threshold: float | None = None
    comparison: Comparison | None = None
    seasons: tuple[Season, ...] = ()
    persistence: tuple[Persistence, ...] = ()
    area: AreaRule | None = None
    min_probability: float = Field(0.5, gt=0, le=1)
    max_lead_hours: int | None = Field(None, gt=0)
    consultation_only: bool = False
    basis: Basis
    sources: tuple[str, ...] = ()
    note: str = ""
    event: dict[Language, str] = Field(
        default_factory=dict, description="The authority's own event word for this level."
    )

    @model_validator(mode="after")
    def _rule(self) -> LevelCriterion:
        if self.persistence and (self.threshold is not None or self.seasons):
            raise ValueError("a persistence level states its thresholds per branch only")
        if self.seasons and self.threshold is None:
            raise ValueError("seasons adjust a threshold: give the default threshold too")
        if self.threshold is None and not self.persistence and not self.consultation_only:
            raise ValueError("a level needs a threshold or a persistence rule")
        if self.basis != "proxy" and not self.sources:
            raise ValueError(f"basis {self.basis!r} needs sources")
        if self.basis == "proxy" and not self.note:
            raise ValueError("a crosswarn proxy needs a note saying why this number")
        return self

    @property
    def computed(self) -> bool:
        """Whether crosswarn can evaluate this level from model fields at all."""
        return self.threshold is not None or bool(self.persistence)

    def thresholds(self) -> list[float]:
        """Every threshold of this level, in the file's unit."""
        values = [p.threshold for p in self.persistence]
        values += [self.threshold] if self.threshold is not None else []
        return values + [s.threshold for s in self.seasons]

    def threshold_on(self, month: int) -> float:
        for season in self.seasons:
            if month in season.months:
                return season.threshold
        assert self.threshold is not None
        return self.threshold


class NotAssessed(Frozen):
    reason: str = Field(min_length=10)
    sources: tuple[str, ...] = ()


class HazardCriteria(Frozen):
    variable: str
    direction: Literal["above", "below"] = "above"
    unit: Literal["km/h", "m/s", "mm", "cm", "degC", "1"]
    area: AreaRule | None = None
    levels: dict[LevelName, LevelCriterion] = Field(min_length=1)
    notes: str = ""

    def area_of(self, level: LevelName) -> AreaRule:
        area = self.levels[level].area or self.area
        assert area is not None  # checked on load
        return area

    def comparison(self, level: LevelName) -> Comparison:
        return self.levels[level].comparison or (">=" if self.direction == "above" else "<=")

    def key(self, value: float, level: LevelName) -> float:
        """The statistics threshold (canonical unit) that evaluates ``value`` at ``level``:
        a strict comparison moves it by :data:`STRICT_EPSILON` past the bound."""
        canonical = to_canonical(value, self.unit)
        comparison = self.comparison(level)
        if comparison == ">":
            return canonical + STRICT_EPSILON
        if comparison == "<":
            return canonical - STRICT_EPSILON
        return canonical

    def statistic_keys(self) -> list[float]:
        return [
            self.key(value, name)
            for name, rule in self.levels.items()
            for value in rule.thresholds()
        ]


class AuthorityCriteria(Frozen):
    authority: str
    country: Country
    web: str = Field(pattern=r"^https?://", description="The authority's official warnings.")
    level_mapping: str = Field(
        "yellow, orange and red as published", description="How the authority's levels map."
    )
    sources: dict[str, Source] = Field(default_factory=dict)
    area: AreaRule | None = Field(None, description="Area rule of every hazard without its own.")
    hazards: dict[Hazard, HazardCriteria]
    not_assessed: dict[str, NotAssessed] = Field(
        default_factory=dict, description="Hazards left out, with the reason."
    )
    notes: str = ""

    @model_validator(mode="before")
    @classmethod
    def _default_area(cls, data):
        """The authority's area rule applies to every hazard that states none."""
        if isinstance(data, dict) and data.get("area") is not None:
            for table in (data.get("hazards") or {}).values():
                if isinstance(table, dict):
                    table.setdefault("area", data["area"])
        return data

    @model_validator(mode="after")
    def _consistent(self) -> AuthorityCriteria:
        for hazard, table in self.hazards.items():
            kind = HAZARDS[hazard]
            if table.variable not in kind.variables or table.direction != kind.direction:
                raise ValueError(
                    f"hazards.{hazard}: must read one of {', '.join(kind.variables)} "
                    f"({kind.direction}), not {table.variable} ({table.direction})"
                )
            canonical = CANONICAL_UNITS[table.variable]
            if table.unit not in CRITERIA_UNITS[canonical]:
                raise ValueError(
                    f"hazards.{hazard}.unit: {table.variable} is in {canonical}; state its "
                    f"thresholds in {' or '.join(CRITERIA_UNITS[canonical])}, not {table.unit}"
                )
            plain = [
                (n, table.levels[n].threshold)
                for n in LEVELS[1:]
                if n in table.levels and table.levels[n].threshold is not None
            ]
            values = [v for _, v in plain]
            if values != sorted(values, reverse=table.direction == "below"):
                word = "rise" if table.direction == "above" else "fall"
                raise ValueError(f"hazards.{hazard}.levels: thresholds must {word} with level")
            for name, rule in table.levels.items():
                where = f"hazards.{hazard}.levels.{name}"
                if rule.computed and rule.area is None and table.area is None:
                    raise ValueError(f"{where}: no area rule (set area on the hazard or level)")
                if rule.comparison and rule.comparison[0] != ("<" if kind.direction == "below"
                                                              else ">"):  # fmt: skip
                    raise ValueError(
                        f"{where}: comparison {rule.comparison} against {kind.direction}"
                    )
                areas = [a for a in (rule.area, table.area) if a is not None]
                cited = [*rule.sources, *(s for a in areas for s in a.sources)]
                unknown = sorted(set(cited) - set(self.sources))
                if unknown:
                    raise ValueError(f"{where}: unknown source ids {unknown}")
        for hazard, entry in self.not_assessed.items():
            unknown = sorted(set(entry.sources) - set(self.sources))
            if unknown:
                raise ValueError(f"not_assessed.{hazard}: unknown source ids {unknown}")
        return self


def load_criteria(regions_dir: Path) -> dict[str, AuthorityCriteria]:
    """All criteria files in ``regions_dir/criteria``, keyed by country."""
    files = sorted((regions_dir / "criteria").glob("*.yaml"))
    if not files:
        raise ConfigError(f"{regions_dir / 'criteria'}: no criteria files (*.yaml) found")
    by_country: dict[str, AuthorityCriteria] = {}
    for path in files:
        criteria = load_yaml_model(path, AuthorityCriteria)
        if criteria.country in by_country:
            raise ConfigError(f"{path}: a second criteria file for country {criteria.country}")
        by_country[criteria.country] = criteria
    return by_country


def hazards_of(criteria: dict[str, AuthorityCriteria]) -> list[str]:
    """Hazards that at least one authority assesses, in :data:`HAZARDS` order."""
    used = {h for authority in criteria.values() for h in authority.hazards}
    return [h for h in HAZARDS if h in used]


def thresholds_for(
    criteria: dict[str, AuthorityCriteria], variable: str, direction: str | None = None
) -> list[float]:
    """Every statistics threshold (canonical unit) that some authority applies to ``variable``."""
    return sorted(
        {
            key
            for authority in criteria.values()
            for table in authority.hazards.values()
            if table.variable == variable and direction in (None, table.direction)
            for key in table.statistic_keys()
        }
    )


def mismatch_levels(
    own_country: str,
    levels_by_criteria: dict[str, int],
    neighbour_countries: set[str],
    criteria: dict[str, AuthorityCriteria],
    hazard: str,
) -> list[tuple[str, int, str, int]]:
    """(own country, own level, other country, other level) wherever a neighbour's criteria,
    assessing this hazard at all, give another level than the region's own."""
    own = levels_by_criteria.get(own_country, 0)
    return [
        (own_country, own, country, level)
        for country, level in sorted(levels_by_criteria.items())
        if country in neighbour_countries
        and country != own_country
        and hazard in criteria[country].hazards
        and level != own
    ]


def mismatches(
    pairs: list[tuple[str, int, str, int]], criteria: dict[str, AuthorityCriteria]
) -> list[str]:
    """:func:`mismatch_levels` in words: "orange under DWD criteria, yellow under KMI-IRM
    criteria"."""
    return [
        f"{LEVELS[own]} under {criteria[a].authority} criteria, "
        f"{LEVELS[level]} under {criteria[b].authority} criteria"
        for a, own, b, level in pairs
    ]
