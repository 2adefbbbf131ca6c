"""Fast GRIB decoding with eccodes directly.

cfgrib opens one file in ~1 s; eccodes decodes an ICON-D2 field in ~7 ms, so the hot path reads
messages with eccodes and builds xarray objects itself. Files may be bz2-compressed (as DWD serves
them); every failure names the file and says what to do.

eccodes is imported by the functions that decode, not with the module: a download only
decompresses and checks the framing, and ``crosswarn run`` starts fetching while eccodes loads
(0.18 s).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import cramjam
import numpy as np

from pipeline.errors import InvalidDataError, InvalidGridError
from pipeline.geo.grids import RegularGrid, UnstructuredRef


@dataclass(frozen=True)
class GribField:
    """One decoded GRIB message: values on a regular grid (latitude ascending) and its metadata."""

    values: np.ndarray  # float32 (nlat, nlon) or (ncells,), NaN where the bitmap marks missing
    grid: RegularGrid | UnstructuredRef
    discipline: int
    category: int
    number: int
    statistical_process: int | None  # GRIB2 code table 4.10 (1 accumulation, 2 maximum, ...)
    reference_time: datetime
    step_start: int  # hours after reference time
    step_end: int
    level: float
    level_type: str
    member: int  # 0 for deterministic runs
    centre: str
    production_status: int  # GRIB2 code table 1.3: 0 operational, 1 test, 2 research ...
    short_name: str = ""  # eccodes' shortName, e.g. "10u", "max_i10fg"
    #: Further eccodes keys asked for by the caller (GRIB1 table entries, units, ...).
    keys: dict = field(default_factory=dict)

    @property
    def edition(self) -> int:
        return 2 if self.discipline >= 0 else 1


def decompressed_path(path: Path) -> Path:
    """Where the download keeps the decompressed GRIB of an archived ``.bz2`` file, so that each
    file is decompressed once per run (while it is verified), not again for the statistics."""
    return path.parent / DECOMPRESSED / path.name.removesuffix(".bz2")


#: The folder beside archived ``.bz2`` files holding their decompressed GRIB.
DECOMPRESSED = "decompressed"


def read_bytes(path: Path) -> bytes:
    """Read a GRIB file, transparently decompressing ``.bz2``; corrupt data names the file.

    A ``.bz2`` file's decompressed copy (:func:`decompressed_path`) is read instead when it was
    written after the file (the download writes it first, then renames the file into place; a
    file replaced later is newer than its copy, and is decompressed again).
    """
    try:
        if path.suffix != ".bz2":
            return path.read_bytes()
        copy = _decompressed_copy(path)
        if copy is not None:
            return copy
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidDataError(f"{path}: file not found") from None
    return decompress(raw, origin=str(path))


def decompress(raw: bytes, *, origin: str) -> bytes:
    """bz2-decompress ``raw``; corrupt or truncated data names ``origin``.

    cramjam decompresses a whole file with the GIL released once. The standard library's ``bz2``
    takes the GIL back each time its output buffer grows (six times for an ICON-D2 file), each
    time waiting for a thread running Python (up to the 5 ms switch interval): beside such a
    thread, 60 ICON-D2 files took 3.3 s with it and 1.6 s with cramjam. Unlike the standard
    library, bytes after the last stream and empty input are refused.
    """
    try:
        return _inflate(raw)
    except cramjam.DecompressionError as exc:
        raise InvalidDataError(
            f"{origin}: corrupt or truncated bz2 data ({exc}); delete it and download it again"
        ) from exc


def _inflate(raw: bytes) -> bytes:
    return bytes(cramjam.bzip2.decompress(raw))


def _decompressed_copy(path: Path) -> bytes | None:
    copy = decompressed_path(path)
    try:
        if copy.stat().st_mtime_ns < path.stat().st_mtime_ns:
            return None
        return copy.read_bytes()
    except FileNotFoundError:
        if not path.exists():
            raise
        return None


def iter_messages(data: bytes, *, origin: str) -> Iterator[int]:
    """Yield eccodes handles for each GRIB message in ``data``; the caller releases them."""
    import eccodes

    offset = data.find(b"GRIB")
    if offset < 0:
        raise InvalidDataError(f"{origin}: no GRIB message found (not a GRIB file?)")
    view = memoryview(data)  # messages handed to eccodes without a copy of their own
    while offset >= 0:
        end = _message_end(data, offset, origin)
        try:
            handle = eccodes.codes_new_from_message(view[offset:end])
        except eccodes.CodesInternalError as exc:
            raise InvalidDataError(
                f"{origin}: cannot decode GRIB message at byte {offset}: {exc}"
            ) from exc
        yield handle
        offset = data.find(b"GRIB", end)


def check_framing(data: bytes, *, origin: str) -> int:
    """Check that ``data`` is whole GRIB messages (each "GRIB" ... "7777" of its stated length)
    without decoding them; return how many. What the download checks: decoding, with every
    key checked against the run, is the statistics' work."""
    offset, count = data.find(b"GRIB"), 0
    if offset < 0:
        raise InvalidDataError(f"{origin}: no GRIB message found (not a GRIB file?)")
    while offset >= 0:
        end = _message_end(data, offset, origin)
        count += 1
        offset = data.find(b"GRIB", end)
    return count


