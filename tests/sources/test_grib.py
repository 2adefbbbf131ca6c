"""GRIB decoding with eccodes: messages built here from eccodes' own samples, then decoded."""

from __future__ import annotations

import bz2
from datetime import UTC, datetime

import eccodes
import numpy as np
import pytest

from pipeline.errors import InvalidDataError, InvalidGridError
from pipeline.geo.grids import RegularGrid
from pipeline.sources.grib import decode_bytes, decode_fields, decompress, read_bytes

#: North-to-south rows (GRIB's usual scanning), 3 rows x 4 columns, 0.5° apart.
NORTH_TO_SOUTH = np.array(
    [
        [1.0, 2.0, 3.0, 4.0],  # 52.0 N
        [5.0, 6.0, 7.0, 8.0],  # 51.5 N
        [9.0, 10.0, 11.0, 12.0],  # 51.0 N
    ]
)


def _message(
    values: np.ndarray = NORTH_TO_SOUTH,
    *,
    north: float = 52.0,
    west: float = 4.0,
    step: int | str = 6,
    statistical: int | None = None,
    missing: float | None = None,
    **keys,
) -> bytes:
    """One GRIB2 message on a regular 0.5° grid scanned north to south, from eccodes' sample."""
    nlat, nlon = values.shape
    handle = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib2")
    try:
        settings = dict(
            centre=78,
            dataDate=20260115,
            dataTime=600,
            discipline=0,
            parameterCategory=2,
            parameterNumber=22,  # wind speed (gust)
            productionStatusOfProcessedData=2,
            Ni=nlon,
            Nj=nlat,
            latitudeOfFirstGridPointInDegrees=north,
            latitudeOfLastGridPointInDegrees=north - 0.5 * (nlat - 1),
            longitudeOfFirstGridPointInDegrees=west % 360,
            longitudeOfLastGridPointInDegrees=(west + 0.5 * (nlon - 1)) % 360,
            iDirectionIncrementInDegrees=0.5,
            jDirectionIncrementInDegrees=0.5,
            jScansPositively=0,
            iScansNegatively=0,
            bitsPerValue=16,
        )
        settings |= keys
        for key, value in settings.items():
            eccodes.codes_set(handle, key, value)
        if statistical is not None:
            eccodes.codes_set(handle, "productDefinitionTemplateNumber", 8)
            eccodes.codes_set(handle, "typeOfStatisticalProcessing", statistical)
        eccodes.codes_set(handle, "stepUnits", "h")
        eccodes.codes_set(handle, "stepRange", str(step))
        if missing is not None:
            eccodes.codes_set(handle, "bitmapPresent", 1)
            eccodes.codes_set(handle, "missingValue", missing)
        eccodes.codes_set_values(handle, values.ravel())
        return eccodes.codes_get_message(handle)
    finally:
        eccodes.codes_release(handle)


def test_decode_fields_of_a_plain_file(tmp_path):
    path = tmp_path / "gust.grib2"
    path.write_bytes(_message())
    [field] = decode_fields(path)

    # Latitude ascending: the southern row (51.0 N) comes first.
    np.testing.assert_allclose(field.values, NORTH_TO_SOUTH[::-1], atol=1e-3)
    assert field.values.dtype == np.float32
    assert field.values.shape == (3, 4)
    assert field.grid == RegularGrid(lat0=51.0, lon0=4.0, dlat=0.5, dlon=0.5, nlat=3, nlon=4)
    assert field.reference_time == datetime(2026, 1, 15, 6, tzinfo=UTC)
    assert (field.step_start, field.step_end) == (6, 6)
    assert (field.discipline, field.category, field.number) == (0, 2, 22)
    assert field.edition == 2
    assert field.centre == "edzw"
    assert field.production_status == 2
    assert field.member == 0
    assert field.level_type == "surface"


def test_decode_fields_of_a_bz2_file_gives_the_same_values(tmp_path):
    path = tmp_path / "gust.grib2.bz2"
    path.write_bytes(bz2.compress(_message()))
    [field] = decode_fields(path)
    np.testing.assert_allclose(field.values, NORTH_TO_SOUTH[::-1], atol=1e-3)
    assert field.reference_time == datetime(2026, 1, 15, 6, tzinfo=UTC)


def test_decode_fields_of_several_messages_with_a_statistical_step_range(tmp_path):
    first = _message(step=0)
    second = _message(NORTH_TO_SOUTH * 2, step="3-6", statistical=2)  # maximum over 3-6 h
    path = tmp_path / "two.grib2"
    path.write_bytes(first + second)
    a, b = decode_fields(path)
    assert (a.step_start, a.step_end, a.statistical_process) == (0, 0, None)
    assert (b.step_start, b.step_end, b.statistical_process) == (3, 6, 2)
    np.testing.assert_allclose(b.values[0], [18.0, 20.0, 22.0, 24.0], atol=1e-3)


def test_a_message_scanned_south_to_north_is_not_flipped(tmp_path):
    south_to_north = NORTH_TO_SOUTH[::-1]
    data = _message(
        south_to_north,
        latitudeOfFirstGridPointInDegrees=51.0,
        latitudeOfLastGridPointInDegrees=52.0,
        jScansPositively=1,
    )
    [field] = decode_bytes(data, origin="memory")
    np.testing.assert_allclose(field.values, south_to_north, atol=1e-3)
    assert field.grid.lat0 == 51.0


def test_longitudes_beyond_180_become_negative(tmp_path):
    [field] = decode_bytes(_message(west=-1.0), origin="memory")  # encoded as 359.0
    assert field.grid.lon0 == -1.0
    np.testing.assert_allclose(field.grid.longitudes, [-1.0, -0.5, 0.0, 0.5])


