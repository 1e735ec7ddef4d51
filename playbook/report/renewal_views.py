"""Renewals (契約更新) as the review shows them: the renewal calendar, renewal rates by contract-end month, the ARR
expected to renew, and ``renewals.csv``.

The contract terms and rates are computed in :mod:`playbook.kpis.renewals` and
:mod:`playbook.analyses.renewals`; this module turns them into tables and sentences
in the review's language (words in ``playbook/texts/<lang>/renewals.yaml``).
"""

from __future__ import annotations

import pandas as pd

from playbook.analyses.renewals import WINDOWS, renewal_calendar, renewal_windows
from playbook.data.paths import resolve_path
from playbook.kpis.renewals import has_contract_terms, renewal_outcomes, renewal_rates
from playbook.kpis.snapshots import dataset_snapshots
from playbook.report.context import ReviewContext
from playbook.report.export import write_csv
from playbook.report.formatting import format_month, format_value
from playbook.report.labels import label
from playbook.texts import text

__all__ = ["RenewalView", "HISTORY_MONTHS", "HISTORY_GAP"]

#: The contract-end months (with a known outcome) the expected renewal ARR is compared with.
HISTORY_MONTHS = 12
#: How far (a share of ARR) the expected renewal share may exceed the past ARR renewal rate before the text warns.
HISTORY_GAP = 0.10


def _r(key: str, lang: str, /, **values) -> str:
    return text(f"renewals.{key}", lang, **values)


def _date(day, lang: str) -> str:
    if day is None or pd.isna(day):
        return "–"
    return _r("date", lang, y=day.year, m=day.month, d=day.day)


