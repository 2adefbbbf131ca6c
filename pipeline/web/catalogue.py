"""What the web view shows, read from the output directory: each source's newest run (its
public warnings and their CAP files) and the newest consultation (restricted to its cells).

Outputs are read as the publishing stage writes them, and defensively: a file that is missing
or unreadable leaves its part of the view empty instead of failing the page. Whether a CAP file
is public is read from its ``<scope>``, never from the folder it lies in.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lxml import etree

from pipeline.publishing.cap_check import read_cap

log = logging.getLogger(__name__)

LEVELS = ("none", "yellow", "orange", "red")
#: The consultation's pseudo-source (see pipeline.orchestration.workdir.CONSULTATION).
CONSULTATION = "consultation"
_RUN = re.compile(r"^\d{10}$")
#: Names of files the view indexes: no path separators, no hidden files.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: A run's public overview bulletins: one page and map per country and language.
_OVERVIEW = re.compile(r"^overview-(?P<country>[A-Z]{2})-(?P<lang>[a-z]{2})\.(?:html|png)$")
_FLAT_LEVEL = re.compile(r"^(?P<hazard>[a-z0-9_]+)_level_(?P<country>[A-Z]{2})$")
_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class CapFile:
    """A CAP message on disk, with what the view needs of it."""

    identifier: str
    path: Path
    scope: str
    msg_type: str
    sent: str
    references: tuple[str, ...]
    info: tuple[dict, ...]

    @property
    def public(self) -> bool:
        return self.scope == "Public"

    def parameter(self, name: str) -> str | None:
        for info in self.info:
            values = info["parameters"].get(name)
            if values:
                return values[0]
        return None

    def regions(self) -> list[str]:
        return sorted(
            {
                code
                for info in self.info
                for area in info["areas"]
                for code in area["geocodes"].get("EMMA_ID", [])
            }
        )


@dataclass(frozen=True)
class Warning:
    """One public warning of one region: a timeline bar."""

    identifier: str
    region: str
    level: str
    onset: datetime
    expires: datetime
    events: dict[str, str]
    headlines: dict[str, str]


@dataclass(frozen=True)
class SourceRun:
    """A source's newest run: per warned region its levels per hazard (own country's and
    under every authority's criteria), and the public warnings in force."""

    source: str
    run: str
    status: str
    hazards: dict[str, dict[str, dict]]
    warnings: tuple[Warning, ...]
    overviews: dict[str, Path] = field(default_factory=dict)

    def overview_pages(self, country: str) -> list[tuple[str, str]]:
        """``(language, file name)`` of the country's overview bulletin pages."""
        return [
            (match["lang"], name)
            for name in sorted(self.overviews)
            if (match := _OVERVIEW.match(name)) and match["country"] == country
            if name.endswith(".html")
        ]

    def level(self, region: str) -> str:
        """The region's highest own-country level over all hazards."""
        levels = [h.get("level", "none") for h in self.hazards.get(region, {}).values()]
        return max(levels, key=LEVELS.index, default="none")


@dataclass(frozen=True)
class Trigger:
    """A joint-consultation trigger of the newest consultation, for its crisis cells only."""

    id: str
    hazard: str
    start: str
    end: str
    levels_by_country: dict[str, str]
    regions: dict[str, str]
    cells: frozenset[str]
    convene: tuple[dict, ...]
    cap: CapFile | None
    bulletins: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    runs: dict[str, SourceRun]
    public_caps: dict[str, Path]
    consultation_run: str | None
    triggers: dict[str, Trigger]


def read_cap_file(path: Path) -> CapFile | None:
    """The CAP message in ``path``, or None (logged) when it cannot be read."""
    try:
        cap = read_cap(path.read_bytes())
    except (OSError, etree.XMLSyntaxError, ValueError) as exc:
        log.warning("%s: not a readable CAP message (%s); left out of the web view", path, exc)
        return None
    return CapFile(
        identifier=cap["identifier"] or "",
        path=path,
        scope=cap["scope"] or "",
        msg_type=cap["msgType"] or "",
        sent=cap["sent"] or "",
        references=tuple(cap["references"]),
        info=tuple(cap["info"]),
    )


