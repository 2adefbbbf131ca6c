"""``crosswarn serve`` over HTTP: the public view shows public warnings only, the restricted
view only the consultations convening the signed-in crisis cell, nothing outside the indexed
files is ever served; all over a real server on loopback reading the demo run's outputs."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import shutil
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from lxml import etree

from pipeline.settings import DEFAULT_REGIONS_DIR
from tests.web.conftest import CAP, running


def _get(url: str, path: str, **headers) -> httpx.Response:
    return httpx.get(url + path, headers=headers, follow_redirects=False, timeout=30)


def _raw(url: str, path: str, **headers) -> tuple[int, bytes]:
    """A GET with the path sent exactly as given (no normalisation of dots or escapes)."""
    host = urlsplit(url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def _addresses() -> set[str]:
    data = yaml.safe_load((DEFAULT_REGIONS_DIR / "crisis_cells.yaml").read_text())
    return {c["address"] for c in data["crisis_cells"]}


def test_public_page_lists_each_warned_region_at_its_own_level(web, outputs):
    page = _get(web, "/?lang=en").text
    listed = dict(re.findall(r'data-region="(\w+)".*?class="level level-(\w+)"', page))
    assert listed == outputs["own"]  # every warned region, each at its highest own level
    assert '<html lang="en">' in page and 'id="map"' in page


def test_country_view_lists_only_that_countrys_regions(web, outputs):
    page = _get(web, "/?lang=en&country=LU").text
    listed = set(re.findall(r'data-region="(\w+)"', page))
    assert listed == {r for r in outputs["own"] if r.startswith("LU")} != set()
    assert 'data-country="LU"' in page


def test_public_responses_hold_nothing_restricted(web, outputs):
    """Every public page, API answer, region panel and linked CAP file: no address, no
    consultation, no Restricted message."""
    bodies = [_get(web, p).text for p in ("/", "/api/warnings", "/api/regions")]
    overviews = re.findall(r'href="(/bulletins/[^"]+\.html)"', bodies[0])
    assert overviews  # each country's overview bulletin, linked from the public page
    for link in overviews:
        bulletin = _get(web, link)
        image = re.search(r'<img src="([^"/]+\.png)"', bulletin.text)[1]
        assert _get(web, link.rsplit("/", 1)[0] + "/" + image).status_code == 200
        bodies.append(bulletin.text)
    for region in outputs["own"]:
        bodies.append(_get(web, f"/api/regions/{region}").text)
        panel = _get(web, f"/fragments/region?region={region}&lang=fr").text
        bodies.append(panel)
        for link in re.findall(r'href="(/cap/[^"]+)"', panel)[:1]:
            bodies.append(_get(web, link).text)
    restricted = [
        *_addresses(),
        *outputs["caps"],
        *(t["id"] for t in outputs["triggers"]),
        "Restricted",
        "mailto:",
    ]
    text = "\n".join(bodies)
    assert [word for word in restricted if word in text] == []
    assert "<scope>Public</scope>" in text  # the CAP files were read


def test_region_api_gives_levels_under_each_authority_and_the_timeline(web, outputs):
    region = "BE001"
    data = _get(web, f"/api/regions/{region}").json()
    source = data["sources"]["dwd-icon-d2"]
    levels = {h: e["by_authority"] for h, e in source["hazards"].items()}
    assert levels == outputs["by_authority"][region]
    caps = outputs["run"] / "cap"
    for bar in source["timeline"]:
        root = etree.parse(str(caps / f"{bar['identifier']}.xml")).getroot()
        info = root.find("c:info", CAP)
        assert bar["onset"] == info.findtext("c:onset", namespaces=CAP)
        assert bar["expires"] == info.findtext("c:expires", namespaces=CAP)
        assert info.findtext("c:area/c:geocode/c:value", namespaces=CAP) == region
    assert _get(web, "/api/regions/XX999").status_code == 404


def test_public_cap_files_are_served_and_restricted_ones_never(web, outputs):
    public = sorted((outputs["run"] / "cap").glob("*.xml"))[0]
    response = _get(web, f"/cap/{public.name}")
    assert response.status_code == 200 and response.content == public.read_bytes()
    assert response.headers["content-type"] == "application/cap+xml"
    for identifier in outputs["caps"]:  # consultation messages, in the outbox too
        assert _get(web, f"/cap/{identifier}.xml").status_code == 404


def test_a_restricted_cap_in_a_public_folder_is_not_served(web_out, outputs, tmp_path):
    """Scope is read from each file, never from its folder: a consultation message copied
    into a model run's cap/ folder (and listed in its feed) stays unserved."""
    out = tmp_path / "out"
    shutil.copytree(web_out, out)
    identifier = next(iter(outputs["caps"]))
    restricted = out / "consultation" / "2026011500" / "cap" / f"{identifier}.xml"
    run = out / "dwd-icon-d2" / "2026011500"
    shutil.copy(restricted, run / "cap" / restricted.name)
    feed = (run / "feed.atom").read_text()
    (run / "feed.atom").write_text(
        feed.replace("</feed>", f'<entry><link href="cap/{restricted.name}"/></entry></feed>')
    )
    with running(out, None, tmp_path / "cache") as url:
        assert _get(url, f"/cap/{identifier}.xml").status_code == 404
        assert identifier not in _get(url, "/api/warnings").text


