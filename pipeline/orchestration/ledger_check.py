"""The ledger against the outbox: the ledger is the record of what was sent, the outbox holds
every message sent (until housekeeping prunes it). A message in the outbox that the ledger does
not know means the ledger was deleted, replaced or restored from an older backup: deciding on
it would send every live warning again as a new Alert, so runs refuse until it is restored
(crosswarn's choice: refuse with instructions rather than rebuild state from CAP files, which
do not hold the events' timelines). Messages the ledger knows but the outbox lacks are normal
(pruned, or not yet published) and only reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import LedgerMismatch


@dataclass(frozen=True)
class Comparison:
    ledger: str
    outbox: Path
    unknown: list[str]  # in the outbox, not in the ledger
    missing: list[str]  # in the ledger, not (or no longer) in the outbox

    def describe(self) -> str:
        lines = [f"ledger {self.ledger} against outbox {self.outbox}:"]
        lines.append(f"  {len(self.unknown)} message(s) in the outbox unknown to the ledger")
        lines += [f"    {name}" for name in self.unknown[:20]]
        lines.append(
            f"  {len(self.missing)} message(s) of the ledger not in the outbox "
            "(pruned by housekeeping or not yet published: no action needed)"
        )
        return "\n".join(lines)


def outbox_identifiers(outbox: Path) -> set[str]:
    """Identifiers of the CAP messages in the outbox (``{identifier}.xml``)."""
    if not outbox.is_dir():
        return set()
    return {p.name.removesuffix(".xml") for p in outbox.glob("*.xml") if not p.name.startswith(".")}


def compare(ledger, outbox: Path) -> Comparison:
    known = {m.identifier for m in ledger.messages()}
    held = outbox_identifiers(outbox)
    url = ledger.engine.url.render_as_string(hide_password=True)
    return Comparison(url, outbox, sorted(held - known), sorted(known - held))


def require_consistent(ledger, outbox: Path) -> None:
    """Refuse to decide on a ledger that does not know what the outbox says was sent."""
    found = compare(ledger, outbox)
    if found.unknown:
        raise LedgerMismatch(
            f"ledger {found.ledger} does not know {len(found.unknown)} message(s) in the outbox "
            f"{outbox} (first {found.unknown[0]}): it was deleted, replaced or restored from an "
            "older backup, and deciding on it would send live warnings again as new. Restore "
            "the ledger from its newest backup; or, to start afresh on purpose, move the outbox "
            "away as well. `crosswarn ledger check` compares the two."
        )
