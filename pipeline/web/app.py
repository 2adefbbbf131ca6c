"""The web view as a function from request to response: routes, the public API, and the
checks that keep restricted content restricted (see :mod:`pipeline.web.server` for the HTTP
side).

Nothing from a URL is joined into a file path: every file served is looked up by name among
those the catalogue indexed, a public CAP file is served only when its own ``<scope>`` says
Public, and a consultation's pages only to a crisis cell the trigger convenes.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs

from pipeline.assessment.criteria import load_criteria
from pipeline.errors import ConfigError
from pipeline.geo.regions import load_crisis_cells, load_regions
from pipeline.web import catalogue as cat
from pipeline.web.api import map_shapes, public_warnings, region_detail
from pipeline.web.labels import WORDS, choose_language
from pipeline.web.pages import COUNTRIES, View, message_page, public_page, region_panel
from pipeline.web.restricted import (
    consultations_page,
    login_page,
    login_required_page,
    restricted_feed,
)
from pipeline.web.tokens import cell_of, read_tokens

log = logging.getLogger(__name__)

COOKIE = "crosswarn_token"
#: Scripts, styles and images only from this server; no inline code, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: Bulletins are standalone documents with their own inline style and a map image.
BULLETIN_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC = {
    "map.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]*"


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


class WebView:
    """The view of one output directory for the regions and crisis cells of ``regions_dir``."""

    def __init__(
        self,
        out_dir: Path,
        regions_dir: Path,
        *,
        tokens_path: Path | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        regions = load_regions(regions_dir, cache_dir)
        self.regions = {r: (str(row["name"]), str(row["country"])) for r, row in regions.iterrows()}
        self.shapes = map_shapes(regions)
        self.criteria = load_criteria(regions_dir)
        self.cells = load_crisis_cells(regions_dir)
        self.tokens_path = tokens_path
        self._tokens: tuple[object, dict[str, str]] = (None, {})
        if tokens_path is not None:
            read_tokens(tokens_path, self.cells)  # a broken file stops the start, named
        self._catalogue: tuple[tuple, cat.Catalogue] | None = None
        self._lock = threading.Lock()

    # ---- state, read again when the files change ---------------------------------------

    def catalogue(self) -> cat.Catalogue:
        key = cat.fingerprint(self.out_dir)
        with self._lock:
            if self._catalogue is None or self._catalogue[0] != key:
                self._catalogue = (key, cat.read_catalogue(self.out_dir))
            return self._catalogue[1]

    def tokens(self) -> dict[str, str]:
        """The token digests; a file made unreadable while serving refuses everyone."""
        if self.tokens_path is None:
            return {}
        try:
            stat = self.tokens_path.stat()
            key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            return {}
        with self._lock:
            if self._tokens[0] != key:
                try:
                    self._tokens = (key, read_tokens(self.tokens_path, self.cells))
                except ConfigError as exc:
                    log.error("%s; every restricted request is refused until it is fixed", exc)
                    self._tokens = (key, {})
            return self._tokens[1]

    # ---- routing ------------------------------------------------------------------------

    def respond(self, request: Request) -> Response:
        path = request.path
        if "\x00" in path or "\\" in path or any(s in ("..", ".") for s in path.split("/")):
            return self._not_found(request)
        lang = choose_language(request.query.get("lang"), request.headers.get("accept-language"))
        country = request.query.get("country")
        view = View(
            lang=lang,
            source=request.query.get("source"),
            country=country if country in COUNTRIES else None,
            region=request.query.get("region"),
        )
        if path == "/login" and request.method in ("GET", "HEAD", "POST"):
            return self._login(request, view)
        if request.method == "POST":
            if path == "/logout":
                return _redirect(f"/?lang={lang}", cookie=f"{COOKIE}=; Max-Age=0; Path=/")
            return Response(HTTPStatus.METHOD_NOT_ALLOWED, headers={"Allow": "GET, HEAD"})
        if request.method not in ("GET", "HEAD"):
            return Response(HTTPStatus.METHOD_NOT_ALLOWED, headers={"Allow": "GET, HEAD, POST"})
        if path.startswith("/consultations") or path.startswith("/api/consultations/"):
            return self._restricted(request, view)
        return self._public(request, view)

    def _public(self, request: Request, view: View) -> Response:
        path = request.path
        if path == "/favicon.ico":  # asked for by browsers on pages without an icon link
            path = "/static/icon.svg"
        if path.startswith("/static/"):
            name = path.removeprefix("/static/")
            if name not in STATIC:
                return self._not_found(request)
            data = (resources.files("pipeline.web") / "static" / name).read_bytes()
            return Response(HTTPStatus.OK, data, {"Content-Type": STATIC[name]})
        if path == "/api/regions":
            return _json(self.shapes)
        catalogue = self.catalogue()
        view = _with_source(view, catalogue)
        if path == "/":
            return _html(public_page(view, catalogue.runs, self.regions, self.criteria))
        if path == "/fragments/region":
            run = catalogue.runs.get(view.source or "")
            if run is None or view.region not in self.regions:
                return self._not_found(request)
            return _html(region_panel(view, run, self.regions, self.criteria))
        if path == "/api/warnings":
            return _json(
                public_warnings(catalogue, self.shapes, self.regions, request.query.get("source"))
            )
        if match := re.fullmatch(rf"/api/regions/({_SEGMENT})", path):
            if match[1] not in self.regions:
                return self._not_found(request)
            return _json(region_detail(catalogue, self.regions, match[1]))
        if match := re.fullmatch(rf"/cap/({_SEGMENT})\.xml", path):
            return self._public_cap(request, catalogue, match[1])
        if match := re.fullmatch(rf"/bulletins/({_SEGMENT})/({_SEGMENT})", path):
            run = catalogue.runs.get(match[1])
            found = run.overviews.get(match[2]) if run else None
            if found is None or not found.is_file():
                return self._not_found(request)
            return _document(found)
        return self._not_found(request)

    def _public_cap(self, request: Request, catalogue: cat.Catalogue, identifier: str) -> Response:
        found = catalogue.public_caps.get(identifier)
        cap = cat.read_cap_file(found) if found else None
        if cap is None or not cap.public or cap.identifier != identifier:
            return self._not_found(request)  # read again: the file may have changed since
        return Response(
            HTTPStatus.OK, cap.path.read_bytes(), {"Content-Type": "application/cap+xml"}
        )

    def _restricted(self, request: Request, view: View) -> Response:
        cell = cell_of(_token(request.headers), self.tokens())
        if cell is None:
            return _html(
                login_required_page(view),
                HTTPStatus.UNAUTHORIZED,
                {"WWW-Authenticate": 'Bearer realm="crosswarn consultations"'},
            )
        catalogue = self.catalogue()
        mine = [t for t in catalogue.triggers.values() if cell in t.cells]
        path = request.path
        if path in ("/consultations", "/consultations/"):
            name = self.cells[cell].name
            return _private(_html(consultations_page(view, cell, name, mine, self.regions)))
        if path == "/consultations/feed.atom":
            updated = _issued(self.out_dir, catalogue.consultation_run)
            feed = restricted_feed(cell, mine, updated)
            return _private(Response(HTTPStatus.OK, feed, {"Content-Type": "application/atom+xml"}))
        if match := re.fullmatch(rf"/consultations/cap/({_SEGMENT})\.xml", path):
            trigger = next(
                (t for t in catalogue.triggers.values() if t.cap and t.cap.identifier == match[1]),
                None,
            )
            return self._for_cell(request, cell, trigger, lambda t: t.cap.path, "cap")
        if match := re.fullmatch(rf"/consultations/({_SEGMENT})/bulletins/({_SEGMENT})", path):
            trigger = catalogue.triggers.get(match[1])
            return self._for_cell(
                request, cell, trigger, lambda t: t.bulletins.get(match[2]), match[2]
            )
        if match := re.fullmatch(rf"/api/consultations/({_SEGMENT})", path):
            trigger = catalogue.triggers.get(match[1])
            if trigger is None:
                return self._not_found(request)
            if cell not in trigger.cells:
                return _forbidden()
            return _private(_json({"trigger": trigger.id, "regions": trigger.regions}))
        return self._not_found(request)

    def _for_cell(self, request, cell, trigger, locate, name: str) -> Response:
        """A file of ``trigger``: 404 when there is none, 403 when the trigger does not
        convene ``cell``."""
        if trigger is None:
            return self._not_found(request)
        if cell not in trigger.cells:
            return _forbidden()
        path = locate(trigger)
        if path is None or not path.is_file():
            return self._not_found(request)
        if name == "cap":
            return _private(
                Response(HTTPStatus.OK, path.read_bytes(), {"Content-Type": "application/cap+xml"})
            )
        return _private(_document(path))

    def _login(self, request: Request, view: View) -> Response:
        if request.method != "POST":
            return _html(login_page(view))
        fields = parse_qs(request.body.decode("utf-8", "replace"), max_num_fields=4)
        token = (fields.get("token") or [""])[0].strip()
        if cell_of(token, self.tokens()) is None:
            return _html(login_page(view, failed=True), HTTPStatus.UNAUTHORIZED)
        secure = "; Secure" if request.headers.get("x-forwarded-proto") == "https" else ""
        cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
        return _redirect(f"/consultations?lang={view.lang}", cookie=cookie)

    def _not_found(self, request: Request) -> Response:
        lang = choose_language(request.query.get("lang"), request.headers.get("accept-language"))
        words = WORDS[lang]
        return _html(
            message_page(View(lang), words["not_found"], words["not_found"]), HTTPStatus.NOT_FOUND
        )


def _with_source(view: View, catalogue: cat.Catalogue) -> View:
    """The view's source, else the source with the newest run."""
    if view.source in catalogue.runs:
        return view
    newest = max(catalogue.runs.values(), key=lambda r: (r.run, r.source), default=None)
    return View(view.lang, newest.source if newest else None, view.country, view.region)