@pytest.mark.parametrize(
    "path",
    [
        "/cap/../consultation/2026011500/triggers.json",
        "/cap/..%2Fconsultation%2F2026011500%2Ftriggers.json",
        "/cap/%2e%2e/%2e%2e/regions/crisis_cells.yaml",
        "/static/../app.py",
        "/static/%2e%2e/tokens.py",
        "/static/map.js/../../app.py",
        "/cap/.hidden.xml",
        "/api/regions/..%2f..%2fetc",
        "/%2e%2e/%2e%2e/etc/passwd",
    ],
)
def test_paths_outside_the_view_are_refused(web, path):
    status, body = _raw(web, path)
    assert status == 404
    assert b"crisis_cells" not in body and b"import " not in body and b"root:" not in body


def test_paths_outside_a_trigger_are_refused_to_its_own_cell(web, cells):
    auth = {"Authorization": f"Bearer {cells['tokens'][cells['own']]}"}
    trigger = cells["trigger"]["id"]
    for name in ("..%2F..%2Ftriggers.json", "..%2Fcap%2Fx.xml", "%2e%2e", "triggers.json"):
        status, body = _raw(web, f"/consultations/{trigger}/bulletins/{name}", **auth)
        assert status == 404 and b"crisis_cells" not in body


def _restricted_paths(cells, web) -> list[str]:
    trigger = cells["trigger"]["id"]
    own = {"Authorization": f"Bearer {cells['tokens'][cells['own']]}"}
    page = _get(web, "/consultations", **own).text
    bulletins = re.findall(rf'href="(/consultations/{re.escape(trigger)}/bulletins/[^"]+)"', page)
    assert any(b.endswith(".html") for b in bulletins)
    image = re.search(r'<img src="([^"/]+\.png)"', _get(web, bulletins[0], **own).text)[1]
    return [
        f"/consultations/cap/{cells['cap']}.xml",
        f"/api/consultations/{trigger}",
        *bulletins,
        bulletins[0].rsplit("/", 1)[0] + "/" + image,  # the bulletin's map, as it links it
    ]