def _message_end(data: bytes, offset: int, origin: str) -> int:
    edition = data[offset + 7] if len(data) > offset + 7 else None
    if edition == 2:
        length = int.from_bytes(data[offset + 8 : offset + 16], "big")
    elif edition == 1:
        length = int.from_bytes(data[offset + 4 : offset + 7], "big")
    else:
        raise InvalidDataError(f"{origin}: unsupported GRIB edition {edition!r} at byte {offset}")
    end = offset + length
    if end > len(data) or data[end - 4 : end] != b"7777":
        raise InvalidDataError(
            f"{origin}: GRIB message at byte {offset} is truncated (expected {length} bytes); "
            "the file is incomplete: delete it and download it again"
        )
    return end


def decode_fields(
    path: Path, *, keys: Mapping[str, type] | tuple = (), names: bool = True, dtype=np.float32
) -> list[GribField]:
    """Decode every message of a (possibly bz2-compressed) GRIB file.

    Regular lat-lon grids come back with latitude ascending; unstructured grids as 1-D cells.
    ``keys`` are further eccodes keys to keep in :attr:`GribField.keys` (None when absent).
    """
    return decode_bytes(read_bytes(path), origin=str(path), keys=keys, names=names, dtype=dtype)


def decode_bytes(
    data: bytes,
    *,
    origin: str,
    keys: Mapping[str, type] | tuple = (),
    names: bool = True,
    dtype=np.float32,
    cut: tuple | None = None,
) -> list[GribField]:
    """Decode every GRIB message in ``data``; errors name ``origin``.

    ``names=False`` skips the descriptive keys (short name, centre, level type: eccodes looks
    them up in its tables, a third of a millisecond each) for callers that check the parameter
    by its numbers; ``dtype`` is the values' type. ``cut`` (an index into a message's values)
    keeps only that part of each field, taken as each message is decoded: a file of twenty
    members never holds them all whole.
    """
    import eccodes

    fields = []
    for handle in iter_messages(data, origin=origin):
        try:
            fields.append(_to_field(handle, origin, keys, names=names, dtype=dtype, cut=cut))
        finally:
            eccodes.codes_release(handle)
    return fields


def message_keys(handle: int, keys: Iterable[str] | Mapping[str, type]) -> dict:
    """The values of ``keys`` in one message (None for a key the message does not have).
    A mapping gives the type wanted per key: ``int`` reads code-table keys (level types, say)
    as numbers, where eccodes would give their names."""
    import eccodes

    types = keys if isinstance(keys, Mapping) else dict.fromkeys(keys, None)
    values = {}
    for key, kind in types.items():
        try:
            values[key] = (
                eccodes.codes_get_long(handle, key)
                if kind is int
                else eccodes.codes_get(handle, key)
            )
        except eccodes.KeyValueNotFoundError:
            values[key] = None
    return values


def _get(handle: int, key: str, default=None):
    import eccodes

    try:
        return eccodes.codes_get(handle, key)
    except eccodes.KeyValueNotFoundError:
        return default


