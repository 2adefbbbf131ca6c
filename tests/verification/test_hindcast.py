"""The KNMI daily (etmgeg) reader, observed daily levels computed by hand from the criteria
files' numbers, the hit/miss/false-alarm count, and the hindcast on the real sample."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from pipeline.errors import InvalidDataError
from pipeline.orchestration.config import load_config
from pipeline.settings import Settings
from pipeline.sources.observations.knmi_daily import TRACE_MM, read_knmi_daily
from pipeline.verification.hindcast import (
    OFFICIAL,
    ROW_KEYS,
    SAMPLE,
    hindcast,
    load_official,
    observed_daily,
    run_hindcast,
    score,
)
from pipeline.verification.observed import COLUMNS, authority_ids

HEADER = """\
BRON: KONINKLIJK NEDERLANDS METEOROLOGISCH INSTITUUT (KNMI)
# STN         LON(east)   LAT(north)  ALT(m)      NAME
# 260:         5.180       52.100      1.90        De Bilt
FXX       = Hoogste windstoot (in 0.1 m/s) / Maximum wind gust (in 0.1 m/s)

# STN,YYYYMMDD,  FXX,   TN,   TX,   RH,  RHX
"""


def _etmgeg(tmp_path, rows: list[str], name: str = "etmgeg_260.txt"):
    path = tmp_path / name
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="latin-1")
    return path


def test_reader_converts_units_and_times_by_hand(tmp_path):
    path = _etmgeg(
        tmp_path,
        [
            "  260,20220218,  280,   54,  101,  123,   -1",
            "  260,20220219,     ,  -12,   65,   -1,    0",
            "  348,20220218,  400,   60,  110,    5,    3",
        ],
    )
    obs = read_knmi_daily(path)
    assert tuple(obs.columns) == COLUMNS
    end_18 = pd.Timestamp("2022-02-19 00:00", tz="UTC")  # KNMI's day 18 Feb ends here
    end_19 = pd.Timestamp("2022-02-20 00:00", tz="UTC")
    expected = pd.DataFrame(
        [
            ("260", "De Bilt", 52.1, 5.18, end_18, "air_temperature_max", 10.1),
            ("260", "De Bilt", 52.1, 5.18, end_18, "air_temperature_min", 5.4),
            ("260", "De Bilt", 52.1, 5.18, end_18, "precipitation_1h", TRACE_MM),
            ("260", "De Bilt", 52.1, 5.18, end_18, "precipitation_24h", 12.3),
            ("260", "De Bilt", 52.1, 5.18, end_18, "wind_gust", 28.0),
            # 19 Feb: FXX empty (not measured) gives no row; RH -1 is a trace
            ("260", "De Bilt", 52.1, 5.18, end_19, "air_temperature_max", 6.5),
            ("260", "De Bilt", 52.1, 5.18, end_19, "air_temperature_min", -1.2),
            ("260", "De Bilt", 52.1, 5.18, end_19, "precipitation_1h", 0.0),
            ("260", "De Bilt", 52.1, 5.18, end_19, "precipitation_24h", TRACE_MM),
            # Cabauw's coordinates come from the built-in station list
            ("348", "Cabauw Mast", 51.97, 4.926, end_18, "air_temperature_max", 11.0),
            ("348", "Cabauw Mast", 51.97, 4.926, end_18, "air_temperature_min", 6.0),
            ("348", "Cabauw Mast", 51.97, 4.926, end_18, "precipitation_1h", 0.3),
            ("348", "Cabauw Mast", 51.97, 4.926, end_18, "precipitation_24h", 0.5),
            ("348", "Cabauw Mast", 51.97, 4.926, end_18, "wind_gust", 40.0),
        ],
        columns=["station", "name", "lat", "lon", "time", "variable", "value"],
    )
    expected.insert(0, "source", "knmi-daily")
    pd.testing.assert_frame_equal(obs, expected, check_exact=False, atol=1e-9)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("  260,20220218,  280,   54,  101,  123", "6 fields, the column line has 7"),
        ("  260,20220218,  28a,   54,  101,  123,   -1", "FXX = '28a'"),
        ("  260,2022021x,  280,   54,  101,  123,   -1", "date '2022021x'"),
        ("  999,20220218,  280,   54,  101,  123,   -1", "station 999 has no coordinates"),
    ],
)
def test_reader_refuses_a_malformed_line_naming_file_and_line(tmp_path, line, says):
    path = _etmgeg(tmp_path, ["  260,20220217,  100,   54,  101,  123,   -1", line])
    with pytest.raises(InvalidDataError, match=f"etmgeg_260.txt, line 9: .*{says}"):
        read_knmi_daily(path)


def test_reader_refuses_a_file_without_column_line(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just text\n1,2,3\n")
    with pytest.raises(InvalidDataError, match="no column line"):
        read_knmi_daily(path)


@pytest.fixture(scope="module")
def config():
    settings = Settings()
    return load_config(settings.regions_dir), authority_ids(settings.regions_dir)


def _levels(tmp_path, config, rows: list[str], hazard: str) -> list[str | None]:
    cfg, ids = config
    obs = read_knmi_daily(_etmgeg(tmp_path, rows))
    levels = observed_daily(obs, cfg.regions, cfg.criteria, ids)
    mine = levels[(levels["region"] == "NL015") & (levels["hazard"] == hazard)]
    assert set(mine["authority"]) == {"knmi"}  # only the region's own authority
    return mine.sort_values("date")["observed_level"].tolist()


def test_wind_levels_at_de_bilt_by_hand(tmp_path, config):
    # knmi.yaml wind: yellow >= 75 km/h, orange >= 100 km/h, red (consultation proxy) >= 120.
    # 28.0 m/s = 100.8 km/h; 27.0 m/s = 97.2; 20.9 m/s = 75.24; 20.8 m/s = 74.88;
    # 33.4 m/s = 120.24.
    rows = [
        f"  260,2022021{d},  {fxx},   54,  101,  123,   -1"
        for d, fxx in ((1, 280), (2, 270), (3, 209), (4, 208), (5, 334))
    ]
    assert _levels(tmp_path, config, rows, "wind") == ["orange", "yellow", "yellow", "none", "red"]


def test_heat_persistence_at_de_bilt_by_hand(tmp_path, config):
    # knmi.yaml heat: yellow >= 30 (proxy); orange: 3 days in a row >= 34, 2 >= 36 or 1 >= 38.
    # TX 33.0, 34.0, 34.5, 35.0, 29.9, 37.9, 29.9, 38.0 (0.1 degC below):
    # 33.0 yellow; 34.0..35.0 three days >= 34: orange; 29.9 none; 37.9 alone (no second
    # day >= 36) yellow; 29.9 none; 38.0 orange (one day).
    tx = (330, 340, 345, 350, 299, 379, 299, 380)
    rows = [f"  260,201907{20 + i},   50,  180,  {t},    0,    0" for i, t in enumerate(tx)]
    assert _levels(tmp_path, config, rows, "heat") == [
        "yellow", "orange", "orange", "orange", "none", "yellow", "none", "orange"
    ]  # fmt: skip


def test_a_region_without_station_is_unknown_not_none(tmp_path, config):
    cfg, ids = config
    obs = read_knmi_daily(_etmgeg(tmp_path, ["  260,20220218,  280,   54,  101,  123,   -1"]))
    levels = observed_daily(obs, cfg.regions, cfg.criteria, ids)
    limburg = levels[(levels["region"] == "NL012") & (levels["hazard"] == "wind")]
    assert limburg["observed_level"].tolist() == [None]


def test_hits_misses_false_alarms_on_a_hand_made_table():
    table = pd.DataFrame(
        [
            ("knmi", "NL015", "2022-02-18", "wind", "red", "orange"),  # FA red; hit y, o
            ("knmi", "NL011", "2022-02-18", "wind", "orange", "red"),  # miss red; hit y, o
            ("knmi", "NL014", "2022-02-18", "wind", "yellow", "yellow"),  # hit y; CN o, r
            ("knmi", "NL016", "2022-02-21", "wind", "none", "yellow"),  # miss y; CN o, r
            ("knmi", "NL012", "2022-02-18", "wind", None, "yellow"),  # unknown: no station
            ("knmi", "NL007", "2022-02-17", "wind", "yellow", None),  # unknown: no official
            ("knmi", "NL015", "2019-07-23", "heat", "yellow", "orange"),  # hit y, miss o
        ],
        columns=["authority", "region", "date", "hazard", "observed_level", "official_level"],
    )
    scores = score(table)
    wind = scores["knmi"]["wind"]
    assert (wind["compared"], wind["unknown"], wind["exact"]) == (4, 2, 1)
    assert (wind["unknown_official"], wind["unknown_observed"]) == (1, 1)
    assert wind["yellow"] == {"hits": 3, "misses": 1, "false_alarms": 0, "correct_negatives": 0}
    assert wind["orange"] == {"hits": 2, "misses": 0, "false_alarms": 0, "correct_negatives": 2}
    assert wind["red"] == {"hits": 0, "misses": 1, "false_alarms": 1, "correct_negatives": 2}
    heat = scores["knmi"]["heat"]
    assert heat["yellow"]["hits"] == 1 and heat["orange"]["misses"] == 1


def test_official_table_is_cited_and_valid(config):
    cfg, ids = config
    table = load_official(
        Settings().regions_dir / OFFICIAL,
        authorities=set(ids.values()),
        regions=set(map(str, cfg.regions.index)),
    )
    assert len(table) > 50
    assert table["source_url"].str.startswith("https://").all()
    assert (table["source_title"].str.len() > 10).all()


def test_hindcast_on_the_real_sample(shared_data):
    settings = Settings()
    assert (shared_data / SAMPLE).is_file()
    out = io.StringIO()
    assert run_hindcast(settings, json_lines=True, out=out, shared_data=shared_data) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    rows, summary = lines[:-1], lines[-1]
    assert rows and all(tuple(r) == ROW_KEYS for r in rows)
    levels = {None, "none", "yellow", "orange", "red"}
    assert all(r["observed_level"] in levels and r["official_level"] in levels for r in rows)
    keys = [(r["authority"], r["region"], r["date"], r["hazard"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert set(summary["days"]) == {r["date"] for r in rows}
    assert len(summary["days"]) == 19  # 7 heat days, 6 rain days, 6 storm days

    # Official levels come from the table, with their citation.
    official = pd.read_csv(settings.regions_dir / OFFICIAL, dtype=str)
    cited = {
        (o.authority, o.region, o.date, o.hazard): (o.official_level, o.source_url)
        for o in official.itertuples()
    }
    by_key = dict(zip(keys, rows, strict=True))
    for key, (level, url) in cited.items():
        assert (by_key[key]["official_level"], by_key[key]["official_source_url"]) == (level, url)
    assert all(r["official_source_url"] is None for k, r in by_key.items() if k not in cited)

    # By hand from the raw file: Cabauw (348) is the only station in Utrecht (NL015).
    # TX 22..27 July 2019: 26.1, 31.4, 36.9, 36.9, 36.9, 26.3 -> none, yellow (>= 30),
    # orange x3 (three days >= 34, and two >= 36), none.
    heat = [
        by_key[("knmi", "NL015", f"2019-07-{d}", "heat")]["observed_level"] for d in range(22, 28)
    ]
    assert heat == ["none", "yellow", "orange", "orange", "orange", "none"]
    # FXX on 18 Feb 2022: 400 (40.0 m/s = 144 km/h >= 120: the code rood proxy); KNMI
    # issued code oranje for Utrecht.
    eunice = by_key[("knmi", "NL015", "2022-02-18", "wind")]
    assert (eunice["observed_level"], eunice["official_level"]) == ("red", "orange")
    # Limburg has no station in the sample: its official rows are unknown, never "none".
    assert by_key[("knmi", "NL012", "2021-07-14", "rain_24h")]["observed_level"] is None

    wind = summary["scores"]["knmi"]["wind"]
    assert wind["compared"] + wind["unknown"] == sum(1 for k in keys if k[3] == "wind")


def test_readable_output_ends_with_the_summary(shared_data):
    out = io.StringIO()
    assert run_hindcast(Settings(), json_lines=False, out=out, shared_data=shared_data) == 0
    text = out.getvalue().splitlines()
    assert text[1].split()[:3] == ["authority", "hazard", "level"]
    summary = json.loads(text[-1])
    _, again = hindcast(shared_data, Settings().regions_dir)
    assert summary == again