def test_consultation_files_need_the_token_of_a_convened_cell(web, cells):
    """Anonymous: 401; a wrong token: 401; another crisis cell's token: 403; the convened
    cell's token, as a bearer header or as the login cookie: 200."""
    own, other = cells["tokens"][cells["own"]], cells["tokens"][cells["other"]]
    for path in _restricted_paths(cells, web):
        anonymous = _get(web, path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert _get(web, path, Authorization="Bearer x" + own).status_code == 401
        assert _get(web, path, Authorization=f"Bearer {other}").status_code == 403, path
        granted = _get(web, path, Authorization=f"Bearer {own}")
        assert granted.status_code == 200, path
        assert granted.headers["cache-control"] == "no-store"
        assert _get(web, path, Cookie=f"crosswarn_token={own}").status_code == 200


def test_each_cell_sees_its_own_consultations_and_addresses_only_when_signed_in(
    web, cells, outputs
):
    trigger = cells["trigger"]
    anonymous = _get(web, "/consultations")
    assert anonymous.status_code == 401 and "mailto:" not in anonymous.text
    own = _get(web, "/consultations", Authorization=f"Bearer {cells['tokens'][cells['own']]}")
    assert own.status_code == 200 and f'id="t-{trigger["id"]}"' in own.text
    shown = set(re.findall(r'<article id="t-([^"]+)"', own.text))
    assert shown == {t["id"] for t in outputs["triggers"] if cells["own"] in t["crisis_cells"]}
    assert {c["address"] for c in trigger["convene"]} <= set(
        re.findall(r'href="([^"]+)"', own.text)
    )
    other = _get(web, "/consultations", Authorization=f"Bearer {cells['tokens'][cells['other']]}")
    assert f'id="t-{trigger["id"]}"' not in other.text


def test_restricted_feed_lists_the_cells_consultations(web, cells, outputs):
    token = cells["tokens"][cells["own"]]
    response = _get(web, "/consultations/feed.atom", Authorization=f"Bearer {token}")
    assert response.headers["content-type"] == "application/atom+xml"
    root = etree.fromstring(response.content)
    atom = {"a": "http://www.w3.org/2005/Atom"}
    links = [link.get("href") for link in root.findall("a:entry/a:link", atom)]
    expected = {
        identifier
        for identifier, trigger in outputs["caps"].items()
        if cells["own"]
        in next(t for t in outputs["triggers"] if t["id"] == trigger)["crisis_cells"]
    }
    assert {link.removeprefix("/consultations/cap/").removesuffix(".xml") for link in links} == (
        expected
    )
    for link in links:
        assert _get(web, link, Authorization=f"Bearer {token}").status_code == 200
    assert _get(web, "/consultations/feed.atom").status_code == 401


def test_login_form_sets_a_strict_httponly_cookie_and_logout_clears_it(web, cells):
    token = cells["tokens"][cells["own"]]
    refused = httpx.post(f"{web}/login", data={"token": token + "x"})
    assert refused.status_code == 401 and "set-cookie" not in refused.headers
    accepted = httpx.post(f"{web}/login?lang=de", data={"token": token})
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/consultations?lang=de"
    cookie = accepted.headers["set-cookie"]
    assert cookie.startswith(f"crosswarn_token={token};")
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {p.strip() for p in cookie.split(";")}
    behind_tls = httpx.post(f"{web}/login", data={"token": token}, headers={
        "X-Forwarded-Proto": "https"})  # fmt: skip
    assert "Secure" in behind_tls.headers["set-cookie"]
    logout = httpx.post(f"{web}/logout", headers={"Cookie": f"crosswarn_token={token}"})
    assert logout.status_code == 303 and "Max-Age=0" in logout.headers["set-cookie"]


def test_every_answer_carries_the_security_headers(web, cells):
    token = cells["tokens"][cells["own"]]
    paths = ["/", "/api/warnings", "/static/map.js", "/nowhere", "/consultations", "/login"]
    for path in paths:
        headers = _get(web, path, Authorization=f"Bearer {token}").headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    page = _get(web, "/?lang=en&region=BE001").text
    # Nothing inline that the policy would have to allow: scripts, styles, event handlers.
    assert re.findall(r"<script(?![^>]*\bsrc=)|<style|<[^>]+\s(?:style|on\w+)=", page) == []


def test_language_comes_from_the_query_then_the_browser(web):
    assert '<html lang="fr">' in _get(web, "/?lang=fr").text
    german = _get(web, "/", **{"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}).text
    assert '<html lang="de">' in german and "Gewarnte Regionen" in german
    ranked = _get(web, "/", **{"Accept-Language": "en;q=0.5, nl;q=0.8, da"}).text
    assert '<html lang="nl">' in ranked  # Danish is not offered; Dutch is preferred to English
    assert '<html lang="en">' in _get(web, "/?lang=xx", **{"Accept-Language": "da"}).text
    for lang, word in (("nl", "Kaart"), ("fr", "Carte"), ("de", "Karte"), ("en", "Map")):
        assert word in _get(web, f"/?lang={lang}").text


def test_a_token_added_while_serving_is_accepted_and_replacing_it_revokes_the_old(
    web_out, cells, tmp_path
):
    from pipeline.web.tokens import add_token

    known = set(json.loads(cells["path"].read_text())["cells"])
    path = tmp_path / "tokens.json"
    with running(web_out, path, tmp_path / "cache") as url:
        assert _get(url, "/consultations", Authorization="Bearer anything").status_code == 401
        first = add_token(path, cells["own"], known)
        assert _get(url, "/consultations", Authorization=f"Bearer {first}").status_code == 200
        second = add_token(path, cells["own"], known)
        assert _get(url, "/consultations", Authorization=f"Bearer {first}").status_code == 401
        assert _get(url, "/consultations", Authorization=f"Bearer {second}").status_code == 200
    digest = json.loads(path.read_text())["cells"][cells["own"]]
    assert digest == hashlib.sha256(second.encode()).hexdigest()
