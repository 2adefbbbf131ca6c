"""What people should do, per hazard family, level and language: advice for land areas, and
for marine and coastal water areas (MeteoAlarm EMMA_IDs 801 and up: BE801, NL801-NL807, DE802),
where the people reached are crews, skippers and beach-goers, not road users or park visitors.

Data only; :func:`pipeline.publishing.texts.warning_texts` picks the entry.
"""

# ruff: noqa: E501  (sentences for people read better unbroken)

from __future__ import annotations

from pipeline.geo.emma import marine

Texts = dict[str, str]  # language -> sentence


def _every_level(texts: Texts) -> dict[int, Texts]:
    """The same advice at yellow, orange and red (where the level changes nothing one can do)."""
    return {1: texts, 2: texts, 3: texts}


LAND: dict[str, dict[int, Texts]] = {
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
    "thunderstorm": {
        1: {
            "nl": "Schuil bij onweer in een gebouw of een auto en blijf weg van bomen en open terrein. Houd rekening met water op de weg.",
            "fr": "Pendant les orages, abritez-vous dans un bâtiment ou une voiture et éloignez-vous des arbres et des terrains dégagés. Attendez-vous à de l'eau sur les routes.",
            "de": "Suchen Sie bei Gewitter Schutz in einem Gebäude oder Auto und meiden Sie Bäume und freies Gelände. Rechnen Sie mit Wasser auf den Straßen.",
            "en": "During thunderstorms, shelter in a building or a car and keep away from trees and open ground. Expect water on the roads.",
        },
        2: {
            "nl": "Blijf binnen tijdens onweer. Vermijd tunnels, kelders en ondergelopen wegen en zet losse voorwerpen vast.",
            "fr": "Restez à l'intérieur pendant les orages. Évitez les passages souterrains, les sous-sols et les routes inondées, et fixez les objets non arrimés.",
            "de": "Bleiben Sie bei Gewitter im Haus. Meiden Sie Unterführungen, Keller und überflutete Straßen und sichern Sie lose Gegenstände.",
            "en": "Stay indoors during thunderstorms. Avoid underpasses, basements and flooded roads, and secure loose objects.",
        },
        3: {
            "nl": "Blijf binnen, ga niet de weg op en blijf uit de buurt van beken en overstroomde gebieden. Volg de instructies van de hulpdiensten.",
            "fr": "Restez à l'intérieur, ne prenez pas la route et éloignez-vous des cours d'eau et des zones inondées. Suivez les consignes des autorités.",
            "de": "Bleiben Sie im Haus, vermeiden Sie Fahrten und halten Sie sich von Bächen und überfluteten Gebieten fern. Folgen Sie den Anweisungen der Behörden.",
            "en": "Stay indoors, do not travel and keep away from streams and flooded areas. Follow the instructions of the emergency services.",
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
    "snow": {
        1: {
            "nl": "Houd rekening met gladde wegen en paden en met vertragingen in het verkeer. Pas je snelheid aan.",
            "fr": "Attendez-vous à des routes et trottoirs glissants et à des retards de circulation. Adaptez votre vitesse.",
            "de": "Rechnen Sie mit glatten Straßen und Wegen und mit Verzögerungen im Verkehr. Passen Sie Ihre Geschwindigkeit an.",
            "en": "Expect slippery roads and paths and traffic delays. Adjust your speed.",
        },
        2: {
            "nl": "Stel verplaatsingen zo mogelijk uit. Ga je toch op pad, neem dan warme kleding, water en een opgeladen telefoon mee.",
            "fr": "Reportez vos déplacements si possible. Si vous devez partir, emportez des vêtements chauds, de l'eau et un téléphone chargé.",
            "de": "Verschieben Sie Fahrten nach Möglichkeit. Wenn Sie fahren müssen, nehmen Sie warme Kleidung, Wasser und ein geladenes Telefon mit.",
            "en": "Postpone travel if you can. If you must travel, take warm clothing, water and a charged phone.",
        },
        3: {
            "nl": "Ga niet de weg op. Blijf binnen en volg de instructies van de hulpdiensten.",
            "fr": "Ne prenez pas la route. Restez à l'intérieur et suivez les consignes des autorités.",
            "de": "Vermeiden Sie Fahrten. Bleiben Sie im Haus und folgen Sie den Anweisungen der Behörden.",
            "en": "Do not travel. Stay indoors and follow the instructions of the emergency services.",
        },
    },
    "ice": {
        1: {
            "nl": "Let op spiegelgladde wegen, fietspaden en stoepen, ook waar het nat lijkt. Rijd en loop voorzichtig.",
            "fr": "Attention aux routes, pistes cyclables et trottoirs verglacés, même là où ils semblent seulement mouillés. Circulez avec prudence.",
            "de": "Achten Sie auf spiegelglatte Straßen, Radwege und Gehwege, auch wo sie nur nass aussehen. Fahren und gehen Sie vorsichtig.",
            "en": "Watch out for glazed roads, cycle paths and pavements, even where they look merely wet. Drive and walk with care.",
        },
        2: {
            "nl": "Stel verplaatsingen uit tot de wegen gestrooid zijn. Fiets niet en loop alleen als het moet.",
            "fr": "Reportez vos déplacements jusqu'au salage des routes. Ne prenez pas le vélo et ne sortez à pied qu'en cas de nécessité.",
            "de": "Verschieben Sie Fahrten, bis die Straßen gestreut sind. Fahren Sie nicht Rad und gehen Sie nur zu Fuß, wenn es sein muss.",
            "en": "Postpone travel until roads are gritted. Do not cycle, and walk only if you must.",
        },
        3: {
            "nl": "Ga niet naar buiten en niet de weg op. Volg de instructies van de hulpdiensten.",
            "fr": "Ne sortez pas et ne prenez pas la route. Suivez les consignes des autorités.",
            "de": "Gehen Sie nicht ins Freie und vermeiden Sie Fahrten. Folgen Sie den Anweisungen der Behörden.",
            "en": "Do not go out and do not travel. Follow the instructions of the emergency services.",
        },
    },
}  # fmt: skip

MARINE: dict[str, dict[int, Texts]] = {
    "wind": {
        1: {
            "nl": "Kleine vaartuigen en watersport: raadpleeg het weerbericht voor de scheepvaart en blijf dicht bij een beschutte haven. Reken op ruwe zee.",
            "fr": "Petits bateaux et sports nautiques : consultez la météo marine et restez près d'un abri. Attendez-vous à une mer agitée.",
            "de": "Kleine Boote und Wassersport: Beachten Sie den Seewetterbericht und bleiben Sie in der Nähe eines Schutzhafens. Rechnen Sie mit rauer See.",
            "en": "Small craft and water sports: check the marine forecast and stay close to shelter. Expect rough seas.",
        },
        2: {
            "nl": "Scheepvaart: zet lading en dekuitrusting vast; kleine vaartuigen blijven in de haven. Blijf weg van pieren, dijken en het strand: golven kunnen mensen meesleuren.",
            "fr": "Navigation : arrimez la cargaison et le matériel de pont ; les petits bateaux restent au port. Éloignez-vous des jetées, des digues et de la plage : les vagues peuvent emporter les personnes.",
            "de": "Schifffahrt: Sichern Sie Ladung und Deckausrüstung; kleine Boote bleiben im Hafen. Meiden Sie Molen, Deiche und den Strand: Wellen können Menschen mitreißen.",
            "en": "Shipping: secure cargo and deck gear; small craft stay in port. Keep away from piers, dikes and the beach: waves can sweep people away.",
        },
        3: {
            "nl": "Alle schepen: zoek beschutting of blijf in de haven en volg de instructies van de kustwacht. Blijf weg van de kust en de waterlijn.",
            "fr": "Tous les navires : mettez-vous à l'abri ou restez au port et suivez les consignes des garde-côtes. Tenez-vous à l'écart de la côte et du bord de l'eau.",
            "de": "Alle Schiffe: Suchen Sie Schutz oder bleiben Sie im Hafen und folgen Sie den Anweisungen der Küstenwache. Halten Sie sich von der Küste und der Wasserlinie fern.",
            "en": "All vessels: seek shelter or stay in port and follow the instructions of the coastguard. Keep away from the coast and the water's edge.",
        },
    },
    "thunderstorm": _every_level({
        "nl": "Verlaat het water en het strand zodra je onweer hoort; zoek aan boord beschutting benedendeks. Reken op plotselinge rukwinden en slecht zicht.",
        "fr": "Quittez l'eau et la plage dès que vous entendez le tonnerre ; à bord, abritez-vous sous le pont. Attendez-vous à des grains soudains et à une mauvaise visibilité.",
        "de": "Verlassen Sie das Wasser und den Strand, sobald Sie Donner hören; suchen Sie an Bord Schutz unter Deck. Rechnen Sie mit plötzlichen Böen und schlechter Sicht.",
        "en": "Leave the water and the beach as soon as you hear thunder; on board, shelter below deck. Expect sudden squalls and poor visibility.",
    }),
    "rain": _every_level({
        "nl": "Reken op slecht zicht op het water: vaar voorzichtig en houd goed uitkijk.",
        "fr": "Attendez-vous à une mauvaise visibilité sur l'eau : naviguez avec prudence et veillez attentivement.",
        "de": "Rechnen Sie mit schlechter Sicht auf dem Wasser: Fahren Sie vorsichtig und halten Sie gut Ausguck.",
        "en": "Expect poor visibility on the water: navigate with care and keep a good lookout.",
    }),
    "heat": _every_level({
        "nl": "Op het strand en op het water: drink voldoende, zoek schaduw en let op zwemmers en kinderen.",
        "fr": "Sur la plage et sur l'eau : buvez suffisamment, cherchez l'ombre et surveillez les baigneurs et les enfants.",
        "de": "Am Strand und auf dem Wasser: Trinken Sie ausreichend, suchen Sie Schatten und achten Sie auf Badende und Kinder.",
        "en": "On the beach and on the water: drink enough, seek shade and keep an eye on swimmers and children.",
    }),
    "cold": _every_level({
        "nl": "Bemanningen: pas op voor ijsafzetting op dek en opbouw, en voor onderkoeling bij een val in het water.",
        "fr": "Équipages : attention au givrage du pont et des superstructures, et à l'hypothermie en cas de chute à l'eau.",
        "de": "Besatzungen: Achten Sie auf Vereisung von Deck und Aufbauten und auf Unterkühlung bei einem Sturz ins Wasser.",
        "en": "Crews: beware of icing on deck and superstructures, and of hypothermia if you fall into the water.",
    }),
    "snow": _every_level({
        "nl": "Reken op slecht zicht op het water en op sneeuw en ijs op dek, steigers en kades: vaar voorzichtig.",
        "fr": "Attendez-vous à une mauvaise visibilité sur l'eau et à de la neige et de la glace sur le pont, les pontons et les quais : naviguez avec prudence.",
        "de": "Rechnen Sie mit schlechter Sicht auf dem Wasser und mit Schnee und Eis an Deck, auf Stegen und Kais: Fahren Sie vorsichtig.",
        "en": "Expect poor visibility on the water and snow and ice on deck, pontoons and quays: navigate with care.",
    }),
    "ice": _every_level({
        "nl": "Bemanningen: dek, steigers en kades worden spiegelglad; pas op voor ijsafzetting op opbouw en tuigage.",
        "fr": "Équipages : le pont, les pontons et les quais deviennent verglacés ; attention au givrage des superstructures et du gréement.",
        "de": "Besatzungen: Deck, Stege und Kais werden spiegelglatt; achten Sie auf Vereisung von Aufbauten und Takelage.",
        "en": "Crews: decks, pontoons and quays turn to glaze; beware of icing on superstructures and rigging.",
    }),
}  # fmt: skip


def instruction(family: str, level: int, language: str, *, region: str) -> str:
    """The advice for ``family`` at ``level`` that fits the area of ``region``."""
    table = MARINE if marine(region) else LAND
    return table[family][level][language]