def latest_run(directory: Path) -> Path | None:
    """The newest run folder (YYYYMMDDHH) of a source; runs appear whole (swapped in)."""
    try:
        runs = [p for p in directory.iterdir() if _RUN.match(p.name) and p.is_dir()]
    except OSError:
        return None
    return max(runs, key=lambda p: p.name, default=None)


def sources(out_dir: Path) -> list[str]:
    """The model sources with published runs (not the consultation, outbox or reports)."""
    try:
        entries = sorted(p for p in out_dir.iterdir() if p.is_dir())
    except OSError:
        return []
    return [
        p.name
        for p in entries
        if p.name != CONSULTATION
        and _NAME.match(p.name)
        and (run := latest_run(p)) is not None
        and (run / "warnings.geojson").exists()
    ]


def fingerprint(out_dir: Path) -> tuple:
    """Changes whenever a run is published: the view is read again then."""
    parts = []
    for name in [*sources(out_dir), CONSULTATION]:
        run = latest_run(out_dir / name)
        if run is not None:
            stat = run.stat()
            parts.append((name, run.name, stat.st_ino, stat.st_mtime_ns))
    return tuple(parts)


def read_catalogue(out_dir: Path) -> Catalogue:
    """Everything the view shows of ``out_dir``, read once per publication."""
    runs, public_caps = {}, {}
    for source in sources(out_dir):
        run_dir = latest_run(out_dir / source)
        feed = _feed_hrefs(run_dir / "feed.atom")
        caps = _run_caps(run_dir, out_dir / "outbox", feed)
        public_caps.update({c.identifier: c.path for c in caps.values() if c.public})
        runs[source] = _source_run(source, run_dir, caps, feed)
    consultation = latest_run(out_dir / CONSULTATION)
    triggers = _triggers(consultation) if consultation is not None else {}
    return Catalogue(
        runs=runs,
        public_caps=public_caps,
        consultation_run=consultation.name if consultation is not None else None,
        triggers=triggers,
    )


def _run_caps(run_dir: Path, outbox: Path, feed: dict[str, str] | None) -> dict[str, CapFile]:
    """The run's CAP files and those its feed lists as in force from earlier runs, keyed by
    identifier."""
    paths = {p.name: p for p in sorted((run_dir / "cap").glob("*.xml")) if _NAME.match(p.name)}
    for name, href in (feed or {}).items():
        if name not in paths:
            paths[name] = _feed_file(run_dir, outbox, href)
    caps = {}
    for path in paths.values():
        cap = read_cap_file(path) if path.is_file() else None
        if cap is not None and cap.identifier:
            caps[cap.identifier] = cap
    return caps


def _feed_hrefs(feed: Path) -> dict[str, str] | None:
    """``{file name: href}`` of the CAP files an Atom feed links (its entries in force);
    None without a feed. Links with anything but a plain name, ``cap/`` or ``../{run}/cap/``
    before the name are ignored."""
    try:
        root = etree.fromstring(feed.read_bytes())
    except (OSError, etree.XMLSyntaxError):
        return None
    links = {}
    for link in root.iter(f"{_ATOM}link"):
        href = link.get("href", "")
        *folders, name = href.split("/")
        plain = folders in ([], ["cap"]) or (
            len(folders) == 3
            and folders[0] == ".."
            and _RUN.match(folders[1])
            and folders[2] == "cap"
        )
        if plain and _NAME.match(name) and name.endswith(".xml"):
            links[name] = href
    return links


def _feed_file(run_dir: Path, outbox: Path, href: str) -> Path:
    """Where a CAP file the feed links lies: in the earlier run its href names, else in the
    outbox (older feeds link plain names). ``href`` passed :func:`_feed_hrefs`' checks."""
    *folders, name = href.split("/")
    if len(folders) == 3:
        candidate = run_dir.parent / folders[1] / "cap" / name
        if candidate.is_file():
            return candidate
    return outbox / name


def _source_run(
    source: str, run_dir: Path, caps: dict[str, CapFile], feed: dict[str, str] | None
) -> SourceRun:
    hazards, status = {}, ""
    try:
        collection = json.loads((run_dir / "warnings.geojson").read_text(encoding="utf-8"))
        features = collection["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: unreadable warnings (%s); the view shows none", run_dir, exc)
        features = []
    for feature in features:
        props = feature.get("properties") or {}
        region = props.get("region")
        if isinstance(region, str):
            hazards[region] = hazard_levels(props)
            status = props.get("status", status)
    active = _in_force(caps, feed)
    warnings = tuple(w for cap in active for w in _warnings(cap))
    overviews = {p.name: p for p in (run_dir / "bulletins").glob("*") if _OVERVIEW.match(p.name)}
    return SourceRun(source, run_dir.name, status, hazards, warnings, overviews)


