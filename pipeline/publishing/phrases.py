"""The phrases of crosswarn's texts, per language (nl, fr, de, en): data only, assembled by
:mod:`pipeline.publishing.texts`, which says what the texts must convey.

Placeholders: {criteria} lists authorities as the first part of a compound where the language
makes one ("DWD- und KMI-IRM" + "-Kriterien"); {colour} and {Colour} are a level's colour name in
lower case and capitalised; times come formatted by ``TIME``.
"""

# ruff: noqa: E501  (sentences for people read better unbroken)

from __future__ import annotations

STATUS_NOTE = {
    "Exercise": {
        "nl": "OEFENING — geen echte waarschuwing. ",
        "fr": "EXERCICE — pas un avertissement réel. ",
        "de": "ÜBUNG — keine echte Warnung. ",
        "en": "EXERCISE — not a real warning. ",
    },
    "Test": {
        "nl": "TEST — geen echte waarschuwing. ",
        "fr": "TEST — pas un avertissement réel. ",
        "de": "TEST — keine echte Warnung. ",
        "en": "TEST — not a real warning. ",
    },
}

#: Local time as each language names it: (winter, summer).
ZONE = {
    "nl": ("MET", "MEZT"),
    "fr": ("heure d'hiver", "heure d'été"),
    "de": ("MEZ", "MESZ"),
    "en": ("CET", "CEST"),
}
TIME = {
    "nl": "{t:%d-%m-%Y %H:%M} {zone}",
    "fr": "{t:%d/%m/%Y %Hh%M} {zone}",
    "de": "{t:%d.%m.%Y %H:%M} {zone}",
    "en": "{t:%d/%m/%Y %H:%M} {zone}",
}
HOURS = {"nl": ("uur", "uur"), "fr": ("heure", "heures"), "de": ("Stunde", "Stunden"),
          "en": ("hour", "hours")}  # fmt: skip
UNITS = {"nl": {"km/h": "km/u"}, "de": {"mm": "l/m²"}}
AND = {"nl": "en", "fr": "et", "de": "und", "en": "and"}
RANGE = {  # (both values at or above zero, a negative one among them)
    "nl": ("{low} tot {high}", "{low} tot {high}"),
    "fr": ("{low} à {high}", "{low} à {high}"),
    "de": ("{low} bis {high}", "{low} bis {high}"),
    "en": ("{low}–{high}", "{low} to {high}"),
}

