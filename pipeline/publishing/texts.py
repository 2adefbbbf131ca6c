"""Words for people, per language: event names, headlines, descriptions and instructions.

Receivers often show a headline alone, and crisis cells must never act on crosswarn as if an
authority had spoken. So every text:

- says it is crosswarn guidance computed under an authority's criteria, not that authority's
  warning (headline, description and sender name), and links the authority's official warnings;
- states values as the services do: the level's band from the criteria ("gusts of 65–85 km/h",
  from the level's threshold to the next level's), "locally up to" a peak beyond the band (reached
  in part of the region only), the accumulation period of rain; a threshold crosswarn chose
  itself, where the authority published none, is called a crosswarn proxy;
- uses the authority's own words where it has them: its criteria's event word for the level,
  else DWD's event words for German regions and Météo-France's "vigilance orange vent violent"
  for French départements;
- gives local times (CET/CEST), as the national feeds and the public read them;
- reads as cancelled in every language when a message is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from pipeline.assessment.criteria import (
    HAZARDS,
    LEVELS,
    LOCAL_TIME,
    AuthorityCriteria,
    HazardCriteria,
)
from pipeline.assessment.events import Event
from pipeline.ledger.decisions import utc
from pipeline.publishing import phrases
from pipeline.publishing.instructions import instruction
from pipeline.units import for_display, to_canonical

LANGUAGE_TAGS = {"nl": "nl-BE", "fr": "fr-BE", "de": "de-DE", "en": "en-GB", "lb": "lb-LU"}
COUNTRY_LANGUAGE_TAGS = {
    ("nl", "NL"): "nl-NL",
    ("nl", "BE"): "nl-BE",
    ("fr", "BE"): "fr-BE",
    ("fr", "FR"): "fr-FR",
    ("fr", "LU"): "fr-LU",
    ("de", "BE"): "de-BE",
    ("de", "LU"): "de-LU",
    ("de", "DE"): "de-DE",
}

LEVEL_NAMES = {
    "nl": ("", "geel", "oranje", "rood"),
    "fr": ("", "jaune", "orange", "rouge"),
    "de": ("", "gelb", "orange", "rot"),
    "en": ("", "yellow", "orange", "red"),
}


def language_tag(language: str, country: str | None) -> str:
    """The language variant a receiver in ``country`` reads (nl-NL, fr-LU, ...)."""
    return COUNTRY_LANGUAGE_TAGS.get((language, country), LANGUAGE_TAGS[language])


def local(value: datetime) -> datetime:
    """``value`` in the local time of every area in scope (a naive time is UTC)."""
    return utc(value).astimezone(LOCAL_TIME)


def local_time_text(language: str, value: datetime) -> str:
    """A time as people in the areas read it: local, naming winter or summer time."""
    moment = local(value)
    return phrases.TIME[language].format(t=moment, zone=phrases.ZONE[language][bool(moment.dst())])


def family(hazard: str) -> str:
    """The advice group of a hazard (wind, thunderstorm, rain, snow, ice, heat, cold)."""
    named = _named(hazard)
    return "rain" if named == "persistent_rain" else named


def _window_hours(hazard: str) -> int:
    """The period an amount covers (rain, fresh snow); 1 h for the others."""
    return HAZARDS[hazard].window_hours or 1


def _named(hazard: str) -> str:
    """The hazard's kind for naming it: 12 h rain and longer is persistent rain."""
    return HAZARDS[hazard].family


def _quantity(hazard: str) -> str:
    """The key of the hazard's sentence in :data:`phrases.QUANTITY`: thunderstorm elements
    each have theirs (the storm itself, its gusts, rain and hail)."""
    kind = HAZARDS[hazard]
    return f"thunderstorm_{kind.quantity}" if kind.family == "thunderstorm" else family(hazard)


def display(hazard: str, value: float) -> tuple[float, str]:
    """A canonical value of ``hazard`` as people read it, (number, unit)."""
    return for_display(HAZARDS[hazard].quantity, value)


