"""The bench finds the seeds where CI puts them, and runs without them (it is not a timed test)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kefu.guard import bench
from kefu.settings import PROJECT_ROOT


def test_seeds_are_looked_for_beside_the_project_unless_overridden(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(bench.SEEDS_ENV, raising=False)
    assert bench.seeds_dir() == PROJECT_ROOT.parent / "shared" / "seeds"
    (tmp_path / "scripts.txt").write_text("亲，您好，请问有什么可以帮您？\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a seed", encoding="utf-8")
    monkeypatch.setenv(bench.SEEDS_ENV, str(tmp_path))
    assert bench.seeds_dir() == tmp_path
    assert bench.seed_texts() == ["亲，您好，请问有什么可以帮您？\n"]


def test_unreadable_or_missing_seeds_give_no_texts_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "broken.txt").write_bytes(b"\xff\xfe\x00 not utf-8")
    out = io.StringIO()
    assert bench.seed_texts(tmp_path, out) == []
    assert "skipping unreadable seed" in out.getvalue() and "broken.txt" in out.getvalue()
    assert bench.seed_texts(tmp_path / "absent") == []


def test_without_seeds_the_bench_says_so_and_times_the_synthetic_corpus(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(bench.SEEDS_ENV, str(tmp_path / "absent"))
    out = io.StringIO()
    bench.run(out, budget=0)  # three rounds per timing: seconds, not minutes
    report = out.getvalue()
    assert f"Seeds not found: no readable *.txt in {tmp_path / 'absent'}" in report
    assert "synthetic documents" in report
    assert "| matching: byte-view automaton (used), including building the byte view" in report
    assert "| full pipeline: Guard.check" in report
    assert "identical to the str automaton's on the whole corpus: yes" in report


@pytest.mark.skipif(not bench.seed_texts(), reason="seed documents not present beside the project")
def test_the_real_seeds_make_a_corpus_of_typical_messages() -> None:
    messages = bench.corpus(bench.seed_texts())
    assert len(messages) > 500
    assert all(10 <= len(m) <= 200 for m in messages)