#: Every sentence, per language. {criteria}: authorities as the first part of a compound where
#: the language makes one ("DWD- und KMI-IRM" + "-Kriterien").
SENTENCES = {
    "nl": {
        "sender": "crosswarn (advies volgens {criteria}-criteria)",
        "statement_short": "crosswarn-advies volgens {criteria}-criteria, geen {not_official}",
        "statement": "Dit is crosswarn-advies, berekend volgens {criteria}-criteria, en geen {not_official}.",
        "not_one": "officiële {authority}-waarschuwing",
        "not_any": "officiële waarschuwing",
        "links": "Officiële waarschuwingen: {links}",
        "level": "Code {colour}",
        "body": "{level}, {noun}: {area}",
        "cancelled_mark": "Ingetrokken: ",
        "cancelled_body": "{Noun}: {area}",
        "forecast": "Van {onset} tot {expiry} worden in {area} {quantity} verwacht{beyond}.",
        "peak": "Het hoogste niveau wordt rond {peak} bereikt.",
        "model": "Berekend uit het model {model} (run {run}).",
        "proxy": "De drempel voor {colour} is een crosswarn-proxy, geen door {authority} gepubliceerde drempel.",
        "consultation": "Overleg met {authority} aanbevolen: {authority} beslist over code {colour} op basis van de impact.",
        "cancelled": "Het eerdere crosswarn-bericht ({noun}, {area}, {onset} tot {expiry}) is niet meer van toepassing: de nieuwste modelrun voorspelt deze gebeurtenis niet meer.",
        "no_action": "Op grond van dit crosswarn-advies is geen actie nodig. Volg de officiële waarschuwingen van {authorities}.",
        "trigger_event": "Gezamenlijk grensoverschrijdend overleg",
        "trigger_body": "Gezamenlijk overleg gevraagd: {noun} ({countries})",
        "trigger_cancelled_body": "Gezamenlijk overleg: {noun} ({countries})",
        "trigger_forecast": "Van {start} tot {end} worden aan beide kanten van de grens {noun} verwacht.",
        "trigger_levels": "Niveaus per land volgens de eigen criteria: {levels}. Verschillen tussen criteria: {mismatches}.",
        "mismatch": "{region}: {own} volgens {own_authority}, {other} volgens {other_authority}",
        "none": "geen",
        "trigger_instruction": "Crisiscellen {cells}: beleg een gezamenlijk overleg en stem de communicatie af.",
        "trigger_cancelled": "Het gezamenlijke overleg dat crosswarn eerder vroeg ({noun}, {countries}, {start} tot {end}) is niet meer nodig: de nieuwste modelruns tonen deze grensoverschrijdende gebeurtenis niet meer.",
        "trigger_no_action": "Op grond van dit crosswarn-advies is geen gezamenlijk overleg nodig. Volg de officiële waarschuwingen van {authorities}.",
    },
    "fr": {
        "sender": "crosswarn (avis selon les critères de {criteria})",
        "statement_short": "avis crosswarn selon les critères de {criteria}, pas {not_official}",
        "statement": "Ceci est un avis crosswarn, calculé selon les critères de {criteria}, et non {not_official}.",
        "not_one": "un message officiel de {authority}",
        "not_any": "un message officiel",
        "links": "Informations officielles : {links}",
        "level": "Niveau {colour}",
        "body": "{level}, {noun} : {area}",
        "vigilance_body": "Vigilance {colour} {noun} : {area}",
        "cancelled_mark": "Annulé : ",
        "cancelled_body": "{Noun} : {area}",
        "forecast": "Du {onset} au {expiry}, {quantity} sur {area}{beyond}.",
        "peak": "Le niveau le plus élevé est atteint vers {peak}.",
        "model": "Calculé à partir du modèle {model} (run {run}).",
        "proxy": "Le seuil {colour} est une approximation crosswarn, pas un seuil publié par {authority}.",
        "consultation": "Concertation avec {authority} recommandée : {authority} décide du code {colour} en fonction des impacts.",
        "cancelled": "Le message crosswarn précédent ({noun}, {area}, du {onset} au {expiry}) ne s'applique plus : le dernier run du modèle ne prévoit plus cet événement.",
        "no_action": "Aucune action n'est nécessaire du fait de cet avis crosswarn. Suivez les informations officielles de {authorities}.",
        "trigger_event": "Concertation transfrontalière conjointe",
        "trigger_body": "Concertation conjointe demandée : {noun} ({countries})",
        "trigger_cancelled_body": "Concertation conjointe : {noun} ({countries})",
        "trigger_forecast": "Du {start} au {end}, on attend des {noun} des deux côtés de la frontière.",
        "trigger_levels": "Niveaux par pays selon leurs propres critères : {levels}. Écarts entre critères : {mismatches}.",
        "mismatch": "{region} : {own} selon {own_authority}, {other} selon {other_authority}",
        "none": "aucun",
        "trigger_instruction": "Cellules de crise {cells} : organisez une concertation conjointe et coordonnez la communication.",
        "trigger_cancelled": "La concertation conjointe demandée auparavant par crosswarn ({noun}, {countries}, du {start} au {end}) n'est plus nécessaire : les derniers runs des modèles ne montrent plus cet événement transfrontalier.",
        "trigger_no_action": "Aucune concertation conjointe n'est nécessaire du fait de cet avis crosswarn. Suivez les informations officielles de {authorities}.",
    },
    "de": {
        "sender": "crosswarn (Hinweis nach {criteria}-Kriterien)",
        "statement_short": "crosswarn-Hinweis nach {criteria}-Kriterien, keine {not_official}",
        "statement": "Dies ist ein crosswarn-Hinweis, berechnet nach {criteria}-Kriterien, und keine {not_official}.",
        "not_one": "amtliche {authority}-Warnung",
        "not_any": "amtliche Warnung",
        "links": "Amtliche Warnungen: {links}",
        "level": "Stufe {Colour}",
        "body": "{level}, {noun}: {area}",
        "cancelled_mark": "Aufgehoben: ",
        "cancelled_body": "{Noun}: {area}",
        "forecast": "Für {area} werden von {onset} bis {expiry} {quantity} erwartet{beyond}.",
        "peak": "Die höchste Stufe wird gegen {peak} erreicht.",
        "model": "Berechnet aus dem Modell {model} (Lauf {run}).",
        "proxy": "Der Schwellenwert der Stufe {Colour} ist ein crosswarn-Näherungswert, kein von {authority} veröffentlichter Schwellenwert.",
        "consultation": "Rücksprache mit {authority} empfohlen: {authority} entscheidet über Code {Colour} anhand der Auswirkungen.",
        "cancelled": "Die frühere crosswarn-Meldung ({noun}, {area}, {onset} bis {expiry}) gilt nicht mehr: Der neueste Modelllauf sagt dieses Ereignis nicht mehr vorher.",
        "no_action": "Aufgrund dieses crosswarn-Hinweises ist nichts zu tun. Beachten Sie die amtlichen Warnungen von {authorities}.",
        "trigger_event": "Gemeinsame grenzüberschreitende Beratung",
        "trigger_body": "Gemeinsame Beratung angefragt: {noun} ({countries})",
        "trigger_cancelled_body": "Gemeinsame Beratung: {noun} ({countries})",
        "trigger_forecast": "Von {start} bis {end} werden auf beiden Seiten der Grenze {noun} erwartet.",
        "trigger_levels": "Stufen je Land nach eigenen Kriterien: {levels}. Abweichungen zwischen den Kriterien: {mismatches}.",
        "mismatch": "{region}: {own} nach {own_authority}, {other} nach {other_authority}",
        "none": "keine",
        "trigger_instruction": "Krisenstäbe {cells}: Berufen Sie eine gemeinsame Beratung ein und stimmen Sie die Kommunikation ab.",
        "trigger_cancelled": "Die gemeinsame Beratung, die crosswarn zuvor angefragt hat ({noun}, {countries}, {start} bis {end}), ist nicht mehr nötig: Die neuesten Modellläufe zeigen dieses grenzüberschreitende Ereignis nicht mehr.",
        "trigger_no_action": "Aufgrund dieses crosswarn-Hinweises ist keine gemeinsame Beratung nötig. Beachten Sie die amtlichen Warnungen von {authorities}.",
    },
    "en": {
        "sender": "crosswarn (guidance under {criteria} criteria)",
        "statement_short": "crosswarn guidance under {criteria} criteria, not {not_official}",
        "statement": "This is crosswarn guidance computed under {criteria} criteria, not {not_official}.",
        "not_one": "an official {authority} warning",
        "not_any": "an official warning",
        "links": "Official warnings: {links}",
        "level": "{Colour} level",
        "body": "{level}, {noun}: {area}",
        "cancelled_mark": "Cancelled: ",
        "cancelled_body": "{Noun}: {area}",
        "forecast": "From {onset} to {expiry}, {quantity} are expected in {area}{beyond}.",
        "peak": "The highest level is reached around {peak}.",
        "model": "Computed from the {model} model (run {run}).",
        "proxy": "The {colour} threshold is a crosswarn proxy, not a published {authority} threshold.",
        "consultation": "Consultation with {authority} recommended: {authority} decides on code {colour} on impact.",
        "cancelled": "The earlier crosswarn message ({noun}, {area}, {onset} to {expiry}) no longer applies: the latest model run no longer forecasts this event.",
        "no_action": "No action is needed on account of this crosswarn guidance. Follow the official warnings of {authorities}.",
        "trigger_event": "Joint cross-border consultation",
        "trigger_body": "Joint consultation requested: {noun} ({countries})",
        "trigger_cancelled_body": "Joint consultation: {noun} ({countries})",
        "trigger_forecast": "From {start} to {end}, {noun} are expected on both sides of the border.",
        "trigger_levels": "Levels per country, each under its own criteria: {levels}. Differences between criteria: {mismatches}.",
        "mismatch": "{region}: {own} under {own_authority}, {other} under {other_authority}",
        "none": "none",
        "trigger_instruction": "Crisis cells {cells}: convene a joint consultation and align your communication.",
        "trigger_cancelled": "The joint consultation that crosswarn requested earlier ({noun}, {countries}, {start} to {end}) is no longer needed: the latest model runs no longer show this cross-border event.",
        "trigger_no_action": "No joint consultation is needed on account of this crosswarn guidance. Follow the official warnings of {authorities}.",
    },
}  # fmt: skip