def _whole(value: float, hazard: str = "") -> float:
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
    return f"{number_text(language, _whole(shown, hazard))} {unit}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _status_note(language: str, status: str) -> str:
    return phrases.STATUS_NOTE.get(status, {}).get(language, "")


def _colours(language: str, level: int) -> dict[str, str]:
    colour = LEVEL_NAMES[language][level]
    return {"colour": colour, "Colour": colour.capitalize()}


def _names(language: str, names: Iterable[str], *, compound: bool = False) -> str:
    """Authorities listed ("DWD and KMI-IRM"); ``compound``: as the first part of a Dutch or
    German compound ("DWD- und KMI-IRM" before "-Kriterien")."""
    names = list(names)
    if compound and language in ("nl", "de"):
        names = [f"{name}-" for name in names[:-1]] + names[-1:]
    *first, last = names
    return f"{', '.join(first)} {phrases.AND[language]} {last}" if first else last


def _guidance(language: str, authorities: list[AuthorityCriteria]) -> dict[str, str]:
    """The statements that this is crosswarn guidance and not an authority's warning: the
    headline's, the description's (with the official warnings' pages), and the sender name."""
    words = phrases.SENTENCES[language]
    names = [a.authority for a in authorities]
    criteria = _names(language, names, compound=True)
    if len(names) == 1:
        not_official = words["not_one"].format(authority=names[0])
    else:
        not_official = words["not_any"]
    links = "; ".join(f"{a.authority} {a.web}" for a in authorities)
    return {
        "headline": words["statement_short"].format(criteria=criteria, not_official=not_official),
        "statement": words["statement"].format(criteria=criteria, not_official=not_official),
        "links": words["links"].format(links=links),
        "sender": words["sender"].format(criteria=criteria),
    }


# --- warnings -----------------------------------------------------------------------------------


def _hazard_noun(language: str, event: Event, level: int, table: HazardCriteria | None) -> str:
    """What the hazard is called mid-sentence: the own authority's word for the level when its
    criteria give one, else DWD's for German regions, Météo-France's phenomenon for French
    départements, else crosswarn's."""
    rule = table.levels.get(LEVELS[level]) if table is not None else None
    if rule is not None and language in rule.event:
        return rule.event[language]
    named = _named(event.hazard)
    if (language, event.country) == ("de", "DE") and level in phrases.DWD.get(named, {}):
        word = phrases.DWD[named][level]
        stronger = phrases.DWD_STRONGER_GUSTS.get(level) if named == "wind" else None
        if stronger and _whole(display(event.hazard, event.peak_value)[0]) >= stronger[0]:
            word = stronger[1]
        return word
    if (language, event.country) == ("fr", "FR"):
        return phrases.VIGILANCE[named]
    return phrases.NOUNS[_quantity(event.hazard) if named == "thunderstorm" else named][language]


def _level_band(table: HazardCriteria, level: int, month: int) -> tuple[float, float | None] | None:
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


