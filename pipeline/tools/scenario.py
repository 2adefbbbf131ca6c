"""A deterministic storm scenario written as DWD ICON-D2 open-data files.

The scenario is a winter windstorm of the Eunice/Ciarán kind, run ``2026011500`` (00 UTC,
15 January 2026), 49 hourly steps:

- **Track.** The zone of damaging gusts on the storm's southern flank enters from the North Sea
  west of the Dutch coast at +0 h (53.8 N, 3.0 W) and moves east-south-east at about 37 km/h
  (0.5° of longitude and -0.105° of latitude per hour): over Zuid-Holland at +14 h, over the
  Dutch-German border (Gelderland, Kleve) at +18 h, over central Germany at +30 h.
- **Gusts** (``vmax_10m``). Background 8 m/s, plus an anisotropic Gaussian around the moving
  centre: 220 km along the track, 150 km across it, peak amplitude 32 m/s at +16 h (so about
  40 m/s, 144 km/h, on the track), growing over the sea and weakening over Germany with an
  e-folding time of 14 h. Belgium's north lies about 110 km from the track (about 115 km/h);
  Luxembourg about 230 km (about 65 km/h); Lorraine more than 330 km (under 45 km/h), so the
  southern French departments stay without wind warning. Each value is the maximum of four
  quarter-hourly samples of the preceding hour, as DWD's VMAX_10M is the maximum over the output
  interval, plus smooth noise bounded by ±1.5 m/s.
- **Rain** (``tot_prec``). A cold-front band 80 km behind the gust centre, 40 km wide (1 sigma)
  and 700 km long, peaking at 9 mm/h, with 1 mm/h of stratiform rain ahead of the front;
  accumulated since the run start as DWD does (kg m-2), with ±20 % smooth multiplicative noise.
- **Temperature** (``t_2m``). 9 °C at 50 N falling 0.6 K per degree northwards, 2 K warmer in
  the warm sector and 4 K colder behind the front; in K, as DWD writes it. From +24 h a cold
  pool settles over the Ardennes and the Eifel (centred 50.4 N, 5.9 E, 70 km, 8 K deeper by
  +30 h), bringing the surface there to about -3 °C.
- **Thunderstorm line** (``ww``). The cold front is a squall line: where its rain rate reaches
  4 mm/h between +6 h and +30 h, ``ww`` is 95 (thunderstorm), 96 from 7.5 mm/h, so its gusts
  are thunderstorm gusts (about 100-140 km/h along the track).
- **Snow** (``snow_gsp``, ``snow_con``). From +30 h to +40 h a snow band over the cold pool:
  1.4 mm/h of water equivalent at its centre (Gaussian, 70 km), about 8 cm of fresh snow in 6 h
  there and 5 cm or more over much of the province of Liège and the Eifel; all grid-scale
  (``snow_con`` 0, as in ICON-D2). Snow is part of ``tot_prec``.
- **Freezing rain** (``ww`` 66/67). From +40 h to +46 h light warm-front rain (1 mm/h, 2.5 at
  its core) moves over the cold pool from the south-west; where the surface is below 0 °C it
  freezes (glaze). ``ww`` codes the rest as rain (61/63/65) or snow (71/73/75).

Expected outcome under each country's criteria: red in the German districts along the Dutch
border; orange over the Dutch mainland (the gusts there reach code-red strength, but KNMI issues
code red at most 12 h ahead and the storm arrives after +14 h; only coastal waters it reaches
sooner turn red); orange in northern Belgium, yellow in
Luxembourg, and no warning in the southern French border departments; one joint consultation
along the NL-DE, BE-NL and BE-LU borders. The squall line adds thunderstorm warnings (gusts in
thunderstorms: orange in the Netherlands, red in Germany, with a consultation), the cold pool
snow (orange in the province of Liège and the Eifel, a BE-DE consultation) and glaze.

The GRIB2 files carry DWD's keys (centre ``edzw``, local tables version 1, generating process 11,
the ICON-D2 0.02° grid of 746 x 1215 points, simple packing with 16 bits) except one:
``productionStatusOfProcessedData`` is 2 (research product), so that nothing downstream can
mistake the scenario for an operational forecast; warning files made from it are CAP
``Exercise`` messages. Random numbers come from ``numpy.random.default_rng(SEED)``.
"""

from __future__ import annotations

import bz2
import logging
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import eccodes
import numpy as np
from scipy.ndimage import zoom

