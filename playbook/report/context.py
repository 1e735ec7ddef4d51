"""What every report view needs: the validated data, the review month and the language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from playbook.data.dataset import Dataset
from playbook.data.paths import display_path
from playbook.kpis.catalog import compute_kpis
from playbook.report.display import format_date
from playbook.report.formatting import format_month
from playbook.report.labels import label
from playbook.report.text import safe_markdown
from playbook.texts import text

__all__ = ["ReviewContext"]

#: The KPI table of the last review in this process: {key: (dataset, table)}; see :meth:`ReviewContext.kpis`.
_KPIS: dict = {}


@dataclass
class ReviewContext:
    """What a notebook needs after its parameters cell: the data, the month, the language.

    Made by :func:`playbook.open_review`; every view of the report layer takes it.

    Parameters
    ----------
    ds : Dataset
        The validated tables.
    month : pandas.Period
        The review month.
    lang : {"en", "ja"}
        The language of labels and texts.
    data_dir : Path
        The data folder (shown relative to the project root).
    kpi_tree : Path or None
        The KPI tree file, if any.
    company : Dataset or None
        The whole company's data when ``ds`` is one book of accounts (``segment``); None otherwise. Models
        that learn from every account (the churn-risk model, health bands) use it, then show the book.
    """

    ds: Dataset
    month: pd.Period
    lang: str
    data_dir: Path
    kpi_tree: Path | None
    company: Dataset | None = None

    def label(self, key: str) -> str:
        """The label of ``key`` in the context's language (see :func:`playbook.report.labels.label`)."""
        return label(key, self.lang)

    @property
    def history(self) -> pd.PeriodIndex:
        """Every month from the first month of subscription data to the review month."""
        return pd.period_range(self.ds.first_month, self.month, freq="M")

    def kpis(self) -> pd.DataFrame:
        """Every KPI of the catalog for every month of :attr:`history`: :func:`playbook.compute_kpis`, made once.

        The notebooks of a run share one kernel and one loaded dataset, so the table of the same data
        and months is made once and shared (notebooks 02, 03, 04 and 06 read it; at 200,000 accounts it
        takes about 20 seconds). The dataset is kept with the table, so its ``id`` is not reused.

        Returns
        -------
        pandas.DataFrame
            The long KPI table (``month``, ``kpi``, ``value``, ``numerator``, ``denominator``, ``n``,
            ``note``); a shallow copy, so a column added by one reader is not seen by the next.
        """
        key = (id(self.ds), tuple(str(m) for m in self.history))
        if key not in _KPIS:
            _KPIS.clear()  # one data set at a time
            _KPIS[key] = (self.ds, compute_kpis(self.ds, months=self.history))
        return _KPIS[key][1].copy(deep=False)

    def __repr__(self) -> str:  # no machine paths in notebook outputs
        return (
            f"ReviewContext(month={self.month}, lang={self.lang!r}, data={display_path(self.data_dir)!r}, {self.ds!r})"
        )

    def _repr_markdown_(self) -> str:
        ds = self.ds
        name = ds.settings.get("name") or display_path(self.data_dir)
        line = ""
        if self.company is not None and ds.segment:  # one book of accounts (a CSM's): say whose, under the set-up
            accounts, total = len(ds.accounts), len(self.company.accounts)
            sep = "、" if self.lang == "ja" else ", "
            book = sep.join(f"{label(c, self.lang)} {v}" for c, v in ds.segment.items())
            line = text("data_check.book", self.lang, book=book, accounts=accounts, total=total)
        return safe_markdown(
            text(
                "data_check.review",
                self.lang,
                month=format_month(self.month, self.lang),
                name=name,
                path=display_path(self.data_dir),
                tables=len(ds.tables),
                as_of=format_date(ds.as_of, self.lang),
                currency=ds.currency,
                timezone=ds.timezone,
            )
            + line
        )
