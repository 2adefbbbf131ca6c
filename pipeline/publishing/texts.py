"""Words for people, per language: event names, headlines, descriptions and instructions.

Times in texts are UTC and say so; receivers' systems localise the CAP ``onset``/``expires``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pipeline.units import for_display

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

COLOURS = {
    "nl": ("", "Gele", "Oranje", "Rode"),
    "fr": ("", "jaune", "orange", "rouge"),
    "de": ("", "Gelbe", "Orange", "Rote"),
    "en": ("", "Yellow", "Orange", "Red"),
}

LEVEL_NAMES = {
    "nl": ("", "geel", "oranje", "rood"),
    "fr": ("", "jaune", "orange", "rouge"),
    "de": ("", "gelb", "orange", "rot"),
    "en": ("", "yellow", "orange", "red"),
}


def family(hazard: str) -> str:
    """wind, rain, heat or cold: hazards that share words."""
    return hazard.split("_")[0]


EVENTS = {
    "wind": {"nl": "Zware windstoten", "fr": "Rafales de vent violentes", "de": "Sturmböen",
             "en": "Severe wind gusts"},
    "rain": {"nl": "Hevige neerslag", "fr": "Fortes pluies", "de": "Starkregen",
             "en": "Heavy rain"},
    "persistent_rain": {"nl": "Langdurige neerslag", "fr": "Pluies persistantes",
                        "de": "Dauerregen", "en": "Persistent rain"},
    "heat": {"nl": "Hitte", "fr": "Fortes chaleurs", "de": "Hitze", "en": "Extreme heat"},
    "cold": {"nl": "Strenge koude", "fr": "Grand froid", "de": "Strenger Frost",
             "en": "Severe cold"},
}  # fmt: skip

_HEADLINE = {
    "nl": "{colour} waarschuwing voor {noun}: {area}",
    "fr": "Avertissement {colour} pour {noun} : {area}",
    "de": "{colour} Warnung vor {noun}: {area}",
    "en": "{colour} warning for {noun}: {area}",
}

_NOUNS = {
    "wind": {"nl": "zware windstoten", "fr": "rafales de vent violentes", "de": "Sturmböen",
             "en": "severe wind gusts"},
    "rain": {"nl": "hevige neerslag", "fr": "fortes pluies", "de": "Starkregen",
             "en": "heavy rain"},
    "persistent_rain": {"nl": "langdurige neerslag", "fr": "pluies persistantes",
                        "de": "Dauerregen", "en": "persistent rain"},
    "heat": {"nl": "hitte", "fr": "fortes chaleurs", "de": "Hitze", "en": "extreme heat"},
    "cold": {"nl": "strenge koude", "fr": "grand froid", "de": "strengem Frost",
             "en": "severe cold"},
}  # fmt: skip

#: What is expected, as a clause each description sentence can hold.
_EXPECTED = {
    "wind": {"nl": "windstoten tot {value:.0f} km/u", "fr": "des rafales jusqu'à {value:.0f} km/h sont attendues",
             "de": "Böen bis {value:.0f} km/h", "en": "gusts up to {value:.0f} km/h"},
    "rain": {"nl": "neerslaghoeveelheden tot {value:.0f} mm in {hours} uur",
             "fr": "des cumuls de pluie jusqu'à {value:.0f} mm en {hours} h sont attendus",
             "de": "bis zu {value:.0f} l/m² Niederschlag in {hours} Stunden",
             "en": "rainfall of up to {value:.0f} mm in {hours} hours"},
    "heat": {"nl": "temperaturen tot {value:.0f} °C", "fr": "des températures jusqu'à {value:.0f} °C sont attendues",
             "de": "Temperaturen bis {value:.0f} °C", "en": "temperatures up to {value:.0f} °C"},
    "cold": {"nl": "temperaturen tot {value:.0f} °C", "fr": "des températures descendant jusqu'à {value:.0f} °C sont attendues",
             "de": "Tiefstwerte bis {value:.0f} °C", "en": "temperatures down to {value:.0f} °C"},
}  # fmt: skip

_DESCRIPTION = {
    "nl": (
        "Van {onset} tot {expiry} UTC worden in {area} {expected} verwacht. "
        "Het hoogste niveau ({colour_lower}) wordt rond {peak_time} UTC bereikt. "
        "Berekend uit het model {model} (run {run}) met de criteria van {authority}."
    ),
    "fr": (
        "De {onset} à {expiry} UTC, {expected} sur {area}. Le niveau le plus élevé "
        "({colour_lower}) est atteint vers {peak_time} UTC. "
        "Calculé à partir du modèle {model} (run {run}) selon les critères de {authority}."
    ),
    "de": (
        "Von {onset} bis {expiry} UTC werden in {area} {expected} erwartet. "
        "Die höchste Stufe ({colour_lower}) wird gegen {peak_time} UTC erreicht. "
        "Berechnet aus dem Modell {model} (Lauf {run}) nach den Kriterien von {authority}."
    ),
    "en": (
        "From {onset} to {expiry} UTC, {expected} are expected in {area}. "
        "The highest level ({colour_lower}) is reached around {peak_time} UTC. "
        "Computed from the {model} model (run {run}) with {authority} criteria."
    ),
}

_INSTRUCTION = {
    "wind": {
        1: {
            "nl": "Let op losliggende voorwerpen en vallende takken. Houd rekening met hinder in het verkeer.",
            "fr": "Attention aux objets non fixés et aux chutes de branches. Prévoyez des perturbations de la circulation.",
            "de": "Achten Sie auf herumfliegende Gegenstände und herabstürzende Äste. Rechnen Sie mit Verkehrsbehinderungen.",
            "en": "Watch out for loose objects and falling branches. Expect some disruption to traffic.",
        },
        2: {
            "nl": "Zet losse voorwerpen vast en vermijd bossen en parken. Stel verplaatsingen zo mogelijk uit.",
            "fr": "Fixez les objets susceptibles d'être emportés et évitez les bois et les parcs. Reportez vos déplacements si possible.",
            "de": "Sichern Sie lose Gegenstände und meiden Sie Wälder und Parks. Verschieben Sie Fahrten nach Möglichkeit.",
            "en": "Secure loose objects and avoid woods and parks. Postpone travel if you can.",
        },
        3: {
            "nl": "Blijf binnen, weg van ramen. Ga niet de weg op. Volg de instructies van de hulpdiensten.",
            "fr": "Restez à l'intérieur, loin des fenêtres. Ne prenez pas la route. Suivez les consignes des autorités.",
            "de": "Bleiben Sie im Haus und halten Sie sich von Fenstern fern. Vermeiden Sie Fahrten. Folgen Sie den Anweisungen der Behörden.",
            "en": "Stay indoors, away from windows. Do not travel. Follow the instructions of the emergency services.",
        },
    },
    "rain": {
        1: {
            "nl": "Houd rekening met plassen en wateroverlast op wegen en in tunnels.",
            "fr": "Attendez-vous à des flaques et à des inondations locales sur les routes et dans les tunnels.",
            "de": "Rechnen Sie mit Überflutungen von Straßen und Unterführungen.",
            "en": "Expect standing water and local flooding on roads and in underpasses.",
        },
        2: {
            "nl": "Vermijd ondergelopen wegen en kelders. Breng waardevolle spullen naar een hogere verdieping.",
            "fr": "Évitez les routes inondées et les sous-sols. Mettez vos biens de valeur en hauteur.",
            "de": "Meiden Sie überflutete Straßen und Keller. Bringen Sie Wertgegenstände in höhere Stockwerke.",
            "en": "Avoid flooded roads and basements. Move valuables to a higher floor.",
        },
        3: {
            "nl": "Ga niet de weg op en blijf uit de buurt van beken en rivieren. Volg de instructies van de hulpdiensten.",
            "fr": "Ne prenez pas la route et éloignez-vous des cours d'eau. Suivez les consignes des autorités.",
            "de": "Vermeiden Sie Fahrten und halten Sie sich von Bächen und Flüssen fern. Folgen Sie den Anweisungen der Behörden.",
            "en": "Do not travel and keep away from streams and rivers. Follow the instructions of the emergency services.",
        },
    },
    "heat": {
        1: {
            "nl": "Drink voldoende water en vermijd inspanning tijdens de warmste uren.",
            "fr": "Buvez suffisamment d'eau et évitez les efforts aux heures les plus chaudes.",
            "de": "Trinken Sie ausreichend Wasser und vermeiden Sie Anstrengung in den heißesten Stunden.",
            "en": "Drink enough water and avoid exertion in the hottest hours.",
        },
        2: {
            "nl": "Let op kwetsbare mensen: ouderen, zieken en jonge kinderen. Houd woningen koel.",
            "fr": "Veillez sur les personnes fragiles : personnes âgées, malades et jeunes enfants. Gardez les logements frais.",
            "de": "Achten Sie auf gefährdete Menschen: Ältere, Kranke und Kleinkinder. Halten Sie Wohnungen kühl.",
            "en": "Look after vulnerable people: the elderly, the sick and young children. Keep homes cool.",
        },
        3: {
            "nl": "Blijf binnen op een koele plek en volg de instructies van de overheid.",
            "fr": "Restez au frais à l'intérieur et suivez les consignes des autorités.",
            "de": "Bleiben Sie an einem kühlen Ort im Haus und folgen Sie den Anweisungen der Behörden.",
            "en": "Stay indoors somewhere cool and follow the instructions of the authorities.",
        },
    },
    "cold": {
        1: {
            "nl": "Kleed je warm aan en let op gladheid.",
            "fr": "Habillez-vous chaudement et faites attention au verglas.",
            "de": "Kleiden Sie sich warm und achten Sie auf Glätte.",
            "en": "Dress warmly and watch out for icy surfaces.",
        },
        2: {
            "nl": "Beperk je verblijf buiten, bescherm leidingen tegen bevriezing en let op kwetsbare mensen.",
            "fr": "Limitez le temps passé dehors, protégez les canalisations du gel et veillez sur les personnes fragiles.",
            "de": "Bleiben Sie möglichst wenig im Freien, schützen Sie Leitungen vor Frost und achten Sie auf gefährdete Menschen.",
            "en": "Limit time outdoors, protect pipes from freezing and look after vulnerable people.",
        },
        3: {
            "nl": "Blijf binnen en volg de instructies van de overheid.",
            "fr": "Restez à l'intérieur et suivez les consignes des autorités.",
            "de": "Bleiben Sie im Haus und folgen Sie den Anweisungen der Behörden.",
            "en": "Stay indoors and follow the instructions of the authorities.",
        },
    },
}

_EXERCISE_NOTE = {
    "nl": "OEFENING — geen echte waarschuwing. ",
    "fr": "EXERCICE — pas un avertissement réel. ",
    "de": "ÜBUNG — keine echte Warnung. ",
    "en": "EXERCISE — not a real warning. ",
}


def language_tag(language: str, country: str) -> str:
    return COUNTRY_LANGUAGE_TAGS.get((language, country), LANGUAGE_TAGS[language])


def _hhmm(when: datetime) -> str:
    return f"{when:%d-%m-%Y %H:%M}"


def _window_hours(hazard: str) -> int:
    return int(hazard.split("_")[1].rstrip("h")) if "_" in hazard else 1


def _named(hazard: str) -> str:
    """The hazard's kind for naming it: 12 h rain and longer is persistent rain."""
    kind = family(hazard)
    return "persistent_rain" if kind == "rain" and _window_hours(hazard) >= 12 else kind


