"""Test data files."""

from pathlib import Path

#: Plausibility limits wide enough for the synthetic source trees (see the file).
SYNTHETIC_LIMITS = Path(__file__).with_name("plausibility-synthetic.yaml")
