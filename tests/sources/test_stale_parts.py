"""A download removes the partial files a killed process left beside its destination (older
than an hour), and only those: a younger part may be another process's download in flight,
and parts of other files are theirs."""

from __future__ import annotations

import os
import time

from pipeline.sources.download import fetch

HOUR = 3600.0


def test_only_stale_parts_of_the_same_file_are_removed(tmp_path):
    mirror = tmp_path / "mirror" / "f.grib2"
    mirror.parent.mkdir()
    mirror.write_bytes(b"served")  # any bytes: this download verifies nothing
    dest = tmp_path / "archive" / "f.grib2"
    dest.parent.mkdir()
    now = time.time()
    parts = {
        "stale": (dest.with_name(".f.tmp-aaaa.grib2"), now - HOUR - 60),
        "young": (dest.with_name(".f.tmp-bbbb.grib2"), now - HOUR + 60),
        "other file's": (dest.with_name(".g.tmp-cccc.grib2"), now - 10 * HOUR),
    }
    for path, mtime in parts.values():
        path.write_bytes(b"partial")
        os.utime(path, (mtime, mtime))
    fetch(mirror.as_uri(), dest, verify=lambda path, origin: None)
    assert dest.read_bytes() == mirror.read_bytes()
    assert not parts["stale"][0].exists()
    assert parts["young"][0].exists() and parts["other file's"][0].exists()
