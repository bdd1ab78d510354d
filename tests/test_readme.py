"""The README's first example runs as printed (real data, default parameters)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    exec(compile(blocks[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    accuracy = float(printed[0])
    assert 0.85 <= accuracy <= 1.0
    assert printed[1].startswith("['")  # labels as strings, as in the file