def warning_headline(language: str, hazard: str, level: int, area: str, *, exercise: bool) -> str:
    prefix = _EXERCISE_NOTE[language] if exercise else ""
    colour = COLOURS[language][level]
    return prefix + _HEADLINE[language].format(
        colour=colour, noun=_NOUNS[_named(hazard)][language], area=area
    )


def trigger_headline(
    language: str, hazard: str, countries: Iterable[str], *, exercise: bool
) -> str:
    prefix = _EXERCISE_NOTE[language] if exercise else ""
    noun = _TRIGGER_NOUNS[_named(hazard)][language]
    return prefix + _TRIGGER[language]["headline"].format(
        noun=noun, countries="-".join(sorted(countries))
    )


def warning_texts(
    language: str,
    *,
    hazard: str,
    level: int,
    area: str,
    onset: datetime,
    expiry: datetime,
    peak_value: float,
    peak_time: datetime,
    model: str,
    run: str,
    authority: str,
    exercise: bool,
) -> dict[str, str]:
    """event, headline, description and instruction for one warning in ``language``.

    ``peak_value`` is in the hazard variable's canonical unit (m/s, mm, °C).
    """
    kind = family(hazard)
    hours = _window_hours(hazard) if kind == "rain" else 0
    value, _ = for_display(kind, peak_value)
    return {
        "event": EVENTS[_named(hazard)][language],
        "headline": warning_headline(language, hazard, level, area, exercise=exercise),
        "description": _DESCRIPTION[language].format(
            onset=_hhmm(onset),
            expiry=_hhmm(expiry),
            expected=_EXPECTED[kind][language].format(value=value, hours=hours),
            area=area,
            colour_lower=LEVEL_NAMES[language][level],
            peak_time=_hhmm(peak_time),
            model=model,
            run=run,
            authority=authority,
        ),
        "instruction": _INSTRUCTION[kind][level][language],
    }


