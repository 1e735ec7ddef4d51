"""Transactions-only datasets (issue 16 item 1): accounts + transactions, reviewed with purchase KPIs.

Known answers on a hand-built purchase log, the cell selection that leaves the subscription sections out, and the
review notebooks 01-06 run with papermill (en and ja) on a small transactions-only folder and on CDNOW.
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from playbook import compute_kpis, load_dataset
from playbook.data.errors import DataValidationError
from playbook.data.paths import PROJECT_ROOT
from playbook.kpis import purchases
from playbook.report.dataset_cells import SUBSCRIPTION_TAG, TRANSACTIONS_TAG, select_cells
from playbook.report.kpi_views import purchase_drivers
from playbook.run.runs import KERNEL_ARGS, NOTEBOOKS_DIR

REVIEW = [
    NOTEBOOKS_DIR / f"{n}.ipynb"
    for n in (
        "01_data_check",
        "02_goal_setting",
        "03_kpi_metrics",
        "04_cohorts_and_ltv",
        "05_rfm_and_health",
        "06_pdca_review",
    )
]
CDNOW = PROJECT_ROOT / "data" / "cdnow"

# a tiny shop: a buys in Jan (2 orders) and Mar; b buys in Feb and gets a refund in Mar; c buys once in Mar
TX = pd.DataFrame(
    {
        "account_id": ["a", "a", "b", "a", "b", "c"],
        "date": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-03", "2026-03-01", "2026-03-02", "2026-03-09"]),
        "amount": [100.0, 50.0, 80.0, 30.0, -20.0, 40.0],
    }
)
MONTHS = pd.period_range("2026-01", "2026-03", freq="M")


def _values(f, **kw):
    return f(TX, MONTHS, **kw)["value"].tolist()


def test_purchase_kpis_known_answers():
    assert _values(purchases.revenue) == [150.0, 80.0, 50.0]  # Mar: 30 - 20 + 40 (the refund counts)
    assert _values(purchases.orders) == [2.0, 1.0, 2.0]  # the refund is not an order
    assert _values(purchases.buyers) == [1.0, 1.0, 2.0]  # Mar: a and c (b only refunded)
    assert _values(purchases.new_buyers) == [1.0, 1.0, 1.0]  # a in Jan, b in Feb, c in Mar
    assert _values(purchases.returning_buyers) == [0.0, 0.0, 1.0]  # a comes back in Mar
    assert _values(purchases.purchase_frequency) == [2.0, 1.0, 1.0]  # orders / buyers
    assert _values(purchases.avg_order_value) == [75.0, 80.0, 25.0]  # 150 / 2, 80 / 1, 50 / 2
    assert _values(purchases.revenue_per_customer) == [150.0, 80.0, 25.0]  # 50 / 2 buyers
    assert _values(purchases.trailing_revenue, window_months=2) == [150.0, 230.0, 130.0]
    assert _values(purchases.trailing_buyers, window_months=2) == [1.0, 2.0, 3.0]  # Feb-Mar: b, a, c
    notes = purchases.trailing_revenue(TX, MONTHS, window_months=2)["note"].tolist()
    assert notes == ["partial: 1 months of data", "", ""]


def test_buyers_split_into_new_and_returning_and_revenue_into_its_factors():
    rng = np.random.default_rng(7)
    n = 400
    tx = pd.DataFrame(
        {
            "account_id": rng.integers(0, 60, n).astype(str),
            "date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "amount": rng.gamma(2.0, 30.0, n),
        }
    )
    months = pd.period_range("2025-01", "2025-12", freq="M")
    b, new, old = (f(tx, months)["value"] for f in (purchases.buyers, purchases.new_buyers, purchases.returning_buyers))
    assert (b == new + old).all()
    assert new.sum() == tx["account_id"].nunique()  # every customer is new exactly once
    k = pd.concat(
        [
            getattr(purchases, f)(tx, months).assign(kpi=kid)
            for f, kid in (
                ("revenue", "revenue"),
                ("buyers", "buyers"),
                ("purchase_frequency", "purchase_frequency"),
                ("avg_order_value", "avg_order_value"),
            )
        ]
    )
    for m in months[1:]:
        d = purchase_drivers(k, m)
        assert d["revenue"] == pytest.approx(d["buyers"] * d["purchase_frequency"] * d["avg_order_value"])


def test_purchase_cohort_activity_keeps_months_with_orders():
    act = purchases.purchase_cohort_activity(TX)
    # b's March holds only a refund: not an active month
    assert act[["account_id", "month"]].astype(str).values.tolist() == [
        ["a", "2026-01"],
        ["a", "2026-03"],
        ["b", "2026-02"],
        ["c", "2026-03"],
    ]
    assert act["amount"].tolist() == [150.0, 30.0, 80.0, 40.0]


@pytest.fixture
def shop(tmp_path):
    """A transactions-only folder: 40 customers buying over 2025-2026 (accounts + transactions + dataset.yaml)."""
    rng = np.random.default_rng(3)
    folder = tmp_path / "shop"
    folder.mkdir()
    ids = [f"S{i:03d}" for i in range(40)]
    first = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 300, 40), unit="D")
    rows = []
    for cid, start in zip(ids, first):
        for k in range(int(rng.integers(1, 8))):
            day = start + pd.Timedelta(days=int(k * rng.integers(20, 90)))
            if day <= pd.Timestamp("2026-06-30"):
                rows.append((cid, day.strftime("%Y-%m-%d"), round(float(rng.gamma(2.0, 25.0)), 2)))
    tx = pd.DataFrame(rows, columns=["account_id", "date", "amount"])
    tx.insert(0, "transaction_id", [f"T{i}" for i in range(len(tx))])
    tx.to_csv(folder / "transactions.csv", index=False)
    signup = tx.groupby("account_id")["date"].min()
    pd.DataFrame({"account_id": signup.index, "signup_date": signup.to_numpy()}).to_csv(
        folder / "accounts.csv", index=False
    )
    (folder / "dataset.yaml").write_text("currency: USD\ntimezone: UTC\nas_of: 2026-06-30\n", encoding="utf-8")
    return folder


def test_a_transactions_only_folder_is_valid(shop):
    ds = load_dataset(shop)
    assert purchases.transactions_only(ds) and str(ds.first_month) == "2025-01"
    k = compute_kpis(ds, months=["2026-06"])
    assert {"revenue", "buyers", "revenue_12m", "active_buyers_12m", "new_buyers"} <= set(k["kpi"])
    assert k.loc[k["kpi"] == "mrr", "note"].item().startswith("not available")


def test_the_validate_command_accepts_it(shop, capsys):
    from playbook.run.cli import main

    assert main(["validate", "--data", str(shop)]) == 0
    assert "OK: 2 tables valid" in capsys.readouterr().out


def test_a_folder_with_accounts_only_names_transactions_as_an_alternative(shop):
    (shop / "transactions.csv").unlink()
    with pytest.raises(DataValidationError, match="or give mrr_monthly or transactions instead"):
        load_dataset(shop)


def test_a_subscription_dataset_keeps_its_kpis(sample_ds):
    k = compute_kpis(sample_ds, months=["2026-10"])
    assert not purchases.transactions_only(sample_ds)
    assert "revenue" not in set(k["kpi"]) and "mrr" in set(k["kpi"])  # the sample's review is unchanged
    asked = compute_kpis(sample_ds, months=["2026-10"], kpis=["revenue"])  # a KPI tree may still ask
    assert asked["value"].notna().all()


@pytest.mark.parametrize("path", REVIEW, ids=lambda p: p.stem)
def test_review_notebooks_tag_both_kinds_of_section(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = [c.get("id") for c in nb["cells"]]
    assert len(ids) == len(set(ids))
    for kind in (True, False):
        kept = select_cells(nb, kind)["cells"]
        drop = SUBSCRIPTION_TAG if kind else TRANSACTIONS_TAG
        assert not any(drop in c.get("metadata", {}).get("tags", []) for c in kept)
        tags = [c.get("metadata", {}).get("tags", []) for c in kept if c["cell_type"] == "markdown"]
        # narrative twins survive together: as many English as Japanese cells
        assert sum("lang-en" in t for t in tags) == sum("lang-ja" in t for t in tags)
    assert any(TRANSACTIONS_TAG in c.get("metadata", {}).get("tags", []) for c in nb["cells"])


def _run(path, tmp_path, data_dir, lang, month, kpi_tree=""):
    nb = select_cells(nbformat.read(path, as_version=4), True)
    src, out = tmp_path / f"in_{path.name}", tmp_path / f"out_{lang}_{path.name}"
    nbformat.write(nb, src)
    pm.execute_notebook(
        str(src),
        str(out),
        parameters={"month": month, "data_dir": str(data_dir), "kpi_tree": kpi_tree, "lang": lang},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(NOTEBOOKS_DIR),
        extra_arguments=KERNEL_ARGS,
    )
    done = nbformat.read(out, as_version=4)
    errors = [o for c in done.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert not errors, errors
    return json.dumps([c.get("outputs", []) for c in done.cells], ensure_ascii=False)


@pytest.mark.notebook
@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("path", REVIEW, ids=lambda p: p.stem)
def test_review_notebooks_run_on_a_transactions_only_folder(tmp_path, shop, path, lang):
    text = _run(path, tmp_path, shop, lang, "2026-06")
    assert ("Review month 2026-06" if lang == "en" else "対象月：2026年6月") in text
    assert "Traceback" not in text


@pytest.mark.notebook
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_review_of_cdnow_reaches_its_purchase_kgi(tmp_path, lang):
    text = _run(NOTEBOOKS_DIR / "06_pdca_review.ipynb", tmp_path, CDNOW, lang, "1998-06", str(CDNOW / "kpi_tree.yaml"))
    assert ("Annual revenue (12 months)" if lang == "en" else "年間売上（直近12か月）") in text
    assert (
        "bought well in the last 12 months but not recently"
        if lang == "en"
        else "よく購入していたのに最近は購入のない顧客"
    ) in text


def test_cdnow_is_converted_as_published():
    ds = load_dataset(CDNOW)
    assert len(ds.accounts) == 23570 and len(ds.transactions) == 69659
    assert ds.currency == "USD" and str(ds.as_of.date()) == "1998-06-30"
    assert ds.transactions["date"].min() == pd.Timestamp("1997-01-01")
    first = ds.transactions.groupby("account_id")["date"].min()
    assert (ds.accounts.set_index("account_id")["signup_date"] == first.reindex(ds.accounts["account_id"]).values).all()


@pytest.mark.notebook
def test_a_run_of_a_transactions_only_folder_keeps_the_purchase_sections(tmp_path, shop):
    from playbook.run.runs import run_review

    month = run_review(month="2026-06", data_dir=shop, out_dir=tmp_path, lang="ja", echo=lambda _line: None)
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and "accounts" not in manifest  # no health score, so no account pages
    report = (month / "03_kpi_metrics.html").read_text(encoding="utf-8")
    assert "購買：売上・購入者数・注文数" in report and "Traceback" not in report
    executed = nbformat.read(month / "03_kpi_metrics.ipynb", as_version=4)
    tags = [t for c in executed.cells for t in c.get("metadata", {}).get("tags", [])]
    assert SUBSCRIPTION_TAG not in tags and TRANSACTIONS_TAG in tags  # the subscription cells were left out
