"""The web view's words per language (nl, fr, de, en) and the choice of language per request."""

from __future__ import annotations

import json

from pipeline.assessment.criteria import HAZARDS, LEVELS
from pipeline.publishing import phrases
from pipeline.publishing.texts import LEVEL_NAMES

LANGUAGES = ("nl", "fr", "de", "en")
LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}

WORDS = {
    "nl": {
        "title": "crosswarn: grensoverschrijdend waarschuwingsadvies",
        "guidance": "crosswarn berekent advies volgens de criteria van elke weerdienst; dit zijn "
        "geen officiële waarschuwingen. Officiële waarschuwingen:",
        "exercise": "OEFENING: deze gegevens komen uit een scenario, niet uit een echte verwachting.",
        "languages": "Taal", "countries": "Land", "all": "Alle", "sources": "Model",
        "run": "run", "map": "Kaart van de gewaarschuwde regio's", "regions": "Gewaarschuwde regio's",
        "no_warnings": "Geen waarschuwingen in dit model.", "details": "Regio",
        "pick": "Kies een regio op de kaart of in de lijst.",
        "levels": "Niveaus volgens de criteria van elke dienst", "hazard": "Gevaar",
        "no_level": "geen", "timeline": "Tijdlijn van de waarschuwingen", "from": "Van", "to": "Tot",
        "level": "Niveau", "cap": "CAP-bestand", "no_region_warning": "Geen waarschuwing voor deze regio.",
        "consultations": "Overleg (crisiscellen)", "login": "Aanmelden", "logout": "Afmelden",
        "token": "Toegangstoken van de crisiscel", "login_title": "Aanmelden voor crisiscellen",
        "login_failed": "Dit token is niet geldig.", "own_consultations": "Overleg voor",
        "no_consultations": "Geen lopend overleg voor deze crisiscel.", "window": "Periode",
        "bulletins": "Bulletins", "convene": "Te beleggen crisiscellen", "feed": "Atom-feed (beperkt)",
        "countries_levels": "Niveaus per land", "legend": "Legenda", "not_found": "Niet gevonden.",
        "restricted": "Alleen voor de crisiscellen van dit overleg.", "in_force": "Geldende waarschuwingen",
        "cell": "Crisiscel", "address": "Adres", "overviews": "Overzichtsbulletins",
    },
    "fr": {
        "title": "crosswarn : avis d'alerte transfrontaliers",
        "guidance": "crosswarn calcule des avis selon les critères de chaque service ; ce ne sont "
        "pas des avertissements officiels. Avertissements officiels :",
        "exercise": "EXERCICE : ces données viennent d'un scénario, pas d'une prévision réelle.",
        "languages": "Langue", "countries": "Pays", "all": "Tous", "sources": "Modèle",
        "run": "run", "map": "Carte des régions en alerte", "regions": "Régions en alerte",
        "no_warnings": "Aucune alerte dans ce modèle.", "details": "Région",
        "pick": "Choisissez une région sur la carte ou dans la liste.",
        "levels": "Niveaux selon les critères de chaque service", "hazard": "Phénomène",
        "no_level": "aucun", "timeline": "Chronologie des alertes", "from": "De", "to": "À",
        "level": "Niveau", "cap": "Fichier CAP", "no_region_warning": "Aucune alerte pour cette région.",
        "consultations": "Concertations (cellules de crise)", "login": "Se connecter",
        "logout": "Se déconnecter", "token": "Jeton d'accès de la cellule de crise",
        "login_title": "Connexion des cellules de crise", "login_failed": "Ce jeton n'est pas valable.",
        "own_consultations": "Concertations pour",
        "no_consultations": "Aucune concertation en cours pour cette cellule.", "window": "Période",
        "bulletins": "Bulletins", "convene": "Cellules de crise à réunir", "feed": "Flux Atom (restreint)",
        "countries_levels": "Niveaux par pays", "legend": "Légende", "not_found": "Introuvable.",
        "restricted": "Réservé aux cellules de crise de cette concertation.", "in_force": "Alertes en vigueur",
        "cell": "Cellule de crise", "address": "Adresse", "overviews": "Bulletins de synthèse",
    },
    "de": {
        "title": "crosswarn: grenzüberschreitende Warnhinweise",
        "guidance": "crosswarn berechnet Hinweise nach den Kriterien jedes Wetterdienstes; das "
        "sind keine amtlichen Warnungen. Amtliche Warnungen:",
        "exercise": "ÜBUNG: Diese Daten stammen aus einem Szenario, nicht aus einer echten Vorhersage.",
        "languages": "Sprache", "countries": "Land", "all": "Alle", "sources": "Modell",
        "run": "Lauf", "map": "Karte der gewarnten Regionen", "regions": "Gewarnte Regionen",
        "no_warnings": "Keine Warnungen in diesem Modell.", "details": "Region",
        "pick": "Wählen Sie eine Region auf der Karte oder in der Liste.",
        "levels": "Stufen nach den Kriterien jedes Dienstes", "hazard": "Gefahr",
        "no_level": "keine", "timeline": "Zeitleiste der Warnungen", "from": "Von", "to": "Bis",
        "level": "Stufe", "cap": "CAP-Datei", "no_region_warning": "Keine Warnung für diese Region.",
        "consultations": "Konsultationen (Krisenstäbe)", "login": "Anmelden", "logout": "Abmelden",
        "token": "Zugangstoken des Krisenstabs", "login_title": "Anmeldung für Krisenstäbe",
        "login_failed": "Dieses Token ist nicht gültig.", "own_consultations": "Konsultationen für",
        "no_consultations": "Keine laufende Konsultation für diesen Krisenstab.", "window": "Zeitraum",
        "bulletins": "Bulletins", "convene": "Einzuberufende Krisenstäbe", "feed": "Atom-Feed (eingeschränkt)",
        "countries_levels": "Stufen je Land", "legend": "Legende", "not_found": "Nicht gefunden.",
        "restricted": "Nur für die Krisenstäbe dieser Konsultation.", "in_force": "Geltende Warnungen",
        "cell": "Krisenstab", "address": "Adresse", "overviews": "Übersichtsbulletins",
    },
    "en": {
        "title": "crosswarn: cross-border warning guidance",
        "guidance": "crosswarn computes guidance under each weather service's criteria; these are "
        "not official warnings. Official warnings:",
        "exercise": "EXERCISE: these data come from a scenario, not from a real forecast.",
        "languages": "Language", "countries": "Country", "all": "All", "sources": "Model",
        "run": "run", "map": "Map of the warned regions", "regions": "Warned regions",
        "no_warnings": "No warnings in this model.", "details": "Region",
        "pick": "Pick a region on the map or in the list.",
        "levels": "Levels under each service's criteria", "hazard": "Hazard",
        "no_level": "none", "timeline": "Timeline of the warnings", "from": "From", "to": "To",
        "level": "Level", "cap": "CAP file", "no_region_warning": "No warning for this region.",
        "consultations": "Consultations (crisis cells)", "login": "Log in", "logout": "Log out",
        "token": "Crisis cell access token", "login_title": "Log in for crisis cells",
        "login_failed": "This token is not valid.", "own_consultations": "Consultations for",
        "no_consultations": "No consultation under way for this crisis cell.", "window": "Period",
        "bulletins": "Bulletins", "convene": "Crisis cells to convene", "feed": "Atom feed (restricted)",
        "countries_levels": "Levels per country", "legend": "Legend", "not_found": "Not found.",
        "restricted": "For the crisis cells of this consultation only.", "in_force": "Warnings in force",
        "cell": "Crisis cell", "address": "Address", "overviews": "Overview bulletins",
    },
}  # fmt: skip


def choose_language(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` if it is one of ours, else the first of ours the browser accepts (by its
    q-values), else English."""
    if query in LANGUAGES:
        return query
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else "en"


def level_name(language: str, level: str) -> str:
    """The level's colour word; "none" in the language's own word."""
    if level == "none":
        return WORDS[language]["no_level"]
    return LEVEL_NAMES[language][LEVELS.index(level)]


def level_words(language: str) -> str:
    """Every level's word as JSON, for the map script's labels."""
    return json.dumps({level: level_name(language, level) for level in LEVELS})


def hazard_name(language: str, hazard: str) -> str:
    """The hazard as the warnings call it, with its accumulation window ("heavy rain, 6 h")."""
    kind = HAZARDS.get(hazard)
    if kind is None:
        return hazard
    noun = phrases.NOUNS.get(hazard) or phrases.NOUNS.get(
        "thunderstorm_flag" if hazard == "thunderstorm" else kind.family
    )
    text = noun[language] if noun else hazard
    text = text[:1].upper() + text[1:]
    return f"{text}, {kind.window_hours} h" if kind.window_hours else text