def _amount(
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

    peak_shown = _whole(shown, hazard)
    values = {"peak": text(peak_shown), "unit": phrases.UNITS.get(language, {}).get(unit, unit)}
    words, beyond = phrases.AMOUNT[language], phrases.BEYOND[language]
    if band is None:
        return words["up_to" if direction == "above" else "down_to"].format(**values), ""
    low = _whole(display(hazard, band[0])[0], hazard)
    high = None if band[1] is None else _whole(display(hazard, band[1])[0], hazard)
    edge = low if high is None else high
    further = peak_shown > edge if direction == "above" else peak_shown < edge
    if high is None:
        amount = words[direction].format(low=text(low), **values)
        return amount, beyond[direction].format(**values) if further else ""
    span = phrases.RANGE[language][min(low, high) < 0].format(low=text(low), high=text(high))
    amount = words["band"].format(range=span, **values)
    return amount, beyond[f"locally_{direction}"].format(**values) if further else ""


def _duration(language: str, hazard: str) -> str:
    hours = _window_hours(hazard)
    return f"{hours} {phrases.HOURS[language][hours != 1]}"


def warning_headline(
    language: str,
    *,
    event: Event,
    level: int,
    area: str,
    criteria: AuthorityCriteria,
    status: str,
    cancelled: bool = False,
) -> str:
    """The headline: what kind of message it is (exercise, cancelled), that it is crosswarn
    guidance, then level, hazard and area."""
    words = phrases.SENTENCES[language]
    noun = _hazard_noun(language, event, level, criteria.hazards.get(event.hazard))
    statement = _guidance(language, [criteria])["headline"]
    if cancelled:
        body = words["cancelled_body"].format(Noun=_upper_first(noun), area=area)
        return f"{_status_note(language, status)}{words['cancelled_mark']}{statement} — {body}"
    colours = _colours(language, level)
    if (language, event.country) == ("fr", "FR"):
        body = words["vigilance_body"].format(noun=noun, area=area, **colours)
    else:
        level_words = words["level"].format(**colours)
        body = words["body"].format(level=level_words, noun=noun, area=area)
    return f"{_status_note(language, status)}{_upper_first(statement)} — {body}"


def _forecast(
    language: str, event: Event, level: int, area: str, table: HazardCriteria | None
) -> str:
    """The sentence saying what is expected, when, where and how much."""
    band = None
    if table is not None:
        band = _level_band(table, level, local(event.peak_time).month)
    amount, beyond = _amount(language, event.hazard, band, event.peak_value)
    quantity = phrases.QUANTITY[_quantity(event.hazard)][language].format(
        amount=amount, duration=_duration(language, event.hazard)
    )
    return phrases.SENTENCES[language]["forecast"].format(
        onset=local_time_text(language, event.onset),
        expiry=local_time_text(language, event.expiry),
        area=area,
        quantity=quantity,
        beyond=beyond,
    )


def _caveats(language: str, event: Event, level: int, criteria: AuthorityCriteria) -> list[str]:
    """A crosswarn proxy threshold, and a level only the authority decides, said as such."""
    words = phrases.SENTENCES[language]
    table = criteria.hazards.get(event.hazard)
    rule = table.levels.get(LEVELS[level]) if table is not None else None
    caveats = []
    if rule is not None and rule.basis == "proxy":
        caveats.append(
            words["proxy"].format(authority=criteria.authority, **_colours(language, level))
        )
    if event.consultation_level:
        colours = _colours(language, event.consultation_level)
        caveats.append(words["consultation"].format(authority=criteria.authority, **colours))
    return caveats


def warning_texts(
    language: str,
    *,
    event: Event,
    level: int,
    area: str,
    criteria: AuthorityCriteria,
    model: str,
    run: str,
    status: str,
    cancelled: bool = False,
) -> dict[str, str]:
    """event, headline, description, instruction and sender name of one warning in
    ``language``; ``criteria``: the own authority's, ``level``: the published level (the
    cancelled one, for a Cancel)."""
    words = phrases.SENTENCES[language]
    table = criteria.hazards.get(event.hazard)
    noun = _hazard_noun(language, event, level, table)
    guidance = _guidance(language, [criteria])
    headline = warning_headline(
        language, event=event, level=level, area=area, criteria=criteria, status=status,
        cancelled=cancelled,
    )  # fmt: skip
    if cancelled:
        sentences = [
            words["cancelled"].format(
                noun=noun,
                area=area,
                onset=local_time_text(language, event.onset),
                expiry=local_time_text(language, event.expiry),
            ),
            guidance["statement"],
        ]
        advice = words["no_action"].format(authorities=criteria.authority)
    else:
        sentences = [
            guidance["statement"],
            _forecast(language, event, level, area, table),
            words["peak"].format(peak=local_time_text(language, event.peak_time)),
            words["model"].format(model=model, run=run),
            *_caveats(language, event, level, criteria),
        ]
        advice = instruction(family(event.hazard), level, language, region=event.region)
    return {
        "event": _upper_first(noun),
        "headline": headline,
        "description": " ".join([*sentences, guidance["links"]]),
        "instruction": advice,
        "sender": guidance["sender"],
    }


# --- consultation triggers ----------------------------------------------------------------------


def _trigger_authorities(
    countries: Iterable[str], criteria: Mapping[str, AuthorityCriteria]
) -> list[AuthorityCriteria]:
    return [criteria[c] for c in sorted(countries) if c in criteria]


def trigger_headline(
    language: str,
    hazard: str,
    countries: Iterable[str],
    *,
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
    cancelled: bool = False,
) -> str:
    """A trigger's headline: crosswarn guidance under the countries' criteria, the hazard and
    the countries joined by dashes."""
    words = phrases.SENTENCES[language]
    countries = sorted(countries)
    statement = _guidance(language, _trigger_authorities(countries, criteria))["headline"]
    values = {
        "noun": phrases.TRIGGER_NOUNS[_named(hazard)][language],
        "countries": "-".join(countries),
    }
    if cancelled:
        body = words["trigger_cancelled_body"].format(**values)
        return f"{_status_note(language, status)}{words['cancelled_mark']}{statement} — {body}"
    body = words["trigger_body"].format(**values)
    return f"{_status_note(language, status)}{_upper_first(statement)} — {body}"


def _mismatches(language: str, mismatches: list, criteria: Mapping[str, AuthorityCriteria]) -> str:
    """``mismatches``: (region, own country, own level, other country, other level) items; a
    country without criteria is named by its code."""
    words = phrases.SENTENCES[language]

    def authority(country: str) -> str:
        return criteria[country].authority if country in criteria else country

    return (
        "; ".join(
            words["mismatch"].format(
                region=region,
                own=LEVEL_NAMES[language][own] or words["none"],
                own_authority=authority(own_country),
                other=LEVEL_NAMES[language][other] or words["none"],
                other_authority=authority(other_country),
            )
            for region, own_country, own, other_country, other in mismatches
        )
        or words["none"]
    )


def trigger_texts(
    language: str,
    trigger: Mapping,
    *,
    cells: list[str],
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
    cancelled: bool = False,
) -> dict[str, str]:
    """Texts of a joint-consultation trigger in ``language``: ``trigger`` as the ledger holds
    it (levels as colour names, times as ISO strings), ``cells`` the names of the crisis cells
    convened."""
    words = phrases.SENTENCES[language]
    hazard, levels_by_country = trigger["hazard"], trigger["levels_by_country"]
    authorities = _trigger_authorities(levels_by_country, criteria)
    guidance = _guidance(language, authorities)
    values = {
        "noun": phrases.TRIGGER_NOUNS[_named(hazard)][language],
        "start": local_time_text(language, datetime.fromisoformat(trigger["start"])),
        "end": local_time_text(language, datetime.fromisoformat(trigger["end"])),
        "countries": "-".join(sorted(levels_by_country)),
    }
    names = _names(language, [a.authority for a in authorities])
    if cancelled:
        sentences = [words["trigger_cancelled"].format(**values), guidance["statement"]]
        advice = words["trigger_no_action"].format(authorities=names)
    else:
        colour = dict(zip(LEVEL_NAMES["en"], LEVEL_NAMES[language], strict=True))
        levels = ", ".join(f"{c} {colour[lvl]}" for c, lvl in sorted(levels_by_country.items()))
        mismatches = _mismatches(language, list(trigger.get("criteria_mismatches", [])), criteria)
        sentences = [
            guidance["statement"],
            words["trigger_forecast"].format(**values),
            words["trigger_levels"].format(levels=levels, mismatches=mismatches),
        ]
        advice = words["trigger_instruction"].format(cells=", ".join(cells))
    return {
        "event": words["trigger_event"],
        "headline": trigger_headline(
            language,
            hazard,
            levels_by_country,
            criteria=criteria,
            status=status,
            cancelled=cancelled,
        ),
        "description": " ".join([*sentences, guidance["links"]]),
        "instruction": advice,
        "sender": guidance["sender"],
    }
