"""The pieces of the distributed test: a clean installation of the built wheel, and services
started as separate processes that stop cleanly.

Each service runs in its own session (process group), logs to its own file and is stopped with
SIGTERM, as a service manager would; :meth:`Service.stop` reports whether the whole group exited
by itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def uv() -> str:
    """The uv the Makefile uses (on PATH, or bootstrapped into .tools)."""
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        raise RuntimeError("uv not found: run `make test`, which bootstraps it into .tools/")
    return found


def install_wheel(target: Path) -> Path:
    """Build crosswarn's wheel and install it with the locked runtime dependencies (the
    ``deploy`` extra, no dev group) into a new virtual environment at ``target``: the source
    tree is never on its path. Returns the environment's ``bin``."""
    dist = target.parent / "dist"
    requirements = target.parent / "requirements.txt"
    env = {**os.environ, "UV_COMPILE_BYTECODE": "1"}
    env.pop("VIRTUAL_ENV", None)
    steps = (
        [uv(), "build", "--wheel", "--out-dir", str(dist), str(ROOT)],
        [uv(), "export", "--project", str(ROOT), "--frozen", "--no-dev", "--extra", "deploy",
         "--no-emit-project", "--no-hashes", "--output-file", str(requirements)],
        [uv(), "venv", str(target), "--python", "3.11"],
    )  # fmt: skip
    for argv in steps:
        subprocess.run(argv, env=env, check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("crosswarn-*.whl")
    python = target / "bin" / "python"
    subprocess.run(
        [uv(), "pip", "install", "--python", str(python), "-r", str(requirements), str(wheel)],
        env=env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return target / "bin"


@dataclass
class Service:
    """One long-running process of the deployment."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Service:
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, chars: int = 2500) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n{text[-chars:]}"

    def stop(self, timeout: float = 60) -> str | None:
        """SIGTERM, then wait for the whole process group; None when it exited by itself,
        else what had to be killed."""
        if self.process is None:
            return None
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            return None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.process.poll()
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return None  # every process of the group is gone
            time.sleep(0.5)
        os.killpg(group, signal.SIGKILL)
        self.process.wait()
        return f"{self.name} did not stop within {timeout:.0f} s after SIGTERM; killed"


def wait_for(predicate, timeout: float, what: str, services: list[Service]) -> None:
    """Poll ``predicate`` every 2 s; on timeout, fail with each service's log tail (and say
    which services died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        dead = [s for s in services if not s.running()]
        if dead:
            break
        time.sleep(2)
    else:
        dead = []
    logs = "\n".join(s.tail() for s in services)
    died = f" ({', '.join(s.name for s in dead)} exited)" if dead else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{died}\n{logs}")