def _to_field(
    handle: int,
    origin: str,
    keys: Mapping[str, type] | tuple = (),
    *,
    names: bool = True,
    dtype=np.float32,
    cut: tuple | None = None,
) -> GribField:
    import eccodes

    grid_type = eccodes.codes_get(handle, "gridType")
    eccodes.codes_set(handle, "missingValue", 1.0e20)
    if grid_type == "regular_ll":
        grid, values = _regular(handle, origin)
    elif grid_type == "unstructured_grid":
        grid = UnstructuredRef(
            npoints=eccodes.codes_get(handle, "numberOfDataPoints"),
            number=int(_get(handle, "numberOfGridUsed", 0) or 0),
            uuid=str(_get(handle, "uuidOfHGrid", "0" * 32)),
        )
        values = eccodes.codes_get_values(handle)
    else:
        raise InvalidGridError(
            f"{origin}: gridType {grid_type!r}; expected 'regular_ll' or 'unstructured_grid'"
        )
    if eccodes.codes_get(handle, "bitmapPresent"):
        values[values == 1.0e20] = np.nan  # float64 as decoded, so compared exactly
    date, time = _get(handle, "dataDate"), _get(handle, "dataTime")
    reference = datetime.strptime(f"{date:08d}{time:04d}", "%Y%m%d%H%M").replace(tzinfo=UTC)
    edition = eccodes.codes_get(handle, "edition")
    start, end = _step_range(handle)
    return GribField(
        values=np.ascontiguousarray(values if cut is None else values[cut], dtype=dtype),
        grid=grid,
        discipline=_get(handle, "discipline", -1) if edition == 2 else -1,
        category=_get(handle, "parameterCategory", -1) if edition == 2 else -1,
        number=_get(handle, "parameterNumber", -1) if edition == 2 else _get(handle, "paramId"),
        statistical_process=_get(handle, "typeOfStatisticalProcessing"),
        reference_time=reference,
        step_start=start,
        step_end=end,
        level=float(_get(handle, "level", 0)),
        level_type=str(_get(handle, "typeOfLevel", "")) if names else "",
        member=int(_get(handle, "perturbationNumber", 0) or 0),
        centre=str(_get(handle, "centre", "")) if names else "",
        production_status=int(_get(handle, "productionStatusOfProcessedData", 0) or 0),
        short_name=str(_get(handle, "shortName", "")) if names else "",
        keys=message_keys(handle, keys),
    )


def _regular(handle: int, origin: str) -> tuple[RegularGrid, np.ndarray]:
    import eccodes

    nlon, nlat = eccodes.codes_get(handle, "Ni"), eccodes.codes_get(handle, "Nj")
    lat_first = eccodes.codes_get(handle, "latitudeOfFirstGridPointInDegrees")
    lat_last = eccodes.codes_get(handle, "latitudeOfLastGridPointInDegrees")
    lon_first = eccodes.codes_get(handle, "longitudeOfFirstGridPointInDegrees")
    if eccodes.codes_get(handle, "iScansNegatively"):
        raise InvalidGridError(f"{origin}: iScansNegatively=1 is not supported")
    lon0 = ((lon_first + 180.0) % 360.0) - 180.0
    grid = RegularGrid(
        lat0=round(min(lat_first, lat_last), 6),
        lon0=round(lon0, 6),
        dlat=eccodes.codes_get(handle, "jDirectionIncrementInDegrees"),
        dlon=eccodes.codes_get(handle, "iDirectionIncrementInDegrees"),
        nlat=nlat,
        nlon=nlon,
    )
    if _get(handle, "jPointsAreConsecutive", 0):
        raise InvalidGridError(f"{origin}: jPointsAreConsecutive=1 (column order) is not supported")
    values = eccodes.codes_get_values(handle).reshape(nlat, nlon)
    if _get(handle, "alternativeRowScanning", 0):  # every second row runs the other way
        values[1::2] = values[1::2, ::-1].copy()
    if not eccodes.codes_get(handle, "jScansPositively"):
        values = values[::-1]
    return grid, values


def _step_range(handle: int) -> tuple[int, int]:
    import eccodes

    eccodes.codes_set(handle, "stepUnits", "h")
    start, end = eccodes.codes_get(handle, "startStep"), eccodes.codes_get(handle, "endStep")
    return int(start), int(end)