def test_bitmap_missing_values_become_nan():
    values = NORTH_TO_SOUTH.copy()
    values[0, 1] = 9999.0  # 52.0 N, 4.5 E
    [field] = decode_bytes(_message(values, missing=9999.0), origin="memory")
    # after flipping, 52.0 N is the last row
    assert np.isnan(field.values[2, 1])
    assert np.isnan(field.values).sum() == 1
    assert field.values[0, 0] == pytest.approx(9.0, abs=1e-3)


def test_extra_keys_are_returned_and_absent_ones_are_none():
    [field] = decode_bytes(
        _message(), origin="memory", keys={"typeOfFirstFixedSurface": int, "noSuchKey": None}
    )
    assert field.keys == {"typeOfFirstFixedSurface": 1, "noSuchKey": None}


def test_a_truncated_file_is_invalid_data_naming_the_file(tmp_path):
    path = tmp_path / "cut.grib2"
    path.write_bytes(_message()[:-10])
    with pytest.raises(InvalidDataError, match="truncated") as caught:
        decode_fields(path)
    assert str(path) in str(caught.value)


def test_a_message_missing_only_its_end_marker_is_truncated(tmp_path):
    data = _message()
    path = tmp_path / "no-7777.grib2"
    path.write_bytes(data[:-4] + b"XXXX")
    with pytest.raises(InvalidDataError, match="truncated") as caught:
        decode_fields(path)
    assert str(path) in str(caught.value)


def test_a_second_truncated_message_names_its_offset(tmp_path):
    data = _message()
    path = tmp_path / "second-cut.grib2"
    path.write_bytes(data + data[:-1])
    with pytest.raises(InvalidDataError, match=f"byte {len(data)} is truncated") as caught:
        decode_fields(path)
    assert str(path) in str(caught.value)


def test_a_non_grib_file_is_invalid_data_naming_the_file(tmp_path):
    path = tmp_path / "page.grib2"
    path.write_text("<html><body>404 Not Found</body></html>\n")
    with pytest.raises(InvalidDataError, match="no GRIB message found") as caught:
        decode_fields(path)
    assert str(path) in str(caught.value)


def test_a_truncated_bz2_file_is_invalid_data_naming_the_file(tmp_path):
    path = tmp_path / "cut.grib2.bz2"
    compressed = bz2.compress(_message())
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(InvalidDataError, match="bz2") as caught:
        decode_fields(path)
    assert str(path) in str(caught.value)


def test_decompression_gives_what_the_standard_library_gives_streams_concatenated_included():
    first, second = _message(), _message(NORTH_TO_SOUTH * 2)
    data = bz2.compress(first) + bz2.compress(second, compresslevel=1)
    assert decompress(data, origin="two.grib2.bz2") == bz2.decompress(data) == first + second


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda c: c + b"junk", id="bytes after the stream"),
        pytest.param(lambda c: c[:-1], id="last byte cut"),
        pytest.param(lambda c: b"", id="empty"),
        pytest.param(lambda c: b"BZh9" + bytes(len(c) - 4), id="zeros after the header"),
    ],
)
def test_damaged_bz2_data_is_invalid_data_naming_its_origin(damage):
    """Stricter than the standard library, which returns nothing for empty input and ignores
    bytes after the last stream: a served file with either is not what DWD published."""
    compressed = bz2.compress(_message())
    with pytest.raises(InvalidDataError, match=r"^https://x/a\.grib2\.bz2: corrupt or trunc"):
        decompress(damage(compressed), origin="https://x/a.grib2.bz2")


def test_a_missing_file_is_invalid_data_naming_the_file(tmp_path):
    path = tmp_path / "absent.grib2"
    with pytest.raises(InvalidDataError, match="file not found") as caught:
        read_bytes(path)
    assert str(path) in str(caught.value)


def test_an_unknown_edition_is_invalid_data():
    with pytest.raises(InvalidDataError, match="unsupported GRIB edition") as caught:
        decode_bytes(b"GRIB\x00\x00\x00\x07" + b"\x00" * 20, origin="somewhere.grib")
    assert "somewhere.grib" in str(caught.value)


def test_a_grid_scanned_west_to_east_negatively_is_rejected():
    data = _message(iScansNegatively=1)
    with pytest.raises(InvalidGridError, match="iScansNegatively") as caught:
        decode_bytes(data, origin="west.grib2")
    assert "west.grib2" in str(caught.value)


def test_alternate_row_scanning_is_undone():
    """Rows 2, 4, ... as stored run east to west (GRIB flag alternativeRowScanning)."""
    stored = NORTH_TO_SOUTH.copy()
    stored[1] = stored[1, ::-1]  # the second row from the top stored backwards
    [field] = decode_bytes(_message(stored, alternativeRowScanning=1), origin="memory")
    np.testing.assert_allclose(field.values, NORTH_TO_SOUTH[::-1], atol=1e-3)


def test_the_real_alternate_scanning_sample_decodes_as_cfgrib_does(shared_data):
    """ECMWF's sample with alternating rows, against cfgrib (which undoes them itself)."""
    import xarray as xr

    path = shared_data / "nwp" / "ecmwf_cfgrib_samples" / "alternate-scanning.grib"
    [field] = decode_fields(path)
    with xr.open_dataset(path, engine="cfgrib", backend_kwargs={"indexpath": ""}) as ds:
        expected = ds["t2m"].sortby("latitude").values
    np.testing.assert_array_equal(field.values, expected)


def test_column_major_points_are_rejected():
    with pytest.raises(InvalidGridError, match="jPointsAreConsecutive"):
        decode_bytes(_message(jPointsAreConsecutive=1), origin="columns.grib2")