def _token(headers: dict[str, str]) -> str | None:
    """The bearer token of the Authorization header, else of the session cookie."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    try:
        cookie = SimpleCookie(headers.get("cookie", ""))
    except CookieError:
        return None
    return cookie[COOKIE].value if COOKIE in cookie else None


def _issued(out_dir: Path, run: str | None) -> str:
    """When the newest consultation was issued (its summary), for the feed's <updated>."""
    if run is None:
        return "1970-01-01T00:00:00+00:00"
    try:
        summary = json.loads((out_dir / cat.CONSULTATION / run / "summary.json").read_text())
        return str(summary["issued"])
    except (OSError, ValueError, KeyError):
        return f"{run[:4]}-{run[4:6]}-{run[6:8]}T{run[8:10]}:00:00+00:00"


def _document(path: Path) -> Response:
    """A bulletin page (with its own inline style) or its map image."""
    kind = "image/png" if path.suffix == ".png" else "text/html; charset=utf-8"
    headers = {"Content-Type": kind, "Content-Security-Policy": BULLETIN_CSP}
    return Response(HTTPStatus.OK, path.read_bytes(), headers)


def _html(text: str, status: int = HTTPStatus.OK, headers: dict | None = None) -> Response:
    return Response(
        status, text.encode(), {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    )


def _json(data: object) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(HTTPStatus.OK, body, {"Content-Type": "application/json"})


def _private(response: Response) -> Response:
    """Restricted content is never stored by browsers or proxies."""
    response.headers.update({"Cache-Control": "no-store", "Vary": "Authorization, Cookie"})
    return response


def _forbidden() -> Response:
    return _private(
        Response(HTTPStatus.FORBIDDEN, b"not convened to this consultation\n", {
            "Content-Type": "text/plain; charset=utf-8"
        })
    )  # fmt: skip


def _redirect(location: str, *, cookie: str) -> Response:
    return _private(
        Response(HTTPStatus.SEE_OTHER, b"", {"Location": location, "Set-Cookie": cookie})
    )
