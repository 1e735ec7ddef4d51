"""Shared fixtures: the committed sample company and tiny hand-built data folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbook.data.paths import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data" / "sample"

ACCOUNTS = """account_id,signup_date,name,region
00123,2026-01-05,株式会社サクラ,Kanto
A2,2026-01-20,Blue Peak,NA
A3,2026-02-03,ミドリ商事,Kansai
"""
SUBSCRIPTIONS = """subscription_id,account_id,start_date,end_date,mrr,plan,billing_period
S1,00123,2026-01-05,,10000,Starter,monthly
S2,A2,2026-01-20,2026-02-14,20000,Standard,monthly
S3,A3,2026-02-03,,50000,Enterprise,annual
"""


@pytest.fixture(autouse=True, scope="session")
def _usage_cache(tmp_path_factory):
    """Usage summaries of Parquet folders go to a temporary cache, not the user's home."""
    import os

    old = os.environ.get("PLAYBOOK_CACHE_DIR")
    os.environ["PLAYBOOK_CACHE_DIR"] = str(tmp_path_factory.mktemp("usage-cache"))
    yield
    if old is None:
        os.environ.pop("PLAYBOOK_CACHE_DIR", None)
    else:
        os.environ["PLAYBOOK_CACHE_DIR"] = old


@pytest.fixture(autouse=True)
def _fresh_health_model(request):
    """A test that patches a function (``monkeypatch``) gets a health model and KPI table made with the patch.

    The views of one process share the model and the KPI table made for the same dataset and month
    (:func:`playbook.report.customer_views._health_model`, :meth:`ReviewContext.kpis`); other tests
    reuse them as a run does.
    """
    from playbook.report import account_views, context, customer_views

    kept = (customer_views._MODELS, context._KPIS, account_views._SNAPSHOTS, account_views._ROWS)
    patched = "monkeypatch" in request.fixturenames
    if patched:
        for cache in kept:
            cache.clear()
    yield
    if patched:
        for cache in kept:
            cache.clear()


def write_folder(folder: Path, files: dict[str, str | bytes], *, base: bool = True) -> Path:
    """Write a data folder: the two required tables (unless ``base=False``) plus ``files``."""
    folder.mkdir(parents=True, exist_ok=True)
    content = ({"accounts.csv": ACCOUNTS, "subscriptions.csv": SUBSCRIPTIONS} if base else {}) | files
    for name, text in content.items():
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def make_folder(tmp_path):
    """``make_folder({"usage.csv": "..."})`` -> a data folder with accounts and subscriptions plus those files."""
    counter = iter(range(1000))

    def make(files: dict[str, str | bytes] | None = None, *, base: bool = True) -> Path:
        return write_folder(tmp_path / f"data{next(counter)}", files or {}, base=base)

    return make


@pytest.fixture(scope="session")
def sample_ds():
    from playbook import load_dataset

    return load_dataset(SAMPLE)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Show the comment themes' precision and recall per theme (set by tests/test_themes.py) after the run."""
    table = getattr(config, "_playbook_theme_scores", None)
    if table:
        terminalreporter.write_sep("-", "comment themes: precision and recall per theme")
        terminalreporter.write_line(table)
