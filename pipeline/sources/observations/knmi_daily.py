"""KNMI daily station data ("daggegevens", the ``etmgeg`` files) as crosswarn observations.

Upstream format (KNMI's ``etmgeg_{STN}.txt`` and the daggegevens download script):

- A free-text header (source, inhomogeneity warning, a legend ``NAME = meaning (unit)``), then
  the column line ``# STN,YYYYMMDD,DDVEC,...`` and comma-separated rows padded with spaces.
  An empty field is a value not measured. The download script's header also lists the
  stations (``# STN  LON(east)  LAT(north)  ALT(m)  NAME``, then ``# 260:  5.180  52.100 ...``);
  the per-station ``etmgeg`` files do not, so :data:`STATIONS` supplies the coordinates.
- Units are tenths: wind 0.1 m/s, temperature 0.1 °C, precipitation 0.1 mm; ``-1`` in RH and
  RHX means less than 0.05 mm (read as :data:`TRACE_MM`).
- KNMI's day is 00-24 UT; every value is a statistic of that day, so its ``time`` here is the
  interval's end, the next day 00:00 UTC (:data:`pipeline.verification.observed.COLUMNS`).

What daily data cannot judge: persistence within a day (hours above a threshold, a gust
sustained or repeated), any window other than the calendar UT day -- RH is the 00-24 UT sum,
not the wettest 24 h, and RHX the wettest clock hour, not the wettest 60 minutes, so both are
lower bounds of a warning's running-window amount -- nor when in the day an extreme happened:
an authority's local day (CET/CEST) is shifted by one or two hours from the UT day, so a
maximum near midnight may belong to the neighbouring local day.

Licence: KNMI open data, CC BY 4.0, "Bron/Source: KNMI" (the file header says so too).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import ClassVar

import pandas as pd

from pipeline.errors import InvalidDataError
from pipeline.verification.observed import COLUMNS

#: Read for ``-1`` ("< 0.05 mm") in RH and RHX: the middle of the interval, in mm.
TRACE_MM = 0.025

#: KNMI's automatic stations (STN: name, latitude N, longitude E), as the daggegevens header
#: lists them; used when a file's header has no station list.
STATIONS: dict[int, tuple[str, float, float]] = {
    235: ("De Kooy", 52.928, 4.781),
    240: ("Schiphol", 52.318, 4.790),
    249: ("Berkhout", 52.644, 4.979),
    251: ("Hoorn Terschelling", 53.392, 5.346),
    257: ("Wijk aan Zee", 52.506, 4.603),
    260: ("De Bilt", 52.100, 5.180),
    269: ("Lelystad", 52.458, 5.520),
    270: ("Leeuwarden", 53.224, 5.752),
    273: ("Marknesse", 52.703, 5.888),
    275: ("Deelen", 52.056, 5.873),
    277: ("Lauwersoog", 53.413, 6.200),
    278: ("Heino", 52.435, 6.259),
    279: ("Hoogeveen", 52.750, 6.574),
    280: ("Eelde", 53.125, 6.585),
    283: ("Hupsel", 52.069, 6.657),
    286: ("Nieuw Beerta", 53.196, 7.150),
    290: ("Twenthe", 52.274, 6.891),
    310: ("Vlissingen", 51.442, 3.596),
    330: ("Hoek van Holland", 51.992, 4.122),
    340: ("Woensdrecht", 51.449, 4.342),
    344: ("Rotterdam", 51.962, 4.447),
    348: ("Cabauw Mast", 51.970, 4.926),
    350: ("Gilze-Rijen", 51.566, 4.936),
    356: ("Herwijnen", 51.859, 5.146),
    370: ("Eindhoven", 51.451, 5.377),
    375: ("Volkel", 51.659, 5.707),
    377: ("Ell", 51.198, 5.763),
    380: ("Maastricht", 50.906, 5.762),
    391: ("Arcen", 51.498, 6.197),
}

_STATION_LINE = re.compile(
    r"^#\s*(\d+):?\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(\S.*?)\s*$"
)


class KnmiDaily:
    """KNMI daily station values (etmgeg) read into the observation table."""

    id: ClassVar[str] = "knmi-daily"
    description: ClassVar[str] = "KNMI daily station data (daggegevens, etmgeg)"
    attribution: ClassVar[str] = "Source: KNMI (CC BY 4.0)"
    #: etmgeg column -> (canonical variable, factor to its canonical unit).
    variables: ClassVar[dict[str, tuple[str, float]]] = {
        "FXX": ("wind_gust", 0.1),  # highest gust of the day, 0.1 m/s
        "RH": ("precipitation_24h", 0.1),  # 00-24 UT sum, 0.1 mm
        "RHX": ("precipitation_1h", 0.1),  # wettest clock hour, 0.1 mm
        "TX": ("air_temperature_max", 0.1),  # 0.1 degC
        "TN": ("air_temperature_min", 0.1),  # 0.1 degC
    }
    #: Columns where -1 means "less than 0.05".
    trace_columns: ClassVar[frozenset[str]] = frozenset({"RH", "RHX"})

    def open(
        self, path: Path, *, stations: dict[int, tuple[str, float, float]] | None = None
    ) -> pd.DataFrame:
        """The observations in the etmgeg file ``path`` (columns of
        :data:`~pipeline.verification.observed.COLUMNS`, values in canonical units, ``time``
        the UTC end of KNMI's day). ``stations`` (STN: name, lat, lon) adds to the header's
        station list and :data:`STATIONS`. A malformed line raises
        :class:`~pipeline.errors.InvalidDataError` naming the file and line."""
        path = Path(path)
        try:
            lines = path.read_text(encoding="latin-1").splitlines()
        except FileNotFoundError:
            raise InvalidDataError(f"{path}: no such file") from None
        known = {**STATIONS, **_header_stations(lines), **(stations or {})}
        start = next((i for i, line in enumerate(lines) if _is_column_line(line)), None)
        if start is None:
            raise InvalidDataError(
                f"{path}: no column line '# STN,YYYYMMDD,...': not a KNMI etmgeg file"
            )
        names = [n.strip() for n in lines[start].lstrip("#").split(",")]
        wanted = [c for c in self.variables if c in names]
        if not wanted:
            raise InvalidDataError(f"{path}: none of the columns {list(self.variables)}")
        rows = []
        for number, line in enumerate(lines[start + 1 :], start=start + 2):
            if not line.strip():
                continue
            rows.extend(self._parse(line, names, wanted, known, f"{path}, line {number}"))
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["time"] = pd.to_datetime(frame["time"], utc=True)
        return frame.sort_values(["station", "time", "variable"], ignore_index=True)

    def _parse(self, line, names, wanted, known, where) -> list[dict]:
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != len(names):
            raise InvalidDataError(
                f"{where}: {len(fields)} fields, the column line has {len(names)}"
            )
        record = dict(zip(names, fields, strict=True))
        try:
            station = int(record["STN"])
            day = pd.Timestamp(pd.to_datetime(record["YYYYMMDD"], format="%Y%m%d"), tz="UTC")
        except (ValueError, KeyError):
            raise InvalidDataError(
                f"{where}: station {record.get('STN')!r} or date {record.get('YYYYMMDD')!r} "
                "is not a number / YYYYMMDD"
            ) from None
        if station not in known:
            raise InvalidDataError(
                f"{where}: station {station} has no coordinates: pass it in stations=..."
            )
        name, lat, lon = known[station]
        out = []
        for column in wanted:
            text = record[column]
            if not text:
                continue  # not measured: the station does not report this variable that day
            try:
                raw = int(text)
            except ValueError:
                raise InvalidDataError(f"{where}: {column} = {text!r} is not an integer") from None
            variable, factor = self.variables[column]
            value = TRACE_MM if raw == -1 and column in self.trace_columns else raw * factor
            if not math.isfinite(value):
                continue
            out.append(
                {
                    "source": self.id, "station": str(station), "name": name, "lat": lat,
                    "lon": lon, "time": day + pd.Timedelta(days=1), "variable": variable,
                    "value": round(value, 6),
                }
            )  # fmt: skip
        return out


def _is_column_line(line: str) -> bool:
    return line.lstrip("#").strip().replace(" ", "").startswith("STN,YYYYMMDD")


def _header_stations(lines: list[str]) -> dict[int, tuple[str, float, float]]:
    """The station list of a daggegevens header (STN, LON(east), LAT(north), ALT, NAME)."""
    found = {}
    for line in lines:
        if _is_column_line(line):
            break
        match = _STATION_LINE.match(line)
        if match:
            stn, lon, lat, _alt, name = match.groups()
            found[int(stn)] = (name, float(lat), float(lon))
    return found


def read_knmi_daily(
    path: Path, *, stations: dict[int, tuple[str, float, float]] | None = None
) -> pd.DataFrame:
    """:meth:`KnmiDaily.open`: the observations of one KNMI etmgeg file."""
    return KnmiDaily().open(path, stations=stations)