#: What each hazard is called mid-sentence; the CAP event is the same with a capital.
NOUNS = {
    "wind": {"nl": "zware windstoten", "fr": "rafales de vent violentes", "de": "Sturmböen",
             "en": "severe wind gusts"},
    "thunderstorm_flag": {"nl": "onweersbuien", "fr": "orages", "de": "Gewitter",
                          "en": "thunderstorms"},
    "thunderstorm_gust": {"nl": "onweersbuien met zware windstoten",
                          "fr": "orages avec rafales violentes", "de": "Gewitter mit Sturmböen",
                          "en": "thunderstorms with severe gusts"},
    "thunderstorm_rain": {"nl": "onweersbuien met hevige neerslag", "fr": "orages avec fortes pluies",
                          "de": "Gewitter mit Starkregen", "en": "thunderstorms with heavy rain"},
    "thunderstorm_hail": {"nl": "onweersbuien met hagel", "fr": "orages avec grêle",
                          "de": "Gewitter mit Hagel", "en": "thunderstorms with hail"},
    "rain": {"nl": "hevige neerslag", "fr": "fortes pluies", "de": "Starkregen",
             "en": "heavy rain"},
    "persistent_rain": {"nl": "langdurige neerslag", "fr": "pluies persistantes",
                        "de": "Dauerregen", "en": "persistent rain"},
    "heat": {"nl": "hitte", "fr": "fortes chaleurs", "de": "Hitze", "en": "extreme heat"},
    "cold": {"nl": "strenge koude", "fr": "grand froid", "de": "Kälte", "en": "severe cold"},
    "snow": {"nl": "sneeuwval", "fr": "chutes de neige", "de": "Schneefall", "en": "snowfall"},
    "ice": {"nl": "ijzel", "fr": "pluie verglaçante", "de": "Glatteis",
            "en": "freezing rain and glaze"},
}  # fmt: skip

