"""Shared fixtures. Airflow's environment is set before anything imports airflow."""

from __future__ import annotations

import functools
import getpass
import http.server
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="crosswarn-airflow-home-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__PARALLELISM"] = "4"

SHARED_DATA = Path(os.environ.get("CROSSWARN_SHARED_DATA", ROOT.parent / "shared" / "data"))

#: The PostgreSQL server for ledger and scheduler tests (.ci/run starts one and sets both).
PG_URL = os.environ.get(
    "CROSSWARN_TEST_POSTGRES_URL",
    f"postgresql+pg8000://{getpass.getuser()}@/postgres"
    "?unix_sock=/var/run/postgresql/.s.PGSQL.5432",
)


def postgres_admin():
    """An AUTOCOMMIT engine on the test server: skipped when unreachable, a failure in CI."""
    from sqlalchemy import create_engine

    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect():
            pass
    except Exception as exc:
        message = f"no PostgreSQL server reachable at {PG_URL}: {type(exc).__name__}"
        if os.environ.get("CROSSWARN_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return admin


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: skipped when absent, a failure when CROSSWARN_REQUIRE_SHARED_DATA=1."""
    if not SHARED_DATA.is_dir():
        message = f"real sample data not found at {SHARED_DATA} (set CROSSWARN_SHARED_DATA)"
        if os.environ.get("CROSSWARN_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class LoopbackServer:
    """A real HTTP server on 127.0.0.1 serving a directory, with scripted faults per path.

    ``faults[path]`` (the path with or without its query) is a queue of what the next requests
    of ``path`` get instead of the file: an HTTP status code, ``(status, headers)`` (e.g. 429
    with Retry-After), ``"reset"`` (headers and half of the body, then the connection is
    closed), ``("sleep", seconds)`` before answering normally, or a callable run before
    answering normally (to change the served tree mid-download). ``routes[path]`` answers a
    path with a callable ``(handler) -> (status, headers, body)`` (an API). Range requests get
    206 Partial Content. ``seen`` records (path, request headers) of every request.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.faults: dict[str, list] = {}
        self.routes: dict[str, object] = {}
        self.requests: list[str] = []
        self.seen: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(_QuietHandler):
            def _answer(self, status: int, headers: dict, body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> tuple[int, bytes]:
                """The file's bytes, or the requested byte range of it (status 206)."""
                body = (server.root / self.path.split("?")[0].lstrip("/")).read_bytes()
                wanted = self.headers.get("Range")
                if not wanted:
                    return 200, body
                first, last = wanted.removeprefix("bytes=").split("-")
                return 206, body[int(first) : int(last) + 1]

            def do_GET(self) -> None:
                server.requests.append(self.path)
                server.seen.append((self.path, dict(self.headers)))
                bare = self.path.split("?")[0]
                queue = server.faults.get(self.path) or server.faults.get(bare)
                fault = queue.pop(0) if queue else None
                if isinstance(fault, int):
                    self.send_error(fault)
                    return
                if isinstance(fault, tuple) and isinstance(fault[0], int):
                    self._answer(fault[0], fault[1], b"")
                    return
                if fault == "reset":
                    status, body = self._body()
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if isinstance(fault, tuple) and fault[0] == "sleep":
                    time.sleep(fault[1])
                elif callable(fault):
                    fault()
                if bare in server.routes:
                    self._answer(*server.routes[bare](self))
                    return
                if self.headers.get("Range"):
                    try:
                        status, body = self._body()
                    except FileNotFoundError:
                        self.send_error(404)
                        return
                    self._answer(status, {"Content-Type": "application/octet-stream"}, body)
                    return
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def loopback(tmp_path: Path):
    root = tmp_path / "www"
    root.mkdir()
    with LoopbackServer(root) as server:
        yield server


@pytest.fixture(scope="session")
def scenario_mirror(tmp_path_factory) -> Path:
    """The storm scenario as a DWD mirror, written once per session."""
    from pipeline.tools.scenario import write_scenario

    return write_scenario(tmp_path_factory.mktemp("scenario") / "mirror")


DAG_ID = "crosswarn_dwd_icon_d2"
LOGICAL_DATE = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)  # run 00 UTC + 90 min


@pytest.fixture(scope="session")
def airflow_db():
    from airflow.utils import db

    db.resetdb()


@pytest.fixture(scope="session")
def demo_run(airflow_db, scenario_mirror, tmp_path_factory) -> Path:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    base = tmp_path_factory.mktemp("demo")
    # The demo's folders for the DAG runs here (tests read them from the returned path: each
    # test's own environment points at its temporary folders, see _own_folders).
    os.environ.update(
        CROSSWARN_DWD_BASE_URL=f"file://{scenario_mirror}",
        CROSSWARN_ARCHIVE_DIR=str(base / "archive"),
        CROSSWARN_WORK_DIR=str(base / "work"),
        CROSSWARN_OUT_DIR=str(base / "out"),
        CROSSWARN_CACHE_DIR=str(base / "cache"),
    )
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    for dag_id, logical_date in ((DAG_ID, LOGICAL_DATE), ("crosswarn_consultation", None)):
        dag = bag.dags[dag_id]
        for task in dag.tasks:
            task.retries = 0  # a failing task fails the test now instead of waiting for retries
        run = dag.test(logical_date=logical_date)
        assert run.state == DagRunState.SUCCESS, dag_id
    return base / "out" / "dwd-icon-d2" / "2026011500"


#: The user's folders a test must never write into (relative to the project).
USER_FOLDERS = (".cache", "out", "work", "archive", "scenario")


@pytest.fixture(autouse=True)
def _own_folders(tmp_path_factory, monkeypatch):
    """Every test works in temporary folders unless it sets its own: settings read from the
    environment never point at the project's .cache, out, work or archive."""
    base = tmp_path_factory.mktemp("crosswarn-dirs")
    for name in ("archive", "work", "out", "cache"):
        monkeypatch.setenv(f"CROSSWARN_{name.upper()}_DIR", str(base / name))


def _user_files() -> set[str]:
    return {
        str(p.relative_to(ROOT))
        for folder in USER_FOLDERS
        if (ROOT / folder).is_dir()
        for p in (ROOT / folder).rglob("*")
    }


def pytest_sessionstart(session) -> None:
    session.config._crosswarn_user_files = _user_files()


def pytest_sessionfinish(session, exitstatus) -> None:
    """Fail the run if any test wrote into the user's folders."""
    before = getattr(session.config, "_crosswarn_user_files", None)
    if before is None:
        return
    written = sorted(_user_files() - before)
    if written:
        session.exitstatus = 1
        print(f"\ntests wrote into the user's folders: {written[:10]}")


@pytest.fixture
def decompressions(monkeypatch) -> list[int]:
    """The size of every bz2 decompression crosswarn makes from here on (each goes through
    ``pipeline.sources.grib._inflate``)."""
    from pipeline.sources import grib

    sizes: list[int] = []
    real = grib._inflate

    def counted(data: bytes) -> bytes:
        sizes.append(len(data))
        return real(data)

    monkeypatch.setattr(grib, "_inflate", counted)
    return sizes