def hazard_levels(props: dict) -> dict[str, dict]:
    """``{hazard: {"level": own country's, "by_authority": {country: level}}}`` from a
    warnings.geojson feature (nested ``*_level_by_criteria`` or flat ``*_level_XX`` keys)."""
    hazards: dict[str, dict] = {}
    for key, value in props.items():
        if key.endswith("_level_by_criteria") and isinstance(value, dict):
            entry = hazards.setdefault(key.removesuffix("_level_by_criteria"), {})
            entry.setdefault("by_authority", {}).update(
                {c: v for c, v in value.items() if v in LEVELS}
            )
        elif (match := _FLAT_LEVEL.match(key)) and value in LEVELS:
            entry = hazards.setdefault(match["hazard"], {})
            entry.setdefault("by_authority", {})[match["country"]] = value
        elif key.endswith("_level") and value in LEVELS:
            hazards.setdefault(key.removesuffix("_level"), {})["level"] = value
    return {h: hazards[h] for h in sorted(hazards)}


def _in_force(caps: dict[str, CapFile], feed: dict[str, str] | None) -> list[CapFile]:
    """Public messages in force: those the feed lists (all of the run's without a feed),
    less cancellations and messages a later one replaced."""
    listed = None if feed is None else {href.removesuffix(".xml") for href in feed}
    chosen = [c for c in caps.values() if listed is None or c.identifier in listed]
    replaced = {ref.split(",")[1] for c in chosen for ref in c.references if ref.count(",") == 2}
    return [
        c
        for c in sorted(chosen, key=lambda c: c.identifier)
        if c.public and c.msg_type != "Cancel" and c.identifier not in replaced
    ]


def _warnings(cap: CapFile) -> list[Warning]:
    level = (cap.parameter("awareness_level") or "").split(";")
    if len(level) < 2 or level[1].strip() not in LEVELS[1:] or not cap.info:
        return []
    info = cap.info[0]
    try:
        onset = datetime.fromisoformat(info["onset"] or info["effective"])
        expires = datetime.fromisoformat(info["expires"])
    except (TypeError, ValueError):
        return []
    events = {(i["language"] or "en")[:2]: i["event"] or "" for i in cap.info}
    headlines = {(i["language"] or "en")[:2]: i["headline"] or "" for i in cap.info}
    return [
        Warning(cap.identifier, region, level[1].strip(), onset, expires, events, headlines)
        for region in cap.regions()
    ]


def _triggers(run_dir: Path) -> dict[str, Trigger]:
    try:
        listed = json.loads((run_dir / "triggers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable triggers (%s); no consultations shown", run_dir, exc)
        return {}
    caps = {}
    for path in sorted((run_dir / "cap").glob("*.xml")):
        cap = read_cap_file(path) if _NAME.match(path.name) else None
        if cap is None or cap.public:
            continue  # a public message is no consultation's, whatever folder it is in
        trigger = cap.parameter("crosswarn_trigger")
        if trigger and (trigger not in caps or caps[trigger].sent < cap.sent):
            caps[trigger] = cap
    bulletins = [p for p in sorted((run_dir / "bulletins").glob("*")) if _NAME.match(p.name)]
    triggers = {}
    for item in listed if isinstance(listed, list) else []:
        try:
            trigger_id = str(item["id"])
            cap = caps.get(trigger_id)
            keys = {trigger_id, cap.identifier} if cap else {trigger_id}
            triggers[trigger_id] = Trigger(
                id=trigger_id,
                hazard=str(item["hazard"]),
                start=str(item["start"]),
                end=str(item["end"]),
                levels_by_country=dict(item["levels_by_country"]),
                regions=dict(item["regions"]),
                cells=frozenset(item["crisis_cells"]),
                convene=tuple(item.get("convene", ())),
                cap=cap,
                bulletins={
                    p.name: p for p in bulletins if any(p.name.startswith(f"{k}-") for k in keys)
                },
            )
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("%s: a trigger without %s is left out", run_dir / "triggers.json", exc)
    return triggers
