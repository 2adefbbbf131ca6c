"""Station observations of the demo storm, so that ``make demo`` ends with a verification.

The "truth" is the scenario's own noise-free storm (:mod:`pipeline.tools.scenario`) at the
positions of real synoptic stations of the five countries, observed with a deterministic
forecast error: the storm arrives :data:`DELAY_H` hours later and its gusts are
:data:`GUST_FACTOR` as strong as forecast, the rain :data:`RAIN_FACTOR`. So the report has hits,
some misses and false alarms at the margins, never a perfect score by construction. The table
is crosswarn's observation table (``pipeline.verification.observed.COLUMNS``), written as CSV;
the station names and positions are real, the values are scenario values, never an
observation of any service.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.files import write_bytes_atomic
from pipeline.tools.scenario import RUN, hourly_max_gust, hourly_rain, temperature_k

DELAY_H = 1
GUST_FACTOR = 0.92
RAIN_FACTOR = 0.85
STEPS = range(1, 49)

#: (id, name, lat, lon): synoptic stations of KNMI, KMI-IRM, MeteoLux, DWD and Météo-France.
STATIONS = (
    ("06260", "De Bilt", 52.100, 5.180), ("06240", "Schiphol", 52.318, 4.790),
    ("06344", "Rotterdam", 51.962, 4.447), ("06310", "Vlissingen", 51.442, 3.596),
    ("06370", "Eindhoven", 51.451, 5.377), ("06380", "Maastricht", 50.906, 5.762),
    ("06290", "Twenthe", 52.274, 6.891), ("06280", "Eelde", 53.125, 6.585),
    ("06270", "Leeuwarden", 53.224, 5.752), ("06235", "De Kooy", 52.928, 4.781),
    ("06275", "Deelen", 52.056, 5.873), ("06269", "Lelystad", 52.458, 5.520),
    ("06447", "Uccle", 50.797, 4.358), ("06407", "Middelkerke", 51.198, 2.869),
    ("06450", "Deurne", 51.189, 4.460), ("06478", "Bierset", 50.644, 5.451),
    ("06496", "Elsenborn", 50.465, 6.181), ("06476", "Saint-Hubert", 50.035, 5.404),
    ("06477", "Diepenbeek", 50.916, 5.451), ("06431", "Melle", 50.976, 3.825),
    ("06456", "Florennes", 50.243, 4.646), ("06590", "Luxembourg-Findel", 49.627, 6.204),
    ("10501", "Aachen-Orsbach", 50.798, 6.025), ("10400", "Duesseldorf", 51.296, 6.769),
    ("10410", "Essen-Bredeney", 51.404, 6.968), ("10315", "Muenster-Osnabrueck", 52.134, 7.700),
    ("10200", "Emden", 53.388, 7.229), ("10224", "Bremen", 53.045, 8.798),
    ("10513", "Koeln-Bonn", 50.864, 7.158), ("10506", "Nuerburg-Barweiler", 50.360, 6.870),
    ("10609", "Trier-Petrisberg", 49.748, 6.659), ("10708", "Saarbruecken-Ensheim", 49.213, 7.110),
    ("07190", "Strasbourg-Entzheim", 48.549, 7.640), ("07090", "Metz-Frescaty", 49.072, 6.131),
    ("07015", "Lille-Lesquin", 50.570, 3.098), ("07072", "Reims-Prunay", 49.209, 4.156),
)  # fmt: skip


def scenario_observations() -> pd.DataFrame:
    """Hourly gust, rain and temperature at every station for the scenario's 48 hours."""
    ids, names, lat, lon = (np.array(c) for c in zip(*STATIONS, strict=True))
    lat, lon = lat.astype(float), lon.astype(float)
    start = pd.Timestamp(f"{RUN[:4]}-{RUN[4:6]}-{RUN[6:8]}T{RUN[8:]}:00", tz="UTC")
    frames = []
    for step in STEPS:
        truth = max(step - DELAY_H, 0)
        values = {
            "wind_gust": GUST_FACTOR * hourly_max_gust(lat, lon, truth),
            "precipitation_1h": RAIN_FACTOR * hourly_rain(lat, lon, truth),
            "air_temperature": temperature_k(lat, lon, float(truth)) - 273.15,
        }
        for variable, value in values.items():
            frames.append(
                pd.DataFrame(
                    {
                        "source": "scenario", "station": ids, "name": names, "lat": lat,
                        "lon": lon, "time": start + pd.Timedelta(hours=step),
                        "variable": variable, "value": np.round(value, 2),
                    }
                )
            )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def write_observations(target: Path) -> Path:
    """Write the scenario's station observations as CSV (atomically); return the path."""
    table = scenario_observations()
    table["time"] = table["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    write_bytes_atomic(target, table.to_csv(index=False).encode())
    return target
