"""ECMWF open-data trees (directory layout, GRIB2 files and their ``.index``) built for tests.

Fields are constant over the globe (they pack to a few bytes), with values that identify them:

- ``10fg`` of member m at step s: 15 + s / 3 + m / 10 m/s, a maximum over the preceding 3 h;
- ``tp`` since the run start: 1 mm per hour, written in metres (0.001 m/h), as ECMWF does;
- ``2t``: 283.15 K + m / 10 (10 °C for the control);
- ``ptype``: 3 (freezing rain) at steps that are multiples of 6, else 1 (rain);
- ``sf`` since the run start: 0.5 mm of water equivalent per hour, in metres.

Each step's file also holds ``msl`` and the real IFS ``tprate`` message from ../shared/data (when
given), so that the byte ranges we ask for must skip other messages, of real size.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import eccodes

from pipeline.geo.grids import RegularGrid
from pipeline.sources.ecmwf import GLOBAL_0P25, EcmwfEns, EcmwfIfs

PARAM_IDS = {
    "10fg": 49, "tp": 228, "2t": 167, "msl": 151, "10u": 165, "10v": 166, "ptype": 260015,
    "sf": 144,
}  # fmt: skip


class SmallIfs(EcmwfIfs):
    """HRES to +12 h only, to keep test trees small (the product runs to +240 h)."""

    max_lead_hours = 12


class SmallEns(EcmwfEns):
    """ENS to +6 h only (51 members)."""

    max_lead_hours = 6


def value(param: str, step: int, member: int) -> float:
    return {
        "10fg": 15.0 + step / 3 + member / 10,
        "tp": 0.001 * step,
        "2t": 283.15 + member / 10,
        "msl": 101300.0,
        "10u": 3.0,
        "10v": -4.0,
        "ptype": 3.0 if step % 6 == 0 else 1.0,
        "sf": 0.0005 * step,
    }[param]


def message(
    param: str,
    *,
    run: str,
    step: int,
    member: int | None = None,
    grid: RegularGrid = GLOBAL_0P25,
) -> bytes:
    """One ECMWF GRIB2 message (``member`` None: HRES, 0: control, > 0: perturbed)."""
    reference = datetime.strptime(run, "%Y%m%d%H").replace(tzinfo=UTC)
    handle = eccodes.codes_grib_new_from_samples("GRIB2")
    try:
        settings = [
            ("centre", "ecmf"),
            ("dataDate", int(f"{reference:%Y%m%d}")),
            ("dataTime", int(f"{reference:%H%M}")),
            ("Ni", grid.nlon),
            ("Nj", grid.nlat),
            ("latitudeOfFirstGridPointInDegrees", grid.lat0 + grid.dlat * (grid.nlat - 1)),
            ("longitudeOfFirstGridPointInDegrees", grid.lon0 % 360),
            ("latitudeOfLastGridPointInDegrees", grid.lat0),
            ("longitudeOfLastGridPointInDegrees", (grid.lon0 + grid.dlon * (grid.nlon - 1)) % 360),
            ("iDirectionIncrementInDegrees", grid.dlon),
            ("jDirectionIncrementInDegrees", grid.dlat),
            ("jScansPositively", 0),
        ]
        if member is not None:
            settings += [
                ("productDefinitionTemplateNumber", 1),
                ("typeOfProcessedData", 3 if member == 0 else 4),
                ("perturbationNumber", member),
                ("numberOfForecastsInEnsemble", 51),
            ]
        settings.append(("paramId", PARAM_IDS[param]))
        if param in ("10fg", "tp", "sf"):
            first = max(step - 3, 0) if param == "10fg" else 0
            settings += [("stepUnits", 1), ("startStep", first), ("endStep", step)]
        else:
            settings += [("stepUnits", 1), ("step", step)]
        for key, setting in settings:
            eccodes.codes_set(handle, key, setting)
        eccodes.codes_set(handle, "bitsPerValue", 16)
        eccodes.codes_set_values(handle, [value(param, step, member or 0)] * grid.nlat * grid.nlon)
        return eccodes.codes_get_message(handle)
    finally:
        eccodes.codes_release(handle)


def write_step(
    root: Path,
    source: EcmwfIfs | EcmwfEns,
    run: str,
    step: int,
    *,
    params=("msl", "10fg", "tp", "2t", "ptype", "sf"),
    members: list[int] | None = None,
    real: bytes | None = None,
    grid: RegularGrid = GLOBAL_0P25,
) -> Path:
    """Write one step's GRIB2 file and its index at its URL path under ``root``."""
    if members is None:
        members = list(range(51)) if source.members > 1 else [None]
    path = root / source.locate(run, step).removeprefix(source.base_url + "/")
    path.parent.mkdir(parents=True, exist_ok=True)
    data, lines = b"", []
    for param in params:
        if param == "10fg" and step == 0:
            continue  # no gust maximum at +0 h
        for member in members:
            if real is not None and param == "tp" and member in (None, 0):
                lines.append({"param": "tprate", "_offset": len(data), "_length": len(real)})
                lines[-1] |= {"type": "fc", "levtype": "sfc", "step": str(step)}
                data += real
            msg = message(param, run=run, step=step, member=member, grid=grid)
            entry = {
                "domain": "g",
                "date": run[:8],
                "time": f"{run[8:]}00",
                "expver": "0001",
                "class": "od",
                "type": "fc" if member is None else ("cf" if member == 0 else "pf"),
                "stream": source.stream(run),
                "step": str(step) if param not in ("10fg",) else f"{max(step - 3, 0)}-{step}",
                "levtype": "sfc",
                "param": param,
                "_offset": len(data),
                "_length": len(msg),
            }
            if member:
                entry["number"] = str(member)
            lines.append(entry)
            data += msg
    path.write_bytes(data)
    path.with_suffix(".index").write_text("".join(json.dumps(e) + "\n" for e in lines))
    return path


def write_run(root: Path, source, run: str, steps=None, **kwargs) -> list[Path]:
    return [write_step(root, source, run, s, **kwargs) for s in steps or source.steps(run)]