from pipeline.files import write_bytes_atomic
from pipeline.geo.grids import RegularGrid, UnstructuredRef
from pipeline.progress import progress
from pipeline.sources.dwd import DWD_VARIABLES

log = logging.getLogger(__name__)

RUN = "2026011500"
SEED = 20260115
GRID = RegularGrid(lat0=43.18, lon0=-3.94, dlat=0.02, dlon=0.02, nlat=746, nlon=1215)
STEPS = range(49)
PARAMS = ("vmax_10m", "tot_prec", "t_2m", "ww", "snow_gsp", "snow_con")
RESEARCH_PRODUCT = 2  # GRIB2 code table 1.3

# Storm parameters (see the module docstring).
TRACK_START = (53.8, -3.0)  # lat, lon of the gust centre at +0 h
TRACK_VELOCITY = (-0.105, 0.5)  # degrees per hour
BACKGROUND_GUST = 8.0  # m/s
PEAK_AMPLITUDE = 32.0  # m/s
PEAK_HOUR = 16.0
AMPLITUDE_EFOLD_H = 14.0
SIGMA_ALONG_KM = 220.0
SIGMA_ACROSS_KM = 150.0
GUST_NOISE = 1.5  # m/s, bound of the additive noise
KM_PER_DEG = 111.2

#: Height (m) of each parameter's level above ground; 0 is the surface.
_LEVELS = {"vmax_10m": 10, "u_10m": 10, "v_10m": 10, "t_2m": 2, "tmax_2m": 2, "tmin_2m": 2}


def track_centre(hour: float) -> tuple[float, float]:
    """Latitude and longitude of the gust centre ``hour`` hours after the run start."""
    return (
        TRACK_START[0] + TRACK_VELOCITY[0] * hour,
        TRACK_START[1] + TRACK_VELOCITY[1] * hour,
    )


def _storm_frame(lat: np.ndarray, lon: np.ndarray, hour: float) -> tuple[np.ndarray, np.ndarray]:
    """Along- and across-track distances (km) from the gust centre."""
    clat, clon = track_centre(hour)
    x = (lon - clon) * KM_PER_DEG * np.cos(np.radians(clat))
    y = (lat - clat) * KM_PER_DEG
    vx = TRACK_VELOCITY[1] * KM_PER_DEG * np.cos(np.radians(clat))
    vy = TRACK_VELOCITY[0] * KM_PER_DEG
    theta = np.arctan2(vy, vx)
    along = x * np.cos(theta) + y * np.sin(theta)
    across = -x * np.sin(theta) + y * np.cos(theta)
    return along, across


def storm_gust(lat: np.ndarray, lon: np.ndarray, hour: float) -> np.ndarray:
    """The scenario's gust speed (m/s) at an instant, without noise."""
    along, across = _storm_frame(lat, lon, hour)
    amplitude = PEAK_AMPLITUDE * np.exp(-(((hour - PEAK_HOUR) / AMPLITUDE_EFOLD_H) ** 2))
    shape = np.exp(-0.5 * ((along / SIGMA_ALONG_KM) ** 2 + (across / SIGMA_ACROSS_KM) ** 2))
    return BACKGROUND_GUST + amplitude * shape


def hourly_max_gust(lat: np.ndarray, lon: np.ndarray, step: int) -> np.ndarray:
    """Noise-free VMAX_10M at ``step``: the max of four quarter-hourly samples of the past hour."""
    if step == 0:
        return storm_gust(lat, lon, 0.0)
    samples = [storm_gust(lat, lon, step - 1 + k / 4) for k in range(1, 5)]
    return np.maximum.reduce(samples)


def rain_rate(lat: np.ndarray, lon: np.ndarray, hour: float) -> np.ndarray:
    """Precipitation rate (mm/h) without noise."""
    along, across = _storm_frame(lat, lon, hour)
    front = np.exp(-0.5 * (((along + 80.0) / 40.0) ** 2 + (across / 350.0) ** 2))
    ahead = 1.0 * (along > -80.0) * (along < 250.0) * np.exp(-0.5 * (across / 300.0) ** 2)
    return 9.0 * front + ahead


def temperature_k(lat: np.ndarray, lon: np.ndarray, hour: float) -> np.ndarray:
    along, across = _storm_frame(lat, lon, hour)
    base = 9.0 - 0.6 * (lat - 50.0)
    sector = np.where(along > -80.0, 2.0 * np.exp(-0.5 * (across / 400.0) ** 2), -4.0)
    return 273.15 + base + sector - cold_pool_k(lat, lon, hour)


