"""What every GRIB source shares once its files are in the archive: checked, lazy decoding into
the canonical schema.

A source archives one GRIB file per (variable, step) holding that variable's messages for every
member (for KNMI, both gust components). :class:`GribSource` opens such a run as an xarray
Dataset of canonical variables, lazily (one dask task per file, shared by every variable derived
from it), and checks every message against what the run expects: the variable, run, step,
interval, members and grid. Subclasses say where the files are and what the product is.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from pipeline.errors import ConfigError, InvalidDataError, InvalidGridError
from pipeline.geo.grids import RegularGrid, UnstructuredRef
from pipeline.geo.icon_grid import UnstructuredGrid
from pipeline.runs import RunId
from pipeline.sources import grib_tasks
from pipeline.sources.base import Source, Variable
from pipeline.sources.grib import GribField, decode_bytes, read_bytes
from pipeline.sources.grib_schema import (
    canonical_attrs,
    cell_coords,
    parameter_attrs,
    regular_coords,
    selected_cells,
    window_attrs,
)
from pipeline.sources.quarantine import odd_one_out, quarantined
from pipeline.variables import PRECIPITATION_WINDOWS

if TYPE_CHECKING:
    import dask.array as da
    import xarray as xr

log = logging.getLogger(__name__)


class GribSource(Source):
    """A product archived as one GRIB file per (variable, step); see the module docstring."""

    #: Provider variable names (as in the archive) and what they are.
    table: ClassVar[dict[str, Variable]]
    published: ClassVar[tuple[str, ...]]
    default_params: ClassVar[tuple[str, ...]]
    members: ClassVar[int] = 1
    institution: ClassVar[str]
    #: Extremes this product writes over the run so far instead of the output interval.
    since_run_start: ClassVar[frozenset[str]] = frozenset()
    #: Extremes whose period may be shorter than the output interval (ending at the step),
    #: e.g. ECMWF's gust "since the previous post-processing"; otherwise it must equal it.
    interval_within: ClassVar[bool] = False
    #: The grid every file must be on (None: the first file's grid, which all others match).
    expected_grid: ClassVar[RegularGrid | None] = None
    #: (lat_min, lat_max, lon_min, lon_max) kept from each field (None: the whole grid).
    crop: ClassVar[tuple[float, float, float, float] | None] = None

    @property
    def variables(self) -> dict[str, Variable]:  # type: ignore[override]
        return {p: self.table[p] for p in self.published}

    def steps(self, run: str) -> list[int]:
        """Output steps (hours) of ``run``."""
        raise NotImplementedError

    def archive_path(self, archive: Path, run: str, param: str, step: int) -> Path:
        raise NotImplementedError

    def member_numbers(self) -> list[int]:
        """The member numbers the files hold (GRIB perturbationNumber); 0 when deterministic."""
        return list(range(1, self.members + 1)) if self.members > 1 else [0]

    def check_params(self, params: list[str] | None) -> list[str]:
        params = list(params or self.default_params)
        unknown = [p for p in params if p not in self.published]
        if unknown:
            raise ConfigError(
                f"{self.id} does not publish {', '.join(unknown)}; "
                f"it publishes {', '.join(self.published)}"
            )
        return params

    def needed(self, param: str, steps: list[int]) -> list[int]:
        """The steps of ``steps`` whose files ``param`` needs: accumulations need the first
        (windows are differences), other variables only the valid times after it."""
        return steps if self.table[param].kind == "accumulated" else steps[1:]

    def grid(self) -> UnstructuredGrid:
        raise ConfigError(f"{self.id} is on a regular grid; its grid comes from each file")

    def open(
        self,
        run: str,
        archive: Path,
        *,
        params: list[str] | None = None,
        steps: list[int] | None = None,
        bounds: tuple[float, float, float, float] | None = None,
        read: Callable[[Path], bytes] = read_bytes,
        cells: Callable[[RegularGrid | UnstructuredGrid], np.ndarray] | None = None,
    ) -> xr.Dataset:
        """Open an archived run lazily as canonical variables.

        ``bounds`` (lat_min, lat_max, lon_min, lon_max) keeps only the cells whose centres lie
        inside (the statistics: the regions' extent plus a margin, not the model's domain).
        Dims (member, valid_time, latitude, longitude) on lat-lon grids, (member, valid_time,
        cell) on icosahedral ones. Valid times are the steps after the first (all of the run's
        steps unless ``steps`` picks some, for analysts). Each file is decoded once,
        only when computed, and shared by every variable derived from it (precipitation
        windows), so memory follows the steps being reduced, not the length of the run.

        ``read`` gives a file's GRIB by its archive path (default: from the archive); one that
        fetches it first (:mod:`pipeline.sources.streamed`) needs no file archived yet.
        ``cells``, given the grid within ``bounds``, names the cells all the caller reads (flat
        indices): each message keeps only those as it is decoded, along one ``cell`` dim (the
        statistics: the cells some region covers, 40 % of the regions' extent).
        """
        # Imported here, not with the module: `crosswarn run` starts fetching while they load.
        import dask.array as da
        import xarray as xr
        from dask.highlevelgraph import HighLevelGraph

        params = self.check_params(params)
        reference = RunId(run, cycle_hours=self.cycle_hours, source_id=self.id).time
        table = self.steps(run)
        steps = table if steps is None else sorted(steps)
        if not set(steps) <= set(table) or len(steps) < 2:
            raise ConfigError(f"steps {steps}: need two or more of {self.id}'s steps {table}")
        paths = {
            (p, s): self.archive_path(archive, run, p, s)
            for p in params
            for s in self.needed(p, steps)
        }
        for param in params if read is read_bytes else ():  # (else fetched when read)
            needed = [paths[param, s] for s in self.needed(param, steps)]
            missing = [path for path in needed if not path.exists()]
            if missing:
                raise InvalidDataError(
                    f"{self.id} {run}: {len(missing)} file(s) of {param} missing from the "
                    f"archive, first {missing[0]}; fetch the run again"
                )
        interval = {s: s - p for p, s in pairwise(table)}
        (first_param, first_step), first_path = next(iter(paths.items()))
        with quarantined(archive, first_path):
            kept = {first_path: read(first_path)}  # read once: decoded here and by its task
            first = self._decode(
                first_path, first_param, first_step, run, None, interval.get(first_step, 0),
                kept.__getitem__,
            )[0][0]  # fmt: skip
        read_once = functools.partial(grib_tasks.read_once, kept, read)
        cut: tuple = (Ellipsis,)
        if isinstance(first.grid, RegularGrid):
            expected: RegularGrid | UnstructuredRef = first.grid
            if self.expected_grid is not None and first.grid != self.expected_grid:
                with quarantined(archive, first_path):
                    raise InvalidGridError(
                        f"{first_path}: grid {first.grid.describe()}, but {self.id} is on "
                        f"{self.expected_grid.describe()}; the provider changed its grid or the "
                        "file is not this product's"
                    )
            grid: RegularGrid | UnstructuredGrid = first.grid
            if bounds is not None or self.crop is not None:
                grid, slices = first.grid.crop(bounds or self.crop)
                cut = (Ellipsis, *slices)
            spatial, coords = regular_coords(grid)
        else:
            grid = self.grid()
            expected = grid.ref
            mismatch = expected.mismatch(first.grid)
            if mismatch:
                with quarantined(archive, first_path):
                    raise InvalidGridError(f"{first_path}: not on {grid.describe()}: {mismatch}")
            if bounds is not None:
                grid, inside = grid.within(bounds)
                cut = (Ellipsis, inside)
            spatial, coords = cell_coords(grid)
        if cells is not None:
            cut, spatial, coords = selected_cells(grid, cut, cells)
        members = self.member_numbers()
        shape = (len(members), 1, *(len(c[1]) for c in spatial.values()))  # one valid time
        valid = steps[1:]
        position = {s: k for k, s in enumerate(valid)}
        zeros = (0,) * len(spatial)
        decode = functools.partial(
            self._checked_values,
            run=run,
            expected=expected,
            cut=cut,
            archive=archive,
            first=first_path,
            witnesses=[p for p in paths.values() if p != first_path][-2:],
            read=read_once,
        )
        # The graph as dicts, one layer per variable (decodes) and window: no wrapper tasks.
        layers: dict[str, dict] = {}

        def field(param: str, step: int) -> tuple:
            """The key decoding (param, step), numbered by valid time (the first step: -1): an
            instantaneous variable's decoded fields are its array's chunks."""
            name = f"decode-{self.id}-{run}-{param}"
            key = (name, 0, position.get(step, -1), *zeros)
            layer = layers.setdefault(name, {})
            if key not in layer:
                args = (paths[param, step], param, step)
                hours = interval.get(step, 0)
                task = functools.partial(grib_tasks.block, decode, *args, interval=hours)
                layer[key] = (task,)
            return key

        def array(name: str, needs: str) -> da.Array:
            """Layer ``name`` as an array (a chunk per valid time) reading layer ``needs``."""
            used = {name, needs} & layers.keys()
            graph = HighLevelGraph(
                {n: layers[n] for n in used}, {n: ({needs} & used) - {n} for n in used}
            )
            chunks = ((len(members),), (1,) * len(valid), *((n,) for n in shape[2:]))
            return da.Array(graph, name, chunks, dtype=np.float32)

        dims = ("member", "valid_time", *spatial)
        data_vars = {}
        for param in params:
            var = self.table[param]
            attrs = {"source_parameter": param, **parameter_attrs(var)}
            decodes = f"decode-{self.id}-{run}-{param}"
            if var.kind == "accumulated":
                available = set(steps)
                # The run's windows (the same whichever steps are opened): a window no step of
                # the run can have (longer than the run, or shorter than its output
                # interval, like 1 h on a 3-hourly run) is left out.
                in_run = set(table)
                windows = [n for n in PRECIPITATION_WINDOWS if any(s - n in in_run for s in table)]
                for hours in windows:
                    layer = f"window-{self.id}-{run}-{param}-{hours}"
                    layers[layer] = {
                        (layer, 0, k, *zeros): (
                            functools.partial(grib_tasks.window, name=paths[param, s].name),
                            field(param, s),
                            field(param, s - hours),
                        )
                        if s - hours in available
                        else (functools.partial(np.full, shape, np.nan, np.float32),)
                        for k, s in enumerate(valid)
                    }
                    name = f"{var.canonical}_{hours}h"
                    data_vars[name] = (dims, array(layer, decodes), canonical_attrs(name, attrs))
                    data_vars[name][2]["window_hours"] = hours
            else:
                for s in valid:
                    field(param, s)
                window = "run_start" if param in self.since_run_start else "interval"
                window = "within" if window == "interval" and self.interval_within else window
                data_vars[var.canonical] = (
                    dims,
                    array(decodes, decodes),
                    canonical_attrs(var.canonical, {**attrs, **window_attrs(var.kind, window)}),
                )
        return xr.Dataset(
            data_vars,
            coords={
                "member": ("member", members),
                "valid_time": [
                    np.datetime64(reference.replace(tzinfo=None) + timedelta(hours=s), "ns")
                    for s in valid
                ],
                "step_hours": ("valid_time", valid),
                "interval_hours": ("valid_time", [interval[s] for s in valid]),
                **coords,
            },
            attrs={
                "source": self.id,
                "model": self.model_name,
                "run": run,
                "reference_time": reference.isoformat(),
                "institution": self.institution,
                "attribution": self.attribution,
                "licence": self.licence,
                "production_status": first.production_status,
                "Conventions": "CF-1.10",
            },
        )

    def _decode(
        self,
        path: Path,
        param: str,
        step: int,
        run: str,
        expected: RegularGrid | UnstructuredRef | None,
        interval: int,
        read: Callable[[Path], bytes] = read_bytes,
        cut: tuple | None = None,
    ) -> list[list[GribField]]:
        """Decode one file (GRIB from ``read``), checking all it says against the run.

        Return the messages per part of the variable (one part, or one per vector
        component), each sorted by member; with ``cut``, only that part of each grid (float32).
        """
        var = self.table[param]
        kept = {"dtype": np.float32, "cut": cut} if cut is not None else {"dtype": np.float64}
        fields = decode_bytes(read(path), origin=str(path), keys=var.keys, names=False, **kept)
        numbers = self.member_numbers()
        wanted = len(numbers) * len(var.parts)
        what = "members" if len(numbers) > 1 else "field"
        if len(fields) != wanted:
            raise InvalidDataError(
                f"{path}: {len(fields)} GRIB message(s), expected {wanted} "
                f"({len(numbers)} {what} x {len(var.parts)} part(s)); fetch the file again"
            )
        reference = RunId(run, cycle_hours=self.cycle_hours, source_id=self.id).time
        groups = []
        for part in var.parts:
            group = sorted((f for f in fields if var.is_part(f, part)), key=lambda f: f.member)
            if len(group) != len(numbers):
                other = next(f for f in fields if not var.is_part(f, part))
                found = (other.discipline, other.category, other.number)
                keys = f" and keys {other.keys}" if other.keys else ""
                raise InvalidDataError(
                    f"{path}: holds GRIB parameter {found} with statistical process "
                    f"{other.statistical_process}{keys}; expected {len(numbers)} message(s) of "
                    f"{var.describe(part)} for {param}"
                )
            if [f.member for f in group] != numbers:
                raise InvalidDataError(
                    f"{path}: members {[f.member for f in group]}, expected {numbers}"
                )
            groups.append(group)
        start = 0 if param in self.since_run_start else step - interval
        for field in (f for group in groups for f in group):
            if field.reference_time != reference:
                raise InvalidDataError(
                    f"{path}: holds run {field.reference_time:%Y%m%d%H}, expected {run}"
                )
            if field.step_end != step:
                raise InvalidDataError(f"{path}: valid at step {field.step_end}, expected {step}")
            if var.kind.startswith("interval") and step:
                ok = (
                    start <= field.step_start < step
                    if self.interval_within and param not in self.since_run_start
                    else field.step_start == start
                )
                if not ok:
                    raise InvalidDataError(
                        f"{path}: {param} covers steps {field.step_start}-{field.step_end}, "
                        f"expected {start}-{step} ({self.id} writes it over "
                        f"{'the run so far' if start == 0 else 'the output interval'})"
                    )
            if expected is not None:
                self._check_grid(path, field, expected)
        return groups

    @staticmethod
    def _check_grid(path: Path, field: GribField, expected: RegularGrid | UnstructuredRef) -> None:
        if isinstance(expected, RegularGrid):
            if field.grid != expected:
                raise InvalidGridError(
                    f"{path}: grid {field.grid.describe()} differs from the run's "
                    f"{expected.describe()}"
                )
            return
        problem = (
            f"gridType of {field.grid.describe()}"
            if not isinstance(field.grid, UnstructuredRef)
            else expected.mismatch(field.grid)
        )
        if problem:
            raise InvalidGridError(f"{path}: not on the run's {expected.describe()}: {problem}")

    def _checked_values(
        self,
        path: Path,
        param: str,
        step: int,
        run: str,
        expected: RegularGrid | UnstructuredRef,
        interval: int,
        cut: tuple,
        *,
        archive: Path,
        first: Path,
        witnesses: list[Path],
        read: Callable[[Path], bytes] = read_bytes,
    ) -> np.ndarray:
        """:meth:`_values`, with a file that fails its checks moved to quarantine. When a file's
        grid differs from the first file's (which set the run's grid), other files decide which
        of the two is wrong, so that a bad first file is the one named and removed."""
        try:
            return self._values(path, param, step, run, expected, interval, cut, read)
        except InvalidGridError as error:
            culprit, problem = path, error
            if isinstance(expected, RegularGrid) and path != first:
                culprit, problem = odd_one_out(path, first, expected, witnesses, error, read)
            with quarantined(archive, culprit):
                raise problem from None
        except InvalidDataError:
            with quarantined(archive, path):
                raise

    def _values(
        self,
        path: Path,
        param: str,
        step: int,
        run: str,
        expected: RegularGrid | UnstructuredRef,
        interval: int,
        cut: tuple = (Ellipsis,),
        read: Callable[[Path], bytes] = read_bytes,
    ) -> np.ndarray:
        """One file as canonical values, shape (member, *grid), cropped by ``cut``."""
        var = self.table[param]
        groups = self._decode(path, param, step, run, expected, interval, read, cut)
        parts = [np.stack([f.values for f in group]) for group in groups]
        values = np.hypot(*parts) if var.components else parts[0]
        if var.scale != 1.0 or var.offset:
            values = values * np.float32(var.scale) + np.float32(var.offset)
        return np.ascontiguousarray(values, dtype=np.float32)
