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

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

from pipeline.assessment.criteria import (
    LEVELS,
    LOCAL_TIME,
    AuthorityCriteria,
    HazardCriteria,
)
from pipeline.assessment.events import Event
from pipeline.ledger.decisions import utc
from pipeline.publishing import phrases
from pipeline.publishing.amounts import (
    amount_text,
    display,
    duration_text,
    family,
    level_band,
    quantity_key,
    rounded,
    word_group,
)
from pipeline.publishing.instructions import instruction

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


def _guidance(language: str, authorities: list[AuthorityCriteria]) -> Mapping[str, str]:
    """The statements that this is crosswarn guidance and not an authority's warning: the
    headline's, the description's (with the official warnings' pages), and the sender name."""
    return _guidance_of(language, tuple((a.authority, a.web) for a in authorities))


@functools.lru_cache(maxsize=256)
def _guidance_of(language: str, authorities: tuple[tuple[str, str], ...]) -> Mapping[str, str]:
    """:func:`_guidance` by the authorities' names and pages, made once per language and set
    of authorities (every message and feed title of a run repeats it)."""
    words = phrases.SENTENCES[language]
    names = [authority for authority, _ in authorities]
    criteria = _names(language, names, compound=True)
    if len(names) == 1:
        not_official = words["not_one"].format(authority=names[0])
    else:
        not_official = words["not_any"]
    links = "; ".join(f"{authority} {web}" for authority, web in authorities)
    statements = {
        "headline": words["statement_short"].format(criteria=criteria, not_official=not_official),
        "statement": words["statement"].format(criteria=criteria, not_official=not_official),
        "links": words["links"].format(links=links),
        "sender": words["sender"].format(criteria=criteria),
    }
    return MappingProxyType(statements)  # shared by every caller: read-only


# --- warnings -----------------------------------------------------------------------------------


def _hazard_noun(language: str, event: Event, level: int, table: HazardCriteria | None) -> str:
    """What the hazard is called mid-sentence: the own authority's word for the level when its
    criteria give one, else DWD's for German regions, Météo-France's phenomenon for French
    départements, else crosswarn's."""
    rule = table.levels.get(LEVELS[level]) if table is not None else None
    if rule is not None and language in rule.event:
        return rule.event[language]
    group = word_group(event.hazard)
    if (language, event.country) == ("de", "DE") and level in phrases.DWD.get(group, {}):
        word = phrases.DWD[group][level]
        stronger = phrases.DWD_STRONGER_GUSTS.get(level) if group == "wind" else None
        if stronger and rounded(display(event.hazard, event.peak_value)[0]) >= stronger[0]:
            word = stronger[1]
        return word
    if (language, event.country) == ("fr", "FR"):
        return phrases.VIGILANCE[group]
    noun = quantity_key(event.hazard) if group == "thunderstorm" else group
    return phrases.NOUNS[noun][language]


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
        band = level_band(table, level, local(event.peak_time).month)
    amount, beyond = amount_text(language, event.hazard, band, event.peak_value)
    quantity = phrases.QUANTITY[quantity_key(event.hazard)][language].format(
        amount=amount, duration=duration_text(language, event.hazard)
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
        "noun": phrases.TRIGGER_NOUNS[word_group(hazard)][language],
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
        "noun": phrases.TRIGGER_NOUNS[word_group(hazard)][language],
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


# --- pieces of titles (e-mail subjects, feed entries: pipeline.publishing.titles) ---------------


def hazard_noun(language: str, *, event: Event, level: int, criteria: AuthorityCriteria) -> str:
    """What a warning's hazard is called, as its headline calls it (the own authority's words
    where it has them)."""
    return _hazard_noun(language, event, level, criteria.hazards.get(event.hazard))


def guidance_note(
    language: str, countries: Iterable[str], *, criteria: Mapping[str, AuthorityCriteria]
) -> str:
    """The headline's statement that this is crosswarn guidance under the ``countries``'
    criteria, not their authorities' warning."""
    return _guidance(language, _trigger_authorities(sorted(countries), criteria))["headline"]