#: DWD's event words (its CAP <event>, in sentence case) per MeteoAlarm level, for German
#: regions when the criteria give none (DWD Stufe 1 yellow, 2 orange, 3 red; audit in
#: regions/audit/criteria-dwd-meteolux-meteo-france.md §3). DWD has no yellow rain and no red
#: frost; its heat scheme has no MeteoAlarm colour, so heat keeps crosswarn's word.
DWD = {
    "wind": {1: "Windböen", 2: "Sturmböen", 3: "orkanartige Böen"},
    "thunderstorm": {1: "Gewitter", 2: "starkes Gewitter", 3: "schweres Gewitter"},
    "rain": {2: "Starkregen", 3: "heftiger Starkregen"},
    "persistent_rain": {2: "Dauerregen", 3: "ergiebiger Dauerregen"},
    "cold": {1: "Frost", 2: "strenger Frost"},
    "snow": {1: "leichter Schneefall", 2: "Schneefall", 3: "starker Schneefall"},
    "ice": {2: "Glatteis", 3: "Glatteis"},
}
#: Within a level DWD names gusts by Beaufort class: from these speeds (km/h) the stronger word.
DWD_STRONGER_GUSTS = {2: (90, "schwere Sturmböen"), 3: (120, "Orkanböen")}

#: Météo-France's vigilance phenomena ("vigilance orange vent violent").
VIGILANCE = {"wind": "vent violent", "thunderstorm": "orages", "rain": "pluie-inondation",
              "persistent_rain": "pluie-inondation", "heat": "canicule", "cold": "grand froid",
              "snow": "neige-verglas", "ice": "neige-verglas"}  # fmt: skip

