"""Convert the CDNOW purchase log into a playbook data folder (accounts + transactions).

The source is ``CDNOW_master.txt`` (Fader & Hardie's CDNOW data set, as redistributed inside the
``lifetimes`` 0.11.3 wheel, MIT licence). Get it and run this script from the project root::

    .venv/bin/python -m pip download lifetimes==0.11.3 --no-deps -d /tmp/lt
    cd /tmp/lt && unzip -o -q Lifetimes-0.11.3-py3-none-any.whl 'lifetimes/datasets/*' && cd -
    .venv/bin/python data/cdnow/convert.py /tmp/lt/lifetimes/datasets/CDNOW_master.txt

The source has one row per customer and day: customer id, date (YYYYMMDD), number of CDs bought and
dollar value. A user converting their own order export does the same three things:

1. ``accounts.csv``: one row per customer id, with ``signup_date`` = the date of the first purchase
   (CDNOW did not record sign-ups);
2. ``transactions.csv``: one row per order with ``account_id``, ``date``, ``amount`` (the dollar value)
   and ``transaction_id`` (a running number); the CD count is kept as an extra column ``quantity``;
3. ``dataset.yaml``: currency, timezone and the export date (``as_of``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def convert(source: Path, out: Path = HERE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read ``CDNOW_master.txt`` and write ``accounts.csv`` and ``transactions.csv`` into ``out``."""
    raw = pd.read_csv(
        source,
        sep=r"\s+",
        skiprows=1,
        names=["customer_id", "date", "number_of_cds", "dollar_value"],
        dtype={"customer_id": str, "date": str},
    )
    raw["account_id"] = raw["customer_id"].str.zfill(5)  # the ids as CDNOW wrote them: 00001 .. 23570
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    raw = raw.sort_values(["date", "account_id"], kind="stable").reset_index(drop=True)
    transactions = pd.DataFrame(
        {
            "transaction_id": [f"T{i:05d}" for i in range(1, len(raw) + 1)],
            "account_id": raw["account_id"],
            "date": raw["date"].dt.strftime("%Y-%m-%d"),
            "amount": raw["dollar_value"].map(lambda v: f"{v:.2f}"),
            "quantity": raw["number_of_cds"],
        }
    )
    first = raw.groupby("account_id")["date"].min().sort_index()
    accounts = pd.DataFrame({"account_id": first.index, "signup_date": first.dt.strftime("%Y-%m-%d").to_numpy()})
    accounts.to_csv(out / "accounts.csv", index=False, lineterminator="\n")
    transactions.to_csv(out / "transactions.csv", index=False, lineterminator="\n")
    return accounts, transactions


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    accounts, transactions = convert(Path(sys.argv[1]))
    print(f"{len(accounts)} accounts, {len(transactions)} transactions written to {HERE}")
