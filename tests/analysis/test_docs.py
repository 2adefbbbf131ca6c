"""The documented Python API runs as shown: the README's example and region_statistics'
docstring example, with the output they state."""

from __future__ import annotations

import contextlib
import doctest
import io
import re

from tests.conftest import ROOT


def test_the_readme_example_prints_what_it_says(shared_data, tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Region statistics for analysts", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    expected = [line.split("#", 1)[1].strip() for line in code.splitlines() if "print(" in line]
    monkeypatch.chdir(tmp_path)  # its .cache goes here
    code = code.replace('Path("../shared/data")', f"Path({str(shared_data)!r})")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    assert printed.getvalue().splitlines() == expected


def test_the_region_statistics_docstring_example():
    from pipeline.statistics import exceedance

    result = doctest.testmod(exceedance)
    assert result.attempted >= 5 and result.failed == 0
