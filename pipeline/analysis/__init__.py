"""Analysts' tools: region statistics of any GRIB or NetCDF file (``crosswarn aggregate``).

- :mod:`~pipeline.analysis.fields` (with :mod:`~pipeline.analysis.grib_fields`,
  :mod:`~pipeline.analysis.netcdf_fields` and :mod:`~pipeline.analysis.names`): a variable of
  the files as one field, by any of its names, with levels, times and members;
- :mod:`~pipeline.analysis.thresholds`: thresholds with units, in the data's units;
- :mod:`~pipeline.analysis.region_sets`: warning regions, NUTS 0-3, polygon files;
- :mod:`~pipeline.analysis.aggregate`: coverage and statistics; :mod:`~pipeline.analysis.output`
  writes them as CSV or CF NetCDF; :mod:`~pipeline.analysis.commands` is the command line.
"""
