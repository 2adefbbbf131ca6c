"""crosswarn: cross-border extreme-weather early warnings for the Benelux and its neighbours."""

from __future__ import annotations

__version__ = "0.1.0"