#: The amount a warning states, per language: a band, an open band above the top level, or the
#: peak alone (a level without one threshold); and the peak beyond the band.
AMOUNT = {
    "nl": {"band": "van {range} {unit}", "above": "van {low} {unit} of meer",
           "below": "van {low} {unit} of lager", "up_to": "tot {peak} {unit}",
           "down_to": "tot {peak} {unit}"},
    "fr": {"band": "de {range} {unit}", "above": "de {low} {unit} ou plus",
           "below": "de {low} {unit} ou moins", "up_to": "jusqu'à {peak} {unit}",
           "down_to": "jusqu'à {peak} {unit}"},
    "de": {"band": "von {range} {unit}", "above": "von {low} {unit} und mehr",
           "below": "von {low} {unit} und darunter", "up_to": "bis {peak} {unit}",
           "down_to": "bis {peak} {unit}"},
    "en": {"band": "of {range} {unit}", "above": "of {low} {unit} or more",
           "below": "of {low} {unit} or lower", "up_to": "of up to {peak} {unit}",
           "down_to": "as low as {peak} {unit}"},
}  # fmt: skip
BEYOND = {
    "nl": {"locally_above": ", plaatselijk tot {peak} {unit}",
           "locally_below": ", plaatselijk tot {peak} {unit}",
           "above": ", tot {peak} {unit}", "below": ", tot {peak} {unit}"},
    "fr": {"locally_above": ", localement jusqu'à {peak} {unit}",
           "locally_below": ", localement jusqu'à {peak} {unit}",
           "above": ", jusqu'à {peak} {unit}", "below": ", jusqu'à {peak} {unit}"},
    "de": {"locally_above": ", örtlich bis {peak} {unit}",
           "locally_below": ", örtlich bis {peak} {unit}",
           "above": ", bis {peak} {unit}", "below": ", bis {peak} {unit}"},
    "en": {"locally_above": ", locally up to {peak} {unit}",
           "locally_below": ", locally down to {peak} {unit}",
           "above": ", up to {peak} {unit}", "below": ", down to {peak} {unit}"},
}  # fmt: skip
#: The quantity a warning is about ({amount}, {duration}); French agrees the verb with it.
QUANTITY = {
    "wind": {"nl": "windstoten {amount}", "fr": "des rafales {amount} sont attendues",
             "de": "Böen {amount}", "en": "gusts {amount}"},
    "thunderstorm_flag": {"nl": "onweersbuien", "fr": "des orages sont attendus",
                          "de": "Gewitter", "en": "thunderstorms"},
    "thunderstorm_gust": {
        "nl": "onweersbuien met windstoten {amount}",
        "fr": "des orages avec des rafales {amount} sont attendus",
        "de": "Gewitter mit Böen {amount}",
        "en": "thunderstorms with gusts {amount}"},
    "thunderstorm_rain": {
        "nl": "onweersbuien met neerslaghoeveelheden {amount} in {duration}",
        "fr": "des orages avec des cumuls de pluie {amount} en {duration} sont attendus",
        "de": "Gewitter mit Niederschlagsmengen {amount} in {duration}",
        "en": "thunderstorms with rainfall {amount} in {duration}"},
    "thunderstorm_hail": {
        "nl": "onweersbuien met hagelstenen {amount}",
        "fr": "des orages avec de la grêle {amount} sont attendus",
        "de": "Gewitter mit Hagel {amount}",
        "en": "thunderstorms with hailstones {amount}"},
    "snow": {"nl": "verse sneeuw {amount} in {duration}",
             "fr": "des chutes de neige fraîche {amount} en {duration} sont attendues",
             "de": "Neuschnee {amount} in {duration}",
             "en": "fresh snow {amount} in {duration}"},
    "ice": {"nl": "perioden met ijzel (onderkoelde regen of motregen)",
            "fr": "des pluies ou bruines verglaçantes sont attendues",
            "de": "gefrierender Regen oder Sprühregen mit Glatteis",
            "en": "spells of freezing rain or drizzle with glaze"},
    "rain": {"nl": "neerslaghoeveelheden {amount} in {duration}",
             "fr": "des cumuls de pluie {amount} en {duration} sont attendus",
             "de": "Niederschlagsmengen {amount} in {duration}",
             "en": "rainfall totals {amount} in {duration}"},
    "heat": {"nl": "temperaturen {amount}", "fr": "des températures {amount} sont attendues",
             "de": "Temperaturen {amount}", "en": "temperatures {amount}"},
    "cold": {"nl": "temperaturen {amount}", "fr": "des températures {amount} sont attendues",
             "de": "Tiefstwerte {amount}", "en": "temperatures {amount}"},
}  # fmt: skip

#: Plural nouns of the trigger texts.
TRIGGER_NOUNS = {
    "wind": {"nl": "zware windstoten", "fr": "rafales violentes", "de": "Sturmböen",
             "en": "severe wind gusts"},
    "thunderstorm": {"nl": "onweersbuien", "fr": "orages", "de": "Gewitter",
                     "en": "thunderstorms"},
    "rain": {"nl": "hevige buien", "fr": "pluies intenses", "de": "Starkregenfälle",
             "en": "heavy downpours"},
    "persistent_rain": {"nl": "langdurige regens", "fr": "pluies persistantes",
                        "de": "Dauerregenfälle", "en": "persistent rains"},
    "heat": {"nl": "hittegolven", "fr": "vagues de chaleur", "de": "Hitzewellen",
             "en": "heatwaves"},
    "cold": {"nl": "koudegolven", "fr": "vagues de froid", "de": "Kältewellen",
             "en": "cold waves"},
    "snow": {"nl": "sneeuwval", "fr": "chutes de neige", "de": "Schneefälle",
             "en": "snowfalls"},
    "ice": {"nl": "ijzel", "fr": "pluies verglaçantes", "de": "Glatteis",
            "en": "freezing rain"},
}  # fmt: skip
