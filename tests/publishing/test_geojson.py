"""``warnings.geojson``: RFC 7946 shape, and flat properties (levels per authority, onset,
expiry, peak, run and source) checked against values worked out by hand."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely

from pipeline.publishing.geojson import warnings_geojson

REGIONS = gpd.GeoDataFrame(
    {
        "name": ["Liège", "Limburg", "Belgische kustwateren / Eaux côtières belges"],
        "country": ["BE", "NL", "BE"],
        "crisis_cells": [("be-gov-liege", "be-nccn"), ("nl-vr-zuid-limburg",), ("be-nccn",)],
    },
    geometry=[
        shapely.box(5.5, 50.2, 6.0, 50.8),
        shapely.MultiPolygon(
            [shapely.box(5.6, 50.8, 6.1, 51.3), shapely.box(5.7, 51.4, 5.9, 51.6)]
        ),
        shapely.box(2.5, 51.1, 3.4, 51.6),
    ],
    index=["BE008", "NL012", "BE801"],
    crs="EPSG:4326",
)  # fmt: skip


def _event(region, country, hazard, onset, expiry, level, peak_time, value, **extra) -> dict:
    return {
        "region": region, "country": country, "hazard": hazard,
        "onset": f"2026-01-15T{onset}:00+00:00", "expiry": f"2026-01-15T{expiry}:00+00:00",
        "peak_level": level, "peak_time": f"2026-01-15T{peak_time}:00+00:00",
        "peak_value": value, **extra,
    }  # fmt: skip


ASSESSMENT = {
    "source": "dwd-icon-d2",
    "run": "2026011500",
    "levels": {
        "wind": {
            "BE008": {"BE": 2, "DE": 3, "NL": 1},
            "NL012": {"BE": 0, "DE": 1, "NL": 0},
            "BE801": {"BE": 0, "DE": 0, "NL": 0},
        },
        "thunderstorm": {"BE008": {"BE": 1, "DE": 1, "NL": 0}},
        "rain_6h": {"NL012": {"BE": 1, "DE": 2, "NL": 2}},
    },
    "events": [
        # two wind events in Liège: yellow in the morning, orange in the afternoon
        _event("BE008", "BE", "wind", "06:00", "09:00", 1, "08:00", 20.0),
        _event("BE008", "BE", "wind", "12:00", "18:00", 2, "15:00", 25.4),
        _event("BE008", "BE", "thunderstorm", "13:00", "15:00", 1, "14:00", 1.0),
        _event("NL012", "NL", "rain_6h", "22:00", "23:00", 2, "23:00", 42.6),
    ],
}


def _features(assessment=ASSESSMENT) -> dict[str, dict]:
    collection = json.loads(warnings_geojson(REGIONS, assessment, "Exercise"))
    return {f["properties"]["region"]: f for f in collection["features"]}


def test_the_collection_is_rfc_7946():
    text = warnings_geojson(REGIONS, ASSESSMENT, "Exercise")
    collection = json.loads(text)
    assert set(collection) == {"type", "features"}  # no "crs": WGS 84 longitude/latitude
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["region"] for f in collection["features"]] == ["BE008", "NL012"]
    for feature in collection["features"]:
        assert set(feature) == {"type", "geometry", "properties"}
        assert feature["type"] == "Feature"
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for rings in polygons:
            for ring in rings:  # a linear ring: four or more positions, closed
                assert len(ring) >= 4 and ring[0] == ring[-1]
                for lon, lat in ring:  # longitude first
                    assert 5.5 <= lon <= 6.1 and 50.2 <= lat <= 51.6
        # flat: every property a GIS column (no nested objects)
        assert not any(isinstance(v, dict) for v in feature["properties"].values())
    limburg = collection["features"][1]["geometry"]
    assert limburg["type"] == "MultiPolygon" and len(limburg["coordinates"]) == 2
    assert warnings_geojson(REGIONS, ASSESSMENT, "Exercise") == text  # identical on rerun


def test_levels_per_authority_are_flat_columns():
    liege = _features()["BE008"]["properties"]
    assert {k: v for k, v in liege.items() if "_level" in k} == {
        "wind_level": "orange",  # Liège's own: KMI-IRM's
        "wind_level_BE": "orange",
        "wind_level_DE": "red",
        "wind_level_NL": "yellow",
        "thunderstorm_level": "yellow",
        "thunderstorm_level_BE": "yellow",
        "thunderstorm_level_DE": "yellow",
        "thunderstorm_level_NL": "none",
    }
    assert liege["region"] == "BE008" and liege["name"] == "Liège" and liege["country"] == "BE"
    assert liege["crisis_cells"] == ["be-gov-liege", "be-nccn"]
    assert (liege["status"], liege["source"], liege["run"]) == (
        "Exercise",
        "dwd-icon-d2",
        "2026011500",
    )


def test_onset_expiry_and_peak_of_each_hazard_warned_in_local_time():
    liege = _features()["BE008"]["properties"]
    # wind: the earliest onset (06 UTC = 07:00 CET), the latest expiry (18 UTC = 19:00 CET), the
    # peak of the orange event: 25.4 m/s = 91.44 km/h, printed 91 km/h, at 15 UTC (16:00 CET)
    assert liege["wind_onset"] == "2026-01-15T07:00:00+01:00"
    assert liege["wind_expiry"] == "2026-01-15T19:00:00+01:00"
    assert liege["wind_peak_time"] == "2026-01-15T16:00:00+01:00"
    assert (liege["wind_peak_value"], liege["wind_peak_unit"]) == (91, "km/h")
    # a thunderstorm is a phenomenon without an amount
    assert (liege["thunderstorm_peak_value"], liege["thunderstorm_peak_unit"]) == (None, None)
    assert liege["thunderstorm_onset"] == "2026-01-15T14:00:00+01:00"
    limburg = _features()["NL012"]["properties"]
    # 42.6 mm printed 43 mm; 23 UTC is midnight CET, the next day
    assert (limburg["rain_6h_peak_value"], limburg["rain_6h_peak_unit"]) == (43, "mm")
    assert limburg["rain_6h_expiry"] == "2026-01-16T00:00:00+01:00"
    # wind was assessed over Limburg but not warned there: its levels, no timing
    assert limburg["wind_level"] == "none" and "wind_onset" not in limburg


def test_of_two_events_at_the_same_level_the_first_gives_the_peak():
    events = [
        _event("BE008", "BE", "wind", "12:00", "14:00", 2, "13:00", 30.0),
        _event("BE008", "BE", "wind", "09:00", "11:00", 2, "10:00", 26.0),  # earlier, lower
    ]
    liege = _features(ASSESSMENT | {"events": events})["BE008"]["properties"]
    assert liege["wind_peak_time"] == "2026-01-15T11:00:00+01:00"
    assert liege["wind_peak_value"] == 94  # 26 m/s = 93.6 km/h


def test_the_consultation_names_its_inputs_and_each_hazards_models():
    events = [
        _event("BE008", "BE", "wind", "12:00", "18:00", 2, "15:00", 25.4,
               models={"KNMI HARMONIE-AROME": 2, "DWD ICON-D2": 1}),
    ]  # fmt: skip
    consultation = ASSESSMENT | {
        "source": "consultation",
        "inputs": {"knmi-harmonie": "2026011500", "dwd-icon-d2": "2026011503"},
        "events": events,
    }
    liege = _features(consultation)["BE008"]["properties"]
    assert liege["source"] == "consultation"
    assert liege["inputs"] == "dwd-icon-d2 2026011503; knmi-harmonie 2026011500"
    assert liege["wind_models"] == "DWD ICON-D2, KNMI HARMONIE-AROME"
    assert "wind_models" not in _features()["BE008"]["properties"]  # a model run's own
