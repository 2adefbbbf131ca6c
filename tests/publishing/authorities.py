"""Criteria built by hand for the publishing tests (independent of regions/criteria/*.yaml).

The thresholds are chosen to make the expected texts easy to compute by hand; where they follow
an authority's published numbers that is said, otherwise they are only test values.
"""

from __future__ import annotations

from datetime import date

from pipeline.assessment.criteria import (
    AreaRule,
    AuthorityCriteria,
    HazardCriteria,
    LevelCriterion,
    Source,
)

WEB = {
    "BE": "https://www.meteo.be/nl/weer/waarschuwingen/overzichtskaart-belgie",
    "NL": "https://www.knmi.nl/nederland-nu/weer/waarschuwingen",
    "DE": "https://www.dwd.de/warnungen",
    "FR": "https://vigilance.meteofrance.fr/",
    "LU": "https://www.meteolux.lu/",
}
_SOURCE = Source(
    title="warning criteria",
    url="https://example.org/criteria",
    publisher="test",
    read=date(2026, 1, 1),
    kind="authority",
)
_ANYWHERE = AreaRule(rule="anywhere", basis="published", sources=("s",))


def level(threshold: float | None, basis: str = "published", **extra) -> LevelCriterion:
    sourced = {"sources": ("s",)} if basis != "proxy" else {"note": "crosswarn's choice"}
    return LevelCriterion(threshold=threshold, basis=basis, **sourced, **extra)


def hazard(variable: str, unit: str, levels: dict, direction: str = "above") -> HazardCriteria:
    return HazardCriteria(
        variable=variable, unit=unit, direction=direction, area=_ANYWHERE, levels=levels
    )


def authority(name: str, country: str, hazards: dict) -> AuthorityCriteria:
    return AuthorityCriteria(
        authority=name, country=country, web=WEB[country], sources={"s": _SOURCE}, hazards=hazards
    )


def wind(yellow=65, orange=85, red=110, **red_extra) -> HazardCriteria:
    return hazard(
        "wind_gust", "km/h",
        {"yellow": level(yellow), "orange": level(orange), "red": level(red, **red_extra)},
    )  # fmt: skip


def rain(hours: int, **levels: float) -> HazardCriteria:
    return hazard(f"precipitation_{hours}h", "mm", {n: level(v) for n, v in levels.items()})


#: KMI-IRM with test thresholds: wind 65 / 85 / 110 km/h; 1 h rain 10 / 30; 6 h rain 20 / 40.
KMI = authority(
    "KMI-IRM", "BE",
    {"wind": wind(), "rain_1h": rain(1, yellow=10, orange=30),
     "rain_6h": rain(6, yellow=20, orange=40)},
)  # fmt: skip
#: KNMI: code red decided on impact in consultation, crosswarn's proxy 120 km/h.
KNMI = authority("KNMI", "NL", {"wind": wind(75, 100, 120, consultation_only=True, basis="proxy")})
#: DWD's published bands (Warnkriterien): gusts > 50 / 65 / 105 km/h; Starkregen 15 / > 25 mm in
#: 1 h; Dauerregen 25 / > 40 mm in 12 h; frost < 0 / < -10 °C; thunderstorm rain 15 / > 25 mm.
DWD = authority(
    "DWD", "DE",
    {
        "wind": hazard("wind_gust", "km/h", {"yellow": level(50, comparison=">"),
                                              "orange": level(65), "red": level(105)}),
        "thunderstorm_rain": hazard("precipitation_1h", "mm", {
            "yellow": level(5), "orange": level(15), "red": level(25, comparison=">")}),
        "rain_1h": rain(1, orange=15, red=25),
        "rain_12h": rain(12, orange=25, red=40),
        "cold": hazard("air_temperature", "degC", {"yellow": level(0), "orange": level(-10)},
                       direction="below"),
    },
)  # fmt: skip
#: Météo-France publishes no wind numbers: every level is a crosswarn proxy.
METEO_FRANCE = authority(
    "Météo-France", "FR",
    {"wind": hazard("wind_gust", "km/h", {"yellow": level(80, "proxy"),
                                          "orange": level(100, "proxy"),
                                          "red": level(130, "proxy")}),
     "heat": hazard("air_temperature", "degC", {"orange": level(33), "red": level(36, "proxy")})},
)  # fmt: skip
#: MeteoLux: wind 65 / 90 / 111 km/h (red a crosswarn proxy).
METEOLUX = authority(
    "MeteoLux", "LU",
    {"wind": hazard("wind_gust", "km/h", {"yellow": level(65, "secondary"), "orange": level(90),
                                          "red": level(111, "proxy")})},
)  # fmt: skip

CRITERIA = {a.country: a for a in (KMI, KNMI, DWD, METEO_FRANCE, METEOLUX)}