# Cold pool, snow band and freezing rain (see the module docstring).
COLD_POOL = (50.4, 5.9)  # lat, lon of its centre
COLD_POOL_KM = 70.0
COLD_POOL_K = 8.0
SNOW_HOURS = (30.0, 40.0)
SNOW_RATE = 1.4  # mm/h of water equivalent at the centre
FREEZING_HOURS = (40.0, 46.0)
STORM_HOURS = (6.0, 30.0)
THUNDERSTORM_RATE = 4.0  # mm/h of front rain from which the front is a thunderstorm (ww 95)
STRONG_THUNDERSTORM_RATE = 7.5  # ww 96


def _pool_shape(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    x = (lon - COLD_POOL[1]) * KM_PER_DEG * np.cos(np.radians(COLD_POOL[0]))
    y = (lat - COLD_POOL[0]) * KM_PER_DEG
    return np.exp(-0.5 * (x**2 + y**2) / COLD_POOL_KM**2)


def cold_pool_k(lat: np.ndarray, lon: np.ndarray, hour: float) -> np.ndarray:
    """How much colder (K) the cold pool makes the surface: 0 before +24 h, full from +30 h."""
    ramp = np.clip((hour - 24.0) / 6.0, 0.0, 1.0)
    return COLD_POOL_K * ramp * _pool_shape(lat, lon)


def snow_rate(lat: np.ndarray, lon: np.ndarray, hour: float) -> np.ndarray:
    """Snowfall (mm/h water equivalent) of the band over the cold pool."""
    on = SNOW_HOURS[0] <= hour <= SNOW_HOURS[1]
    return SNOW_RATE * _pool_shape(lat, lon) * on


def freezing_rate(lat: np.ndarray, lon: np.ndarray, hour: float) -> np.ndarray:
    """Warm-front rain (mm/h) over the cold pool's area, moving in from the south-west."""
    if not FREEZING_HOURS[0] <= hour <= FREEZING_HOURS[1]:
        return np.zeros(np.broadcast_shapes(lat.shape, lon.shape))
    progress = (hour - FREEZING_HOURS[0]) / (FREEZING_HOURS[1] - FREEZING_HOURS[0])
    front_lat, front_lon = 49.6 + 1.2 * progress, 4.9 + 1.6 * progress
    x = (lon - front_lon) * KM_PER_DEG * np.cos(np.radians(front_lat))
    y = (lat - front_lat) * KM_PER_DEG
    across = (x + y) / np.sqrt(2.0)  # the band runs north-west to south-east
    return 1.0 + 1.5 * np.exp(-0.5 * (across / 25.0) ** 2) * (np.abs(across) < 120.0)


def weather_code(
    front_rain: np.ndarray,
    rain: np.ndarray,
    snow: np.ndarray,
    freezing: np.ndarray,
    hour: float,
) -> np.ndarray:
    """ICON's ww from the hour's precipitation (mm): thunderstorm in the squall line, freezing
    rain, snow, rain, else 0 (no significant weather)."""
    ww = np.zeros(rain.shape, dtype=np.float32)
    ww = np.where(rain >= 0.1, np.where(rain >= 2.5, np.where(rain >= 8.0, 65, 63), 61), ww)
    ww = np.where(snow >= 0.1, np.where(snow >= 1.0, np.where(snow >= 4.0, 75, 73), 71), ww)
    ww = np.where(freezing >= 0.1, np.where(freezing >= 2.0, 67, 66), ww)
    if STORM_HOURS[0] <= hour <= STORM_HOURS[1]:
        ww = np.where(front_rain >= THUNDERSTORM_RATE, 95, ww)
        ww = np.where(front_rain >= STRONG_THUNDERSTORM_RATE, 96, ww)
    return ww.astype(np.float32)  # fmt: skip


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Smooth noise in [-1, 1]: a coarse uniform field linearly interpolated to the grid."""
    coarse = rng.uniform(-1.0, 1.0, size=(shape[0] // 20 + 2, shape[1] // 20 + 2))
    fine = zoom(coarse, (shape[0] / coarse.shape[0], shape[1] / coarse.shape[1]), order=1)
    return np.clip(fine[: shape[0], : shape[1]], -1.0, 1.0)


def _rain_noise() -> np.ndarray:
    return 1.0 + 0.2 * _smooth_noise(np.random.default_rng([SEED, 999]), GRID.shape)


def hourly_rain(lat: np.ndarray, lon: np.ndarray, step: int, rate=None) -> np.ndarray:
    """Noise-free rain (mm) in the hour ending at ``step``: trapezoid rule over quarter hours
    of ``rate`` (mm/h; the storm's rain by default)."""
    rate = rate or rain_rate
    if step == 0:
        return np.zeros(np.broadcast_shapes(lat.shape, lon.shape))
    rates = [rate(lat, lon, step - 1 + k / 4) for k in range(5)]
    return (sum(rates) - 0.5 * (rates[0] + rates[-1])) / 4


def instant_fields(step: int) -> dict[str, np.ndarray]:
    """Gust (m/s), temperature (K) and ww at ``step``; the rain and the snow (mm water
    equivalent) of the hour ending then."""
    lat, lon = np.meshgrid(GRID.latitudes, GRID.longitudes, indexing="ij")
    rng = np.random.default_rng([SEED, step])
    noise = _rain_noise()
    temperature = temperature_k(lat, lon, float(step))
    front = hourly_rain(lat, lon, step) * noise
    snow = hourly_rain(lat, lon, step, snow_rate) * noise
    warm_front = hourly_rain(lat, lon, step, freezing_rate) * noise
    frozen = temperature < 273.15
    freezing = np.where(frozen, warm_front, 0.0)
    rain = front + warm_front
    return {
        "vmax_10m": hourly_max_gust(lat, lon, step) + GUST_NOISE * _smooth_noise(rng, GRID.shape),
        "t_2m": temperature,
        "ww": weather_code(front, rain - freezing, snow, freezing, float(step)),
        "rain_1h": (rain + snow).astype(np.float32),
        "snow_1h": snow.astype(np.float32),
    }


def encode(
    param: str,
    values: np.ndarray,
    *,
    run: str,
    step: int,
    grid: RegularGrid | UnstructuredRef = GRID,
    member: int = 0,
    members: int = 1,
    interval: int = 1,
    production_status: int = RESEARCH_PRODUCT,
) -> bytes:
    """One GRIB2 message with DWD's ICON keys (see the module docstring).

    ``interval`` is the output interval an interval maximum or minimum covers; accumulations run
    from the start. ``member`` > 0 writes an ensemble member (product templates 1 and 11).
    """
    var = DWD_VARIABLES[param]
    reference = datetime.strptime(run, "%Y%m%d%H").replace(tzinfo=UTC)
    handle = eccodes.codes_grib_new_from_samples("GRIB2")
    try:
        base = dict(
            centre=78,  # edzw, DWD Offenbach
            subCentre=255,
            tablesVersion=19,
            localTablesVersion=1,
            significanceOfReferenceTime=1,
            productionStatusOfProcessedData=production_status,
            typeOfProcessedData=4 if member else 1,
            dataDate=int(f"{reference:%Y%m%d}"),
            dataTime=int(f"{reference:%H%M}"),
            discipline=var.grib[0],
            shapeOfTheEarth=6,
        )
        if isinstance(grid, RegularGrid):
            base |= dict(
                gridType="regular_ll",
                Ni=grid.nlon,
                Nj=grid.nlat,
                latitudeOfFirstGridPointInDegrees=grid.lat0,
                longitudeOfFirstGridPointInDegrees=grid.lon0 % 360,
                latitudeOfLastGridPointInDegrees=float(grid.latitudes[-1]),
                longitudeOfLastGridPointInDegrees=float(grid.longitudes[-1]) % 360,
                iDirectionIncrementInDegrees=grid.dlon,
                jDirectionIncrementInDegrees=grid.dlat,
                jScansPositively=1,
                iScansNegatively=0,
            )
        else:
            base |= dict(
                gridDefinitionTemplateNumber=101,
                numberOfGridUsed=grid.number,
                numberOfGridInReference=1,
            )
        for key, value in base.items():
            eccodes.codes_set(handle, key, value)
        if not isinstance(grid, RegularGrid):
            eccodes.codes_set_string(handle, "uuidOfHGrid", grid.uuid)
        statistical = var.statistical_process is not None
        template = {(False, False): 0, (True, False): 8, (False, True): 1, (True, True): 11}
        eccodes.codes_set(
            handle, "productDefinitionTemplateNumber", template[statistical, member > 0]
        )
        if member:
            eccodes.codes_set(handle, "typeOfEnsembleForecast", 192)
            eccodes.codes_set(handle, "perturbationNumber", member)
            eccodes.codes_set(handle, "numberOfForecastsInEnsemble", members)
        eccodes.codes_set(handle, "parameterCategory", var.grib[1])
        eccodes.codes_set(handle, "parameterNumber", var.grib[2])
        level = _LEVELS.get(param, 0)
        eccodes.codes_set(handle, "typeOfFirstFixedSurface", 103 if level else 1)
        if level:
            eccodes.codes_set(handle, "scaleFactorOfFirstFixedSurface", 0)
            eccodes.codes_set(handle, "scaledValueOfFirstFixedSurface", level)
        eccodes.codes_set(handle, "generatingProcessIdentifier", 11)
        eccodes.codes_set(handle, "typeOfGeneratingProcess", 4 if member else 2)
        eccodes.codes_set(handle, "indicatorOfUnitOfTimeRange", 1)
        if statistical:
            # Extremes over the preceding output interval; accumulation since the run start.
            start = 0 if var.kind == "accumulated" else max(step - interval, 0)
            eccodes.codes_set(handle, "typeOfStatisticalProcessing", var.statistical_process)
            eccodes.codes_set(handle, "forecastTime", start)
            eccodes.codes_set(handle, "lengthOfTimeRange", step - start)
        else:
            eccodes.codes_set(handle, "forecastTime", step)
        eccodes.codes_set(handle, "packingType", "grid_simple")
        eccodes.codes_set(handle, "bitsPerValue", 16)
        eccodes.codes_set_values(handle, np.asarray(values, dtype=np.float64).ravel())
        return eccodes.codes_get_message(handle)
    finally:
        eccodes.codes_release(handle)


def file_path(mirror: Path, param: str, step: int, run: str = RUN) -> Path:
    name = f"icon-d2_germany_regular-lat-lon_single-level_{run}_{step:03d}_2d_{param}.grib2.bz2"
    return mirror / "icon-d2" / "grib" / run[-2:] / param / name


def _write(mirror: Path, param: str, step: int, values: np.ndarray) -> None:
    dest = file_path(mirror, param, step)
    write_bytes_atomic(dest, bz2.compress(encode(param, values, run=RUN, step=step), 9))


def _write_instant(mirror: Path, step: int) -> tuple[np.ndarray, np.ndarray]:
    fields = instant_fields(step)
    _write(mirror, "vmax_10m", step, fields["vmax_10m"])
    _write(mirror, "t_2m", step, fields["t_2m"])
    if step:  # ICON-D2 writes no ww at step 0
        _write(mirror, "ww", step, fields["ww"])
    return fields["rain_1h"], fields["snow_1h"]


def write_scenario(mirror: Path, *, workers: int = 2) -> Path:
    """Write the scenario as a DWD-shaped tree under ``mirror``; reuse a complete earlier one.

    Returns the mirror root, to be used as the DWD base URL (``file://{mirror}``).
    """
    mirror = Path(mirror).resolve()
    stamp = mirror / ".crosswarn-scenario"
    fingerprint = f"{RUN} seed={SEED} steps={len(STEPS)} params={','.join(PARAMS)} v2\n"
    if stamp.exists() and stamp.read_text() == fingerprint:
        log.info("storm scenario already complete in %s", mirror)
        return mirror
    stamp.unlink(missing_ok=True)
    steps = list(STEPS)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        instant = pool.map(_write_instant, [mirror] * len(steps), steps)
        hourly = list(progress(instant, desc="scenario vmax_10m, t_2m, ww", total=len(steps)))
        # Accumulated since the run start, as DWD writes them.
        for param, part in (("tot_prec", 0), ("snow_gsp", 1)):
            totals = np.cumsum(np.stack([h[part] for h in hourly]), axis=0, dtype=np.float64)
            written = pool.map(_write, [mirror] * len(steps), [param] * len(steps), steps, totals)
            list(progress(written, desc=f"scenario {param}", total=len(steps)))
        zero = np.zeros(GRID.shape, dtype=np.float32)  # no convective snow (ICON-D2)
        list(pool.map(_write, [mirror] * len(steps), ["snow_con"] * len(steps), steps,
                      [zero] * len(steps)))  # fmt: skip
    stamp.write_text(fingerprint)
    log.info("storm scenario: %d files written under %s", 6 * len(steps) - 1, mirror)
    return mirror
