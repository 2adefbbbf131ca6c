"""How texts state amounts: which words a hazard shares (its family), the band of a level as
the authority states it ("65–85 km/h"), the peak beyond it ("locally up to 110 km/h"), units and
numbers as each language writes them. Used by :mod:`pipeline.publishing.texts` and the
bulletins."""

from __future__ import annotations

from pipeline.assessment.criteria import HAZARDS, LEVELS, HazardCriteria
from pipeline.publishing import phrases
from pipeline.units import for_display, to_canonical


def family(hazard: str) -> str:
    """The advice group of a hazard (wind, thunderstorm, rain, snow, ice, heat, cold)."""
    group = word_group(hazard)
    return "rain" if group == "persistent_rain" else group


def window_hours(hazard: str) -> int:
    """The period an amount covers (rain, fresh snow); 1 h for the others."""
    return HAZARDS[hazard].window_hours or 1


def word_group(hazard: str) -> str:
    """The hazard's kind for naming it: 12 h rain and longer is persistent rain."""
    return HAZARDS[hazard].family


def quantity_key(hazard: str) -> str:
    """The key of the hazard's sentence in :data:`phrases.QUANTITY`: thunderstorm elements
    each have theirs (the storm itself, its gusts, rain and hail)."""
    kind = HAZARDS[hazard]
    return f"thunderstorm_{kind.quantity}" if kind.family == "thunderstorm" else family(hazard)


def display(hazard: str, value: float) -> tuple[float, str]:
    """A canonical value of ``hazard`` as people read it, (number, unit)."""
    return for_display(HAZARDS[hazard].quantity, value)


def rounded(value: float, hazard: str = "") -> float:
    """A displayed value rounded as it is printed (so that comparisons match the text): whole
    numbers, hail to the millimetre (DWD's 1.5 cm)."""
    if hazard and HAZARDS[hazard].quantity == "hail":
        return round(value, 1)
    return int(f"{value:.0f}")


def number_text(language: str, value: float) -> str:
    """A rounded value as the language writes it (a decimal comma but in English)."""
    text = f"{value:g}"
    return text if language == "en" else text.replace(".", ",")


def peak_text(language: str, hazard: str, value: float) -> str:
    """A peak as tables show it ("110 km/h", "2,5 cm"); empty for a phenomenon without an
    amount."""
    shown, unit = display(hazard, value)
    if not unit:
        return ""
    unit = phrases.UNITS.get(language, {}).get(unit, unit)
    return f"{number_text(language, rounded(shown, hazard))} {unit}"


def level_band(table: HazardCriteria, level: int, month: int) -> tuple[float, float | None] | None:
    """The values of ``level`` as the authority states them (canonical unit): from its threshold
    (that ``month``'s) to the next level's, open (None) above the top one; None when the level
    has no single threshold (persistence rules)."""
    rule = table.levels.get(LEVELS[level])
    if rule is None or rule.threshold is None:
        return None
    higher = [
        table.levels[name]
        for name in LEVELS[level + 1 :]
        if name in table.levels and table.levels[name].threshold is not None
    ]
    low = to_canonical(rule.threshold_on(month), table.unit)
    high = to_canonical(higher[0].threshold_on(month), table.unit) if higher else None
    return low, high


def amount_text(
    language: str, hazard: str, band: tuple[float, float | None] | None, peak: float
) -> tuple[str, str]:
    """The amount a warning states and the peak beyond it: ("of 65–85 km/h", ", locally up to
    110 km/h"). Beyond a closed band the peak is local: the level's area rule holds only up to
    the band; above an open band the peak is simply how far it goes. A phenomenon without an
    amount (a thunderstorm, freezing rain) states none."""
    if HAZARDS[hazard].quantity == "flag":
        return "", ""
    direction = HAZARDS[hazard].direction
    shown, unit = display(hazard, peak)

    def text(value: float) -> str:
        return number_text(language, value)

    peak_shown = rounded(shown, hazard)
    values = {"peak": text(peak_shown), "unit": phrases.UNITS.get(language, {}).get(unit, unit)}
    words, beyond = phrases.AMOUNT[language], phrases.BEYOND[language]
    if band is None:
        return words["up_to" if direction == "above" else "down_to"].format(**values), ""
    low = rounded(display(hazard, band[0])[0], hazard)
    high = None if band[1] is None else rounded(display(hazard, band[1])[0], hazard)
    edge = low if high is None else high
    further = peak_shown > edge if direction == "above" else peak_shown < edge
    if high is None:
        amount = words[direction].format(low=text(low), **values)
        return amount, beyond[direction].format(**values) if further else ""
    span = phrases.RANGE[language][min(low, high) < 0].format(low=text(low), high=text(high))
    amount = words["band"].format(range=span, **values)
    return amount, beyond[f"locally_{direction}"].format(**values) if further else ""


def duration_text(language: str, hazard: str) -> str:
    hours = window_hours(hazard)
    return f"{hours} {phrases.HOURS[language][hours != 1]}"