_TRIGGER = {
    "nl": {
        "event": "Gezamenlijk grensoverschrijdend overleg",
        "headline": "Gezamenlijk overleg gevraagd: {noun} ({countries})",
        "description": (
            "Van {start} tot {end} UTC treffen {noun} gebieden aan beide kanten van de grens. "
            "Niveaus per land volgens de eigen criteria: {levels}. Verschillen tussen criteria: "
            "{mismatches}."
        ),
        "instruction": "Crisiscellen {cells}: beleg een gezamenlijk overleg en stem de communicatie af.",
        "none": "geen",
    },
    "fr": {
        "event": "Concertation transfrontalière conjointe",
        "headline": "Concertation conjointe demandée : {noun} ({countries})",
        "description": (
            "De {start} à {end} UTC, des {noun} touchent des zones des deux côtés de la "
            "frontière. Niveaux par pays selon leurs propres critères : {levels}. Écarts entre "
            "critères : {mismatches}."
        ),
        "instruction": "Cellules de crise {cells} : organisez une concertation conjointe et coordonnez la communication.",
        "none": "aucun",
    },
    "de": {
        "event": "Gemeinsame grenzüberschreitende Beratung",
        "headline": "Gemeinsame Beratung angefragt: {noun} ({countries})",
        "description": (
            "Von {start} bis {end} UTC betreffen {noun} Gebiete auf beiden Seiten der Grenze. "
            "Stufen je Land nach eigenen Kriterien: {levels}. Abweichungen zwischen den "
            "Kriterien: {mismatches}."
        ),
        "instruction": "Krisenstäbe {cells}: Berufen Sie eine gemeinsame Beratung ein und stimmen Sie die Kommunikation ab.",
        "none": "keine",
    },
    "en": {
        "event": "Joint cross-border consultation",
        "headline": "Joint consultation requested: {noun} ({countries})",
        "description": (
            "From {start} to {end} UTC, {noun} affect areas on both sides of the border. Levels "
            "per country under its own criteria: {levels}. Differences between criteria: "
            "{mismatches}."
        ),
        "instruction": "Crisis cells {cells}: convene a joint consultation and align your communication.",
        "none": "none",
    },
}