def _auto(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return _r("auto_renew.unknown", lang)
    return _r("auto_renew.yes" if bool(value) else "auto_renew.no", lang)


def _notice(code, deadline, lang: str) -> str:
    """The notice status in words: "cancellable until <date>", "notice period passed: renews automatically", ..."""
    code = code if isinstance(code, str) and code else "unknown"
    return _r(f"notice.{code}", lang, date=_date(deadline, lang))


class RenewalView:
    """The review's renewals: contracts ending in the next 30/60/90/180 days and renewal outcomes by end month.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language). The calendar counts from the review month's last day.
    health : HealthView, optional
        The review's health view (:class:`playbook.report.customer_views.HealthView`): its health scores and
        bands this month, and its churn-risk model's predictions for the review month, which weight the expected
        renewal ARR. Without it the calendar has no health or risk and no expected ARR is given.

    Examples
    --------
    >>> import playbook as pb
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> view = RenewalView(pb.open_review(month="2026-10", data_dir=SAMPLE_DIR))
    >>> view.windows[["days", "contracts"]].to_dict("list")
    {'days': [30, 60, 90, 180], 'contracts': [11, 22, 31, 74]}
    """

    def __init__(self, ctx: ReviewContext, health=None):
        self.ctx = ctx
        self.as_of = ctx.month.end_time.normalize()
        self.has_terms = has_contract_terms(ctx.ds.subscriptions)
        scores = None
        if health is not None:
            now = health.now[["account_id", "health", "band"]]
            pred = health.predictions[health.predictions["month"] == ctx.month][["account_id", "risk"]]
            scores = now.merge(pred, on="account_id", how="left")
        #: one row per account whose contract ends within 180 days (:func:`playbook.analyses.renewals.renewal_calendar`)
        self.calendar = renewal_calendar(
            ctx.ds.subscriptions, self.as_of, days=max(WINDOWS), accounts=ctx.ds.accounts, health=scores
        )
        #: contracts, ARR and expected renewal ARR per window (:func:`playbook.analyses.renewals.renewal_windows`)
        self.windows = renewal_windows(self.calendar)

    def outcomes(self, months: int = 12) -> pd.DataFrame:
        """Renewal rates of the last ``months`` contract-end months up to the review month.

        Parameters
        ----------
        months : int, default 12
            The number of contract-end months.

        Returns
        -------
        pandas.DataFrame
            :func:`playbook.kpis.renewals.renewal_rates` for the end months ``ctx.month - months + 1`` to
            ``ctx.month``, from the month-end MRR up to the review month (so the review month's outcome is
            pending).
        """
        ends = pd.period_range(self.ctx.month - months + 1, self.ctx.month, freq="M")
        if not self.has_terms or self.ctx.ds.subscriptions is None:
            return renewal_rates(pd.DataFrame(columns=["end_month", "mrr_before"]), ends)
        snaps = dataset_snapshots(self.ctx.ds, self.ctx.month)
        return renewal_rates(renewal_outcomes(self.ctx.ds.subscriptions, snaps, ends), ends)

    def windows_table(self) -> pd.DataFrame:
        """Per window (next 30, 60, 90, 180 days): contracts, ARR up for renewal, expected renewal ARR, auto-renewing.

        Returns
        -------
        pandas.DataFrame
            One row per window, headers and values in the review's language.
        """
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        w = self.windows
        return pd.DataFrame(
            {
                _r("col.window", lang): [_r("window", lang, days=d) for d in w["days"]],
                _r("col.contracts", lang): w["contracts"].to_numpy(),
                _r("col.arr", lang): [format_value(v, "currency", cur, lang) for v in w["arr"]],
                _r("col.expected_arr", lang): [format_value(v, "currency", cur, lang) for v in w["expected_arr"]],
                _r("col.expected_rate", lang): [format_value(v, "ratio", cur, lang) for v in w["expected_rate"]],
                _r("col.auto_renew_count", lang): w["auto_renew"].to_numpy(),
            }
        ).set_index(_r("col.window", lang))

    def calendar_table(self, days: int = 90) -> pd.DataFrame:
        """The contracts ending in the next ``days`` days, soonest first: the CSM's renewal list.

        Parameters
        ----------
        days : int, default 90
            The window, at most 180.

        Returns
        -------
        pandas.DataFrame
            One row per account (index = account id): account, CSM, ARR, contract end, days left, notice
            deadline, auto-renew, whether it can still be cancelled ("cancellable until <date>", "notice period
            passed: renews automatically", ...), health band and churn risk; a one-cell note when no contract ends in the window.
        """
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        rows = self.calendar[self.calendar["days_left"] <= days]
        if not self.has_terms or rows.empty:
            message = _r("no_terms", lang) if not self.has_terms else _r("none", lang, days=days)
            return pd.DataFrame({"": [message]}, index=[""])
        return pd.DataFrame(
            {
                _r("col.account", lang): rows["name"].to_numpy(),
                _r("col.csm", lang): rows["owner"].to_numpy(),
                _r("col.arr_account", lang): [format_value(v, "currency", cur, lang) for v in rows["arr"]],
                _r("col.contract_end", lang): [_date(d, lang) for d in rows["contract_end"]],
                _r("col.days_left", lang): rows["days_left"].to_numpy(),
                _r("col.notice_deadline", lang): [_date(d, lang) for d in rows["notice_deadline"]],
                _r("col.auto_renew", lang): [_auto(v, lang) for v in rows["auto_renew"]],
                _r("col.notice_status", lang): [
                    _notice(c, d, lang) for c, d in zip(rows["notice_status"], rows["notice_deadline"], strict=True)
                ],
                _r("col.band", lang): [label(b, lang) if isinstance(b, str) else "–" for b in rows["band"]],
                _r("col.risk", lang): [format_value(v, "ratio", cur, lang) for v in rows["risk"]],
            },
            index=pd.Index(rows["account_id"].to_numpy(), name=None),
        )

    def rates_table(self, months: int = 12) -> pd.DataFrame:
        """Renewal outcomes by contract-end month: contracts, renewed, logo and ARR renewal rates.

        Parameters
        ----------
        months : int, default 12
            The number of contract-end months, up to the review month (whose outcome is pending).

        Returns
        -------
        pandas.DataFrame
            One row per contract-end month, headers and values in the review's language; the ARR renewal rate is
            capped at each account's ARR before, the uncapped ratio beside it.
        """
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        r = self.outcomes(months)
        pending = _r("pending", lang)

        def money(values):
            return [format_value(v, "currency", cur, lang) for v in values]

        def ratio(values):
            return [format_value(v, "ratio", cur, lang) for v in values]

        known = r["renewed"].notna().to_numpy()
        return pd.DataFrame(
            {
                _r("col.end_month", lang): [format_month(m, lang) for m in r["end_month"]],
                _r("col.contracts", lang): r["contracts"].to_numpy(),
                _r("col.renewed", lang): [str(int(v)) if ok else pending for v, ok in zip(r["renewed"], known)],
                _r("col.logo_rate", lang): ratio(r["logo_rate"]),
                _r("col.arr_before", lang): money(r["arr_before"]),
                _r("col.arr_kept", lang): money(r["arr_kept"]),
                _r("col.arr_rate", lang): ratio(r["arr_rate"]),
                _r("col.arr_rate_uncapped", lang): ratio(r["arr_rate_uncapped"]),
            }
        ).set_index(_r("col.end_month", lang))

    def rates_note(self) -> str:
        """The sentence under the rates table: when an end month's outcome is known.

        Returns
        -------
        str
            One sentence naming the review month as pending.
        """
        return _r("rates_note", self.ctx.lang, month=format_month(self.ctx.month, self.ctx.lang))

    def expected_text(self, days: int = 90) -> str:
        """The ARR up for renewal in the next ``days`` days and the share expected to renew, with the method.

        Parameters
        ----------
        days : int, default 90
            One of the windows (30, 60, 90, 180).

        Returns
        -------
        str
            Two or three sentences: the contracts and ARR in the window, the expected renewal ARR weighted by
            churn risk, and how it is computed (or that no risk estimate is available).
        """
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        if not self.has_terms:
            return _r("no_terms", lang)
        w = self.windows.set_index("days").loc[days]
        values = {"days": days, "contracts": int(w["contracts"]), "arr": format_value(w["arr"], "currency", cur, lang)}
        if pd.isna(w["expected_arr"]):
            return _r("expected_none", lang, **values)
        out = _r(
            "expected",
            lang,
            **values,
            expected=format_value(w["expected_arr"], "currency", cur, lang),
            share=format_value(w["expected_rate"], "ratio", cur, lang),
        )
        out += " " if lang == "en" else ""
        out += _r("method", lang, month=format_month(self.ctx.month, lang))
        if int(w["without_risk"]):
            out += _r(
                "method_mean", lang, n=int(w["without_risk"]), risk=format_value(w["mean_risk"], "ratio", cur, lang)
            )
        past = self.outcomes(HISTORY_MONTHS + 1)
        past = past[past["renewed"].notna()]
        if past["arr_before"].sum() > 0:
            arr_rate = past["arr_kept"].sum() / past["arr_before"].sum()
            logo_rate = past["renewed"].sum() / past["contracts"].sum()
            ratio = lambda v: format_value(v, "ratio", cur, lang)
            out += _r("history", lang, months=HISTORY_MONTHS, arr_rate=ratio(arr_rate), logo_rate=ratio(logo_rate))
            if w["expected_rate"] - arr_rate > HISTORY_GAP:
                out += _r("history_gap", lang)
        return out

    def save(self, folder: str | None) -> list[str]:
        """Write ``renewals.csv`` (the 180-day calendar) into ``folder``, headers and words in the review's language.

        Parameters
        ----------
        folder : str or None
            Where to write (a run passes its folder); nothing is written when empty, or without contract terms.

        Returns
        -------
        list of str
            The names of the files written.
        """
        if not folder or not self.has_terms:
            return []
        lang, c = self.ctx.lang, self.calendar
        table = pd.DataFrame(
            {
                _r("col.account_id", lang): c["account_id"].to_numpy(),
                _r("col.account", lang): c["name"].to_numpy(),
                _r("col.csm", lang): c["owner"].to_numpy(),
                _r("col.arr_account", lang): c["arr"].round().astype("int64").to_numpy(),
                _r("col.contract_end", lang): [_date(d, lang) for d in c["contract_end"]],
                _r("col.days_left", lang): c["days_left"].to_numpy(),
                _r("col.window", lang): [_r("window", lang, days=d) for d in c["window"]],
                _r("col.notice_deadline", lang): [_date(d, lang) for d in c["notice_deadline"]],
                _r("col.auto_renew", lang): [_auto(v, lang) for v in c["auto_renew"]],
                _r("col.notice_status", lang): [
                    _notice(code, d, lang) for code, d in zip(c["notice_status"], c["notice_deadline"], strict=True)
                ],
                _r("col.health", lang): c["health"].round(1).to_numpy(),
                _r("col.band", lang): [label(b, lang) if isinstance(b, str) else "" for b in c["band"]],
                _r("col.risk", lang): c["risk"].astype("float64").round(3).to_numpy(),
            }
        )
        target = resolve_path(folder)
        target.mkdir(parents=True, exist_ok=True)
        write_csv(table, target / "renewals.csv")
        return ["renewals.csv"]
