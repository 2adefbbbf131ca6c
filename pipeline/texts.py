"""Words for people, per language: event names, headlines, descriptions and instructions.

Times in texts are UTC and say so; receivers' systems localise the CAP ``onset``/``expires``.
"""

from __future__ import annotations

from datetime import datetime

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

EVENTS = {
    "wind": {
        "nl": "Zware windstoten",
        "fr": "Rafales de vent violentes",
        "de": "Sturmböen",
        "en": "Severe wind gusts",
    },
}

_HEADLINE = {
    "nl": "{colour} waarschuwing voor zware windstoten: {area}",
    "fr": "Avertissement {colour} pour rafales de vent violentes : {area}",
    "de": "{colour} Warnung vor Sturmböen: {area}",
    "en": "{colour} warning for severe wind gusts: {area}",
}

_DESCRIPTION = {
    "nl": (
        "Van {onset} tot {expiry} UTC worden windstoten tot {peak:.0f} km/u verwacht in {area}. "
        "Het hoogste niveau ({colour_lower}) wordt rond {peak_time} UTC bereikt. "
        "Berekend uit het model {model} (run {run}) met de criteria van {authority}."
    ),
    "fr": (
        "De {onset} à {expiry} UTC, des rafales jusqu'à {peak:.0f} km/h sont attendues sur "
        "{area}. Le niveau le plus élevé ({colour_lower}) est atteint vers {peak_time} UTC. "
        "Calculé à partir du modèle {model} (run {run}) selon les critères de {authority}."
    ),
    "de": (
        "Von {onset} bis {expiry} UTC werden in {area} Böen bis {peak:.0f} km/h erwartet. "
        "Die höchste Stufe ({colour_lower}) wird gegen {peak_time} UTC erreicht. "
        "Berechnet aus dem Modell {model} (Lauf {run}) nach den Kriterien von {authority}."
    ),
    "en": (
        "From {onset} to {expiry} UTC, gusts up to {peak:.0f} km/h are expected in {area}. "
        "The highest level ({colour_lower}) is reached around {peak_time} UTC. "
        "Computed from the {model} model (run {run}) with {authority} criteria."
    ),
}

_INSTRUCTION = {
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


def warning_texts(
    language: str,
    *,
    hazard: str,
    level: int,
    area: str,
    onset: datetime,
    expiry: datetime,
    peak_kmh: float,
    peak_time: datetime,
    model: str,
    run: str,
    authority: str,
    exercise: bool,
) -> dict[str, str]:
    """event, headline, description and instruction for one warning in ``language``."""
    colour = COLOURS[language][level]
    prefix = _EXERCISE_NOTE[language] if exercise else ""
    return {
        "event": EVENTS[hazard][language],
        "headline": prefix + _HEADLINE[language].format(colour=colour, area=area),
        "description": _DESCRIPTION[language].format(
            onset=_hhmm(onset),
            expiry=_hhmm(expiry),
            peak=peak_kmh,
            area=area,
            colour_lower=LEVEL_NAMES[language][level],
            peak_time=_hhmm(peak_time),
            model=model,
            run=run,
            authority=authority,
        ),
        "instruction": _INSTRUCTION[level][language],
    }
