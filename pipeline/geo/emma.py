"""MeteoAlarm EMMA_ID conventions: ``{country}{number}``, land areas numbered from 001 and
marine and coastal water areas from 801 within each country (BE801, NL801-NL807 with the
Waddenzee and IJsselmeer, DE802)."""

from __future__ import annotations


def marine(region: str) -> bool:
    """Whether an EMMA_ID is a marine or coastal water area."""
    return region[2:3] == "8"