#: Plural nouns for the trigger texts ("des ... touchent", "... betreffen").
_TRIGGER_NOUNS = {
    "wind": {"nl": "zware windstoten", "fr": "rafales violentes", "de": "Sturmböen",
             "en": "severe wind gusts"},
    "rain": {"nl": "hevige buien", "fr": "pluies intenses", "de": "Starkregenfälle",
             "en": "heavy downpours"},
    "persistent_rain": {"nl": "langdurige regens", "fr": "pluies persistantes",
                        "de": "Dauerregenfälle", "en": "persistent rains"},
    "heat": {"nl": "hittegolven", "fr": "fortes chaleurs", "de": "Hitzewellen",
             "en": "heatwaves"},
    "cold": {"nl": "koudegolven", "fr": "vagues de froid", "de": "Kältewellen",
             "en": "cold waves"},
}  # fmt: skip


_MISMATCH = {
    "nl": "{region}: {own} volgens {own_authority}, {other} volgens {other_authority}",
    "fr": "{region} : {own} selon {own_authority}, {other} selon {other_authority}",
    "de": "{region}: {own} nach {own_authority}, {other} nach {other_authority}",
    "en": "{region}: {own} under {own_authority}, {other} under {other_authority}",
}


def trigger_texts(
    language: str,
    *,
    hazard: str,
    levels_by_country: dict[str, str],
    start: datetime,
    end: datetime,
    cells: list[str],
    mismatches: list,
    authorities: dict[str, str],
    exercise: bool,
) -> dict[str, str]:
    """Texts of a joint-consultation trigger in ``language`` (levels as colour names).

    ``mismatches``: (region, own country, own level, other country, other level) items;
    ``authorities``: country -> warning authority.
    """
    words = _TRIGGER[language]
    colour = dict(zip(LEVEL_NAMES["en"], LEVEL_NAMES[language], strict=True))
    levels = ", ".join(f"{c} {colour[lvl]}" for c, lvl in sorted(levels_by_country.items()))
    noun = _TRIGGER_NOUNS[_named(hazard)][language]
    return {
        "event": words["event"],
        "headline": trigger_headline(language, hazard, levels_by_country, exercise=exercise),
        "description": words["description"].format(
            start=_hhmm(start),
            end=_hhmm(end),
            noun=noun,
            levels=levels,
            mismatches="; ".join(
                _MISMATCH[language].format(
                    region=region,
                    own=LEVEL_NAMES[language][own] or words["none"],
                    own_authority=authorities.get(own_country, own_country),
                    other=LEVEL_NAMES[language][other] or words["none"],
                    other_authority=authorities.get(other_country, other_country),
                )
                for region, own_country, own, other_country, other in mismatches
            )
            or words["none"],
        ),
        "instruction": words["instruction"].format(cells=", ".join(cells)),
    }
