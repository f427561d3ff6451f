"""The bad-input catalogue's fixture: a sandbox whose snapshot says whether anything changed."""

from __future__ import annotations

import tempfile
from types import SimpleNamespace

import pytest

from .catalogue import snapshot


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A working folder, ``$HOME`` and ``$TMPDIR`` of the test's own, and a snapshot helper."""
    work, home, tmp = tmp_path / "work", tmp_path / "home", tmp_path / "tmp"
    for d in (work, home, tmp):
        d.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return SimpleNamespace(
        root=tmp_path, work=work, home=home, tmp=tmp, snapshot=lambda: snapshot(tmp_path)
    )
