"""Regional extremes are the same whichever way they are reduced: with few fields along each
field's row, from MANY_FIELDS on per region over a block of rows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from pipeline.statistics.exceedance import MANY_FIELDS, _reduce_block

# Four cells in a 2 x 2 grid; region "a" covers cells 0 and 1, "b" none, "c" cells 2 and 3.
CELLS = np.array([1.0, 5.0, 3.0, -2.0], dtype=np.float32)
MATRIX = sp.csr_matrix(np.array([[2.0, 1.0, 0, 0], [0, 0, 0, 0], [0, 0, 1.0, 1.0]]))


@pytest.mark.parametrize("n_fields", [1, MANY_FIELDS - 1, MANY_FIELDS, MANY_FIELDS + 7])
def test_max_and_min_per_region_at_both_sides_of_many_fields(n_fields):
    offsets = np.arange(n_fields, dtype=np.float32)
    fields = (CELLS[None, :] + offsets[:, None]).reshape(n_fields, 2, 2)
    fields[0, 0, 1] = np.nan  # cell 1 of field 0 masked: region a is cell 0 alone there
    highest, lowest = _reduce_block(
        fields,
        matrix=MATRIX,
        used=np.arange(4),
        thresholds=np.array([]),
        spatial_ndim=2,
        stats=("max", "min"),
    )
    expected_max = np.stack([5.0 + offsets, np.full(n_fields, np.nan), 3.0 + offsets], axis=1)
    expected_min = np.stack([1.0 + offsets, np.full(n_fields, np.nan), -2.0 + offsets], axis=1)
    expected_max[0, 0] = 1.0
    np.testing.assert_array_equal(highest, expected_max)
    np.testing.assert_array_equal(lowest, expected_min)


def test_a_fully_masked_region_has_no_extreme_with_many_fields():
    fields = np.tile(CELLS, (MANY_FIELDS, 1)).reshape(MANY_FIELDS, 2, 2)
    fields[:, 1, :] = np.nan  # cells 2 and 3: all of region c
    (highest,) = _reduce_block(
        fields,
        matrix=MATRIX,
        used=np.arange(4),
        thresholds=np.array([]),
        spatial_ndim=2,
        stats=("max",),
    )
    assert np.isnan(highest[:, 2]).all() and (highest[:, 0] == 5.0).all()
