"""Goal setting and the monthly review, ready to read: one object the notebooks 02 and 06 display.

``GoalReport.build(ctx)`` computes everything once (goal history, target paths,
SMART, scorecard, Act rules, actions, drivers); its methods return display tables
and sentences in the notebook's language. Without a KPI tree nothing fails: the
first text of a notebook (``tree_summary``, ``headline``) gives the full note, each
other section says so in one sentence, and the charts draw nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from playbook.data.paths import resolve_path
from playbook.kpis import fiscal
from playbook.report.context import ReviewContext
from playbook.report.export import write_csv
from playbook.report.formatting import format_change, format_delta, format_month, format_value
from playbook.report.kpi_views import month_bridge
from playbook.report.labels import label, render_note
from playbook.report.text import Markdown
from playbook.review import goals
from playbook.review import scorecard as review
from playbook.review.codes import (
    NONE,
    STATUSES,
    ActRule,
    KGIOutlook,
    NoProjection,
    Recommendation,
    Status,
    TreeCheck,
    Trend,
    Verdict,
)
from playbook.texts import has_text, text

__all__ = ["GoalReport", "build_scorecard", "scorecard_csv_columns", "scorecard_summary_lines"]

#: The columns of ``scorecard.csv``, in order (their headers in a language: ``texts/<lang>/review.yaml``, ``csv``).
SCORECARD_COLUMNS = (
    "id",
    "name",
    "kfs",
    "metric",
    "unit",
    "direction",
    "actual",
    "target",
    "gap",
    "attainment",
    "status",
    "previous_status",
    "change_1m",
    "trend",
    "trend_change",
    "trend_since",
    "trend_band",
    "owner",
    "deadline",
    "final_target",
    "note",
    # the KGI's outlook, the same on every row (:meth:`GoalReport.kgi_columns`): read back for the run's headline
    "kgi",
    "kgi_target",
    "kgi_projected",
    "kgi_outlook",
    # the fiscal year (texts/<lang>/fiscal.yaml, ``csv``): see :meth:`GoalReport.fiscal_rows`
    "fiscal_year",
    "fy_to_date",
    "fy_basis",
    "prior_fy_to_date",
    "prior_fy_total",
)
#: The fiscal-year columns of ``scorecard.csv`` (their headers: ``texts/<lang>/fiscal.yaml``, ``csv``).
FISCAL_COLUMNS = ("fiscal_year", "fy_to_date", "fy_basis", "prior_fy_to_date", "prior_fy_total")

_ENUMS = {
    "status": Status,
    "trend": Trend,
    "verdict": Verdict,
    "recommendation": Recommendation,
    "kgi_outlook": KGIOutlook,
}


def say(group: str, code, lang: str = "en") -> str:
    """The word for a code of the review in ``lang``: a status, trend, verdict, recommendation, SMART verdict, ....

    Parameters
    ----------
    group : str
        The kind of code: ``status``, ``trend``, ``verdict``, ``recommendation`` (the
        :mod:`playbook.review.codes` enums, looked up by member name), or a group of
        ``texts/<lang>/review.yaml`` keyed by the code itself (``check_status``, ``direction``, ``unit``,
        ``better``, ``cadence``, ``move``, ``action_status``).
    code : str
        The code; ``–`` (:data:`~playbook.review.codes.NONE`) and empty text come back as they are, and a
        code the catalog does not know (company data such as an action's own status) too.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        The word.

    Examples
    --------
    >>> say("status", "off track", "ja"), say("status", "off track"), say("trend", "–", "ja")
    ('未達', 'off track', '–')
    >>> say("recommendation", "keep the plan", "ja"), say("action_status", "paused", "ja")
    ('現行計画を継続', 'paused')
    """
    if not isinstance(code, str) or code in (NONE, ""):
        return "" if code is None or (not isinstance(code, str) and pd.isna(code)) else str(code)
    enum = _ENUMS.get(group)
    if enum is not None:
        try:
            key = enum(code).name.lower()
        except ValueError:
            return code
    else:
        key = code.replace(" ", "_").lower()
    return text(f"review.{group}.{key}", lang) if has_text(f"review.{group}.{key}") else code


def _join(items, lang: str, sep: str = "list") -> str:
    return text(f"review.sep.{sep}", lang).join(str(i) for i in items)


def _date(value, lang: str) -> str:
    """A date (YYYY-MM-DD) as a report writes it: ``2026-04-01`` / ``2026年4月1日``."""
    d = pd.Timestamp(value)
    return text("review.date", lang, year=d.year, month=d.month, day=d.day)


@dataclass
class GoalReport:
    """The goals and the monthly review of one review context, computed once by :meth:`build`.

    Parameters
    ----------
    ctx : ReviewContext
        The review: data, month and language.
    tree : KPITree or None
        The KPI tree of ``ctx.kpi_tree``; None when no tree was given.
    history, targets, smart, checks, card, statuses, act, plan : pandas.DataFrame or None
        Goal history, monthly targets, SMART check, tree checks, scorecard,
        status history, the Act rules that fired and the Act plan with one
        recommendation per KPI (all None without a tree).
    kpis : pandas.DataFrame or None
        The :func:`playbook.kpis.catalog.compute_kpis` table of the history.
    bridge : pandas.DataFrame or None
        The MRR bridge of the history (:func:`playbook.report.kpi_views.month_bridge`).
    """

    ctx: ReviewContext
    tree: goals.KPITree | None
    history: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    smart: pd.DataFrame | None = None
    checks: pd.DataFrame | None = None
    card: pd.DataFrame | None = None
    statuses: pd.DataFrame | None = None
    act: pd.DataFrame | None = None
    plan: pd.DataFrame | None = None
    kpis: pd.DataFrame | None = None
    bridge: pd.DataFrame | None = None

    @classmethod
    def build(cls, ctx: ReviewContext) -> GoalReport:
        """Compute the KPIs, the MRR bridge and, with a KPI tree, every goal table of the review.

        Parameters
        ----------
        ctx : ReviewContext
            The review: the data (``ctx.ds``), the review month (``ctx.month``),
            the language (``ctx.lang``) and the KPI tree file (``ctx.kpi_tree``).

        Returns
        -------
        GoalReport
            The report with ``kpis`` and ``bridge`` for every month from the
            data's first month to the review month, and, when there is a tree,
            ``history``, ``targets``, ``smart``, ``checks``, ``card``,
            ``statuses``, ``act`` and ``plan``.

        Raises
        ------
        DataValidationError
            When the KPI tree file is missing or invalid, or the review month is
            not a complete month of the data.
        """
        start = fiscal.fiscal_year_start(ctx.ds)
        tree = goals.load_kpi_tree(ctx.kpi_tree, fiscal_year_start=start) if ctx.kpi_tree else None
        rep = cls(ctx=ctx, tree=tree)
        months = ctx.history
        rep.kpis = ctx.kpis()  # the run's KPI table, made once per dataset and month
        rep.bridge = month_bridge(ctx.ds, months)
        if tree is None:
            return rep
        rep.history = goals.goal_history(ctx.ds, tree, months, kpis=rep.kpis)
        rep.targets = goals.target_paths(tree, rep.history, months)
        rep.smart = goals.smart_check(tree, ctx.ds, rep.history, ctx.month)
        rep.checks = goals.tree_checks(tree)
        rep.card = review.scorecard(tree, rep.history, rep.targets, ctx.month, lang=ctx.lang)
        rep.statuses = review.status_history(tree, rep.history, rep.targets)
        rep.act = review.act_recommendations(tree, rep.statuses, rep.smart, rep.checks, ctx.month)
        rep.plan = review.act_plan(tree, rep.act, rep.statuses, rep.smart, ctx.ds.actions, ctx.month)
        return rep

    def scorecard_rows(self, lang: str | None = None) -> pd.DataFrame | None:
        """The scorecard as a run writes it to ``scorecard.csv``: one row per KPI (None without a KPI tree).

        In English the headers are the column codes and the words the review's codes, as they
        always were; in Japanese the headers, statuses, trends, directions and units are in Japanese,
        months read 2026年7月 and the note is worded (:func:`playbook.report.labels.render_note`).
        Numbers stay numbers in both.

        Parameters
        ----------
        lang : {"en", "ja"}, optional
            The language; the report's by default.

        Returns
        -------
        pandas.DataFrame or None
            ``id``, ``name``, ``kfs``, ``metric``, ``unit``, ``direction``, ``actual``, ``target``, ``gap``,
            ``attainment``, ``status``, ``previous_status``, ``change_1m``, ``trend``, ``trend_change``,
            ``trend_since``, ``trend_band`` (see :func:`playbook.review.scorecard.three_month_trend`),
            ``owner``, ``deadline``, ``final_target``, ``note``, the KGI's outlook (:meth:`kgi_columns`, the
            same on every row), then the fiscal year's columns of
            :meth:`fiscal_rows` (``fiscal_year`` as a label, ``fy_basis`` as a word in Japanese)
            (:func:`scorecard_csv_columns` in ``lang``).
        """
        if self.tree is None:
            return None
        lang = lang or self.lang
        card = self.card.copy()
        card.insert(2, "name", card.pop("kpi"))
        card = card.join(self.fiscal_rows(), on="id")
        card = card.assign(**self.kgi_columns(lang))
        card = card[list(SCORECARD_COLUMNS)]
        card["fy_basis"] = [text(f"fiscal.how.{v}", lang) for v in card["fy_basis"]]
        if lang != "en":
            card["fiscal_year"] = [fiscal.label_of_code(v, lang) for v in card["fiscal_year"]]
        for col, group in (("status", "status"), ("previous_status", "status"), ("trend", "trend")):
            card[col] = [say(group, v, lang) for v in card[col]]
        card["direction"] = [say("better", v, lang) for v in card["direction"]]
        card["unit"] = [say("unit", v, lang) for v in card["unit"]]
        card["kgi_outlook"] = [say("kgi_outlook", v, lang) for v in card["kgi_outlook"]]
        card["note"] = [render_note(v, lang) if isinstance(v, str) and v else "" for v in card["note"]]
        if lang != "en":  # months as the report writes them (English keeps the ISO months it always had)
            for col in ("trend_since", "deadline"):
                card[col] = [format_month(v, lang) if v else v for v in card[col]]
        return card.rename(columns=dict(zip(SCORECARD_COLUMNS, scorecard_csv_columns(lang), strict=True)))

    def kgi_columns(self, lang: str | None = None) -> dict:
        """The KGI's outlook as the scorecard's last columns carry it (the same on every row).

        Parameters
        ----------
        lang : {"en", "ja"}, optional
            The language of the KGI's name; the report's by default.

        Returns
        -------
        dict
            ``kgi`` (its name in ``lang``), ``kgi_target``, ``kgi_projected`` (the KGI metric at the deadline at
            the current pace, or its value once the deadline has passed) and ``kgi_outlook`` (a
            :class:`~playbook.review.codes.KGIOutlook` code); NaN and empty text without a projection.
        """
        kgi = self.tree.kgi
        p = self.projection()
        if not p["applicable"]:
            return {"kgi": kgi.display_name(lang or self.lang), "kgi_target": kgi.target, "kgi_projected": np.nan,
                    "kgi_outlook": ""}  # fmt: skip
        value = p["projected"] if p["months_left"] > 0 else p["current"]
        return {
            "kgi": kgi.display_name(lang or self.lang),
            "kgi_target": float(kgi.target),
            "kgi_projected": float(value),
            "kgi_outlook": str(p["outlook"]),
        }

    @property
    def fiscal_year_start(self) -> int:
        """The fiscal year's first month of the data (``fiscal_year_start`` in ``dataset.yaml``; 1 by default).

        Returns
        -------
        int
            1 to 12.
        """
        return fiscal.fiscal_year_start(self.ctx.ds)

    def fiscal_rows(self) -> pd.DataFrame | None:
        """Each KPI goal's value for the fiscal year to date, with the previous fiscal year's (None without a tree).

        How the months make one value depends on the KPI (:func:`playbook.kpis.fiscal.aggregation`): flows
        (new MRR, new customers, ...) are summed; levels (MRR, ARR, paying customers, ...) give their change
        since the fiscal year began; rates, ratios and averages give the mean of the monthly values.

        Returns
        -------
        pandas.DataFrame or None
            Indexed by goal id: ``fiscal_year`` (the code of the review month's fiscal year, ``FY2026``),
            ``fy_to_date`` (from the fiscal year's first month to the review month), ``fy_basis`` (``sum``,
            ``change`` or ``mean``), ``prior_fy_to_date`` (the same months of the previous fiscal year) and
            ``prior_fy_total`` (the whole previous fiscal year; NaN when the data does not cover it all).
        """
        if self.tree is None:
            return None
        start, month = self.fiscal_year_start, self.ctx.month
        prior_end = fiscal.fiscal_year_end(fiscal.fiscal_year(month, start) - 1, start)
        rows = []
        for g in self.tree.kpis:
            values = self.history[self.history["goal"] == g.id].set_index("month")["value"]
            how = fiscal.aggregation(g.metric)
            totals = fiscal.fiscal_totals(values[values.index <= prior_end], start, how)
            prior = totals.loc[f"FY{fiscal.fiscal_year(prior_end, start)}"] if len(totals) else None
            rows.append(
                {
                    "id": g.id,
                    "fiscal_year": fiscal.fiscal_code(month, start),
                    "fy_to_date": fiscal.fy_to_date(values, month, start, how),
                    "fy_basis": how,
                    "prior_fy_to_date": fiscal.fy_to_date(values, month - 12, start, how),
                    "prior_fy_total": prior["value"] if prior is not None and prior["complete"] else np.nan,
                }
            )
        return pd.DataFrame(rows).set_index("id")

    def _fy_to_date_text(self, r, metric: str, unit: str) -> str:
        """One row of :meth:`fiscal_rows` as the scorecard shows it: the value and how it was made."""
        if pd.isna(r["fy_to_date"]):
            return NONE
        if r["fy_basis"] == "change":
            value = format_delta(r["fy_to_date"], unit, self.ctx.ds.currency, self.lang)
            year = fiscal.fiscal_year(self.ctx.month, self.fiscal_year_start)
            before = fiscal.fiscal_months(year, self.fiscal_year_start)[0] - 1  # the previous fiscal year's last month
            return text("fiscal.basis.change", self.lang, value=value, month=self._month(before))
        return text(f"fiscal.basis.{r['fy_basis']}", self.lang, value=self._fmt(r["fy_to_date"], metric))

    def save_scorecard(self, path: str | Path | None) -> None:
        """Write :meth:`scorecard_rows` (in the report's language) as UTF-8 CSV with a BOM to ``path``; nothing without a path or a tree.

        Parameters
        ----------
        path : str, Path or None
            Where to write; relative paths resolve from the project root.

        Returns
        -------
        None
            The file is written as a side effect.
        """
        card = self.scorecard_rows()
        if path and card is not None:
            write_csv(card, resolve_path(path))

    # ------------------------------------------------------------------ helpers
    @property
    def lang(self) -> str:
        """The report's language.

        Returns
        -------
        str
            ``ctx.lang``: ``"en"`` or ``"ja"``.
        """
        return self.ctx.lang

    def _no_tree(self) -> str:
        """The full note, said once per notebook (by :meth:`tree_summary` and :meth:`headline`)."""
        return text("review.no_tree", self.lang)

    def _none(self, what: str) -> Markdown:
        """The one sentence a section says when it has nothing to show (``review.none.<what>``)."""
        return Markdown(text(f"review.none.{what}", self.lang))

    def _t(self, key: str, **values) -> str:
        """The text of ``review.<key>`` in the report's language."""
        return text(f"review.{key}", self.lang, **values)

    def _month(self, month) -> str:
        return format_month(month, self.lang)

    def _fmt(self, value: float, metric: str) -> str:
        from playbook.kpis.catalog import kpi

        return format_value(value, kpi(metric).unit, self.ctx.ds.currency, self.lang)

    # ------------------------------------------------------------------ plan (notebook 02)
    def tree_summary(self) -> str:
        """The KPI tree in a few Markdown lines: the KGI, then each KFS with its KPIs.

        Returns
        -------
        str
            A line with the KGI's name, metric, target and deadline, and one bullet
            per KFS listing its KPIs by name; without a tree, a sentence saying so.
        """
        if self.tree is None:
            return self._no_tree()
        t, lang = self.tree, self.lang
        target = self._fmt(t.kgi.target, t.kgi.metric)
        lines = [
            self._t(
                "tree.kgi",
                name=t.kgi.display_name(lang),
                metric=label(t.kgi.metric, lang),
                target=target,
                deadline=self._month(t.kgi.deadline),
            )
        ]
        for f in t.kfs:
            names = _join((t.kpi(k).name(lang) for k in f.kpis), lang)
            lines.append(self._t("tree.kfs", name=f.display_name(lang), kpis=names))
        return "\n".join(lines)

    def _delta(self, value: float, metric: str, **kw) -> str:
        from playbook.kpis.catalog import kpi

        return format_delta(value, kpi(metric).unit, self.ctx.ds.currency, self.lang, **kw)

    def _smart_reasons(self, r) -> dict[str, str]:
        """The reason of each SMART letter for one row of ``smart``, numbers in the KPI's unit, in the report's language."""
        lang, g = self.lang, self.tree.kpi(r.goal)
        fmt = lambda v: self._fmt(v, r.metric)
        pace = lambda v: self._delta(v, r.metric)
        better = lambda d: say("direction", d, lang)
        out = {}
        if r.S == "pass":
            name = label(r.metric, lang)
            out["S"] = self._t("smart.S.pass", metric=name, target=fmt(r.target), direction=better(g.direction))
        else:
            out["S"] = self._t("smart.S.warn", direction=better(g.direction), catalog=better(r.catalog_direction))
        if r.M_code == "measured":
            out["M"] = self._t("smart.M.measured", value=fmt(r.baseline), month=self._month(r.baseline_month))
        elif r.M_code == "missing table":
            out["M"] = self._t("smart.M.missing_table", tables=_join(r.missing_tables, lang, "and"))
        else:
            note = render_note(r.M_note, lang) if r.M_note else say("status", Status.NO_DATA, lang)
            out["M"] = self._t("smart.M.no_baseline", note=note)
        values = {"needed": pace(r.needed), "best": pace(r.best_pace), "baseline": fmt(r.baseline)}
        values |= {"target": fmt(r.target), "limit": self.tree.limits["achievable_multiple"]}
        values["ratio"] = r.needed / r.best_pace if r.A_code == "stretch" else np.nan
        out["A"] = self._t(f"smart.A.{r.A_code.replace(' ', '_')}", **values)
        kfs = next(f for f in self.tree.kfs if f.id == g.kfs).display_name(lang)
        if np.isnan(r.correlation):
            out["R"] = self._t("smart.R.too_little_history", kfs=kfs, n=r.correlation_n)
        else:
            rr = f"{r.correlation:+.2f}".replace("-", "−")
            floor = self.tree.limits["min_correlation"]
            if r.correlation < 0:
                how = "against"
            elif r.correlation < floor:
                how = "weak"
            else:  # moved with the KGI: both improved, or both worsened (that is no improvement)
                how = "related" if not r.kgi_change < 0 else "related_down"
            out["R"] = self._t(f"smart.R.{how}", kfs=kfs, r=rr, n=r.correlation_n)
            if r.R != "pass":
                out["R"] += self._t("smart.R.below", floor=floor)
        deadline = self._month(g.deadline)
        if r.T == "pass":
            out["T"] = self._t("smart.T.ahead", deadline=deadline, cadence=say("cadence", g.cadence, lang))
        else:
            out["T"] = self._t("smart.T.passed", deadline=deadline, month=self._month(self.ctx.month))
        return out

    def smart_table(self) -> pd.DataFrame | Markdown:
        """The SMART check of every KPI goal: a verdict and its reason per letter.

        Returns
        -------
        pandas.DataFrame or Markdown
            One row per KPI goal (index = its name) with the columns S, M, A, R
            and T (pass, warn or fail, in the report's language), each followed by
            its reason column ("S (why)", ...), every number in the KPI's unit
            (percentages, points, hours, money; paces as a change a month).
            Without a KPI tree, one sentence saying there is nothing to check.
        """
        if self.tree is None:
            return self._none("smart")
        rows = []
        for r in self.smart.itertuples(index=False):
            goal = self.tree.kpi(r.goal)
            reasons = self._smart_reasons(r)
            row = {"KPI": goal.name(self.lang)}
            for letter in "SMART":
                row[letter] = say("check_status", getattr(r, letter), self.lang)
                row[self._t("smart.why", letter=letter)] = reasons[letter]
            rows.append(row)
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def tree_checks_table(self) -> pd.DataFrame | None:
        """The checks of the tree as a whole: a short-horizon KPI, not too many KPIs, every KFS measured.

        Returns
        -------
        pandas.DataFrame or None
            One row per check (index = check name) with its status (pass or warn)
            and reason, all in the report's language. None without a KPI tree (the
            SMART table above already says so).
        """
        if self.tree is None:
            return None
        rows = {}
        kfs = {f.id: f.display_name(self.lang) for f in self.tree.kfs}
        kpis = {k.id: k.name(self.lang) for k in self.tree.kpis}
        for c in self.checks.itertuples(index=False):
            key = TreeCheck(c.check).name.lower()
            names = (kpis.get(i) or kfs.get(i) or i for i in c.ids)  # the goals' names where the tree has them
            reason = self._t(f"check.{key}.{c.status}", ids=_join(names, self.lang), n=c.n, limit=c.limit)
            rows[self._t(f"check.name.{key}")] = {
                self._t("col.status"): say("check_status", c.status, self.lang),
                self._t("col.reason"): reason,
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def baselines_table(self) -> pd.DataFrame | Markdown:
        """Per KPI: value before the plan, now, the final target, the needed and best monthly pace.

        Returns
        -------
        pandas.DataFrame or Markdown
            One row per KPI goal (index = its name) with text columns, every number
            in the KPI's unit (a ratio's changes in percentage points): where the target path starts, with its
            month (when the tree has a ``plan_start``; the anchor the tree declares in ``path``, else the value
            measured before the plan, :func:`playbook.review.goals.plan_baselines`), the value now (the SMART baseline at
            the review month), the target, the deadline, the change needed per
            month to reach the target by the deadline (signed: negative when the
            KPI must fall; "already reached", or "–" once the deadline has passed
            or without a baseline), the best change per month over any 3 months of
            history up to the review month (signed the same way), and the owner.
            Without a KPI tree, one sentence saying so.
        """
        if self.tree is None:
            return self._none("baselines")
        rows, lang = [], self.lang
        month = self.ctx.month
        smart = self.smart.set_index("goal")
        anchors = goals.plan_baselines(self.tree, self.history)
        for g in self.tree.kpis:
            r, a = smart.loc[g.id], anchors.loc[g.id]
            need = self._t("already_reached") if r["A_code"] == "too easy" else self._delta(r["needed"], g.metric)
            if self.tree.plan_start is None:
                before = {}
            elif a["source"] == "none":
                before = {self._t("col.plan_start"): NONE}
            else:  # the anchor the tree declares, else the value measured before the plan: where the targets start
                cell = self._t(
                    f"plan_start.{a['source']}", value=self._fmt(a["value"], g.metric), month=self._month(a["month"])
                )
                before = {self._t("col.plan_start"): cell}
            rows.append(
                {
                    "KPI": g.name(lang),
                    **before,
                    self._t("col.now", month=self._month(month)): self._fmt(r["baseline"], g.metric),
                    self._t("col.target"): self._fmt(g.target, g.metric),
                    self._t("col.deadline"): self._month(g.deadline),
                    self._t("col.needed"): need,
                    self._t("col.best_pace"): self._delta(r["best_pace"], g.metric),
                    self._t("col.owner"): g.display_owner(lang),
                }
            )
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def projection(self) -> dict:
        """Where the KGI lands at the current pace: the result of :func:`playbook.review.goals.kgi_projection`.

        Returns
        -------
        dict
            For an ARR or MRR KGI: ``applicable`` (True), ``metric``,
            ``months_left``, ``current``, ``target``, ``needed_net_new_mrr``,
            ``run_rate_net_new_mrr``, ``run_rate_new``, ``run_rate_expansion``,
            ``run_rate_lost``, ``projected`` and ``gap`` (the run rate is the mean of
            the last 3 months). Otherwise ``applicable`` False and a ``reason`` in
            the report's language (also without a KPI tree).
        """
        if self.tree is None:
            return {"applicable": False, "reason": self._no_tree()}
        p = goals.kgi_projection(self.tree, self.bridge, self.ctx.month, kpis=self.kpis)
        if not p["applicable"]:
            key = NoProjection(p["reason"]).name.lower()
            p = {
                **p,
                "code": p["reason"],
                "reason": self._t(f"projection.{key}", metric=p["metric"], month=self._month(p["month"])),
            }
        return p

    def projection_text(self) -> str:
        """The KGI projection in words (Markdown).

        Returns
        -------
        str
            The net new MRR needed a month to reach the KGI by its deadline, the
            last 3 months' run rate and its parts, and where that pace lands with
            the gap to the target; once the deadline has passed, where the KGI
            stands against its target; or the one sentence saying why there is no
            projection (no KPI tree, a KGI that is not ARR or MRR).
        """
        if self.tree is None:
            return self._t("none.projection")
        p = self.projection()
        if not p["applicable"]:
            return self._t("projection.none", reason=p["reason"])
        if p.get("kind") == "level":  # a purchase KGI (annual revenue, active buyers): its own pace
            return self._level_projection_text(p)
        f = lambda v: format_value(v, "currency", self.ctx.ds.currency, self.lang)
        d, metric = self._month(self.tree.kgi.deadline), p["metric"].upper()
        if p["months_left"] <= 0:
            return self._t(
                "projection.passed",
                deadline=d,
                metric=metric,
                current=f(p["current"]),
                target=f(p["target"]),
                gap=self._gap_words(p, f),
            )
        return self._outlook_sentence(p) + self._t(
            "projection.text",
            metric=metric,
            target=f(p["target"]),
            deadline=d,
            needed=f(p["needed_net_new_mrr"]),
            months=p["months_left"],
            rate=f(p["run_rate_net_new_mrr"]),
            new=f(p["run_rate_new"]),
            expansion=f(p["run_rate_expansion"]),
            lost=f(p["run_rate_lost"]),
            projected=f(p["projected"]),
            gap=self._gap_words(p, f),
        )

    def _gap_words(self, p: dict, f) -> str:
        """Where the projection (or, past the deadline, the KGI) stands against the target, in words with its sign.

        ``short`` / ``missed`` name the shortfall (目標に $222.3k 不足), ``ahead`` / ``reached`` the margin.
        """
        outlook = KGIOutlook(p["outlook"])
        value = p["projected"] if p["months_left"] > 0 else p["current"]
        return self._t(f"projection.gap.{outlook.name.lower()}", gap=f(abs(p["target"] - value)))

    def _outlook_sentence(self, p: dict) -> str:
        """The KGI's verdict first (on course or off course), then the numbers."""
        return self._t(f"projection.outlook.{KGIOutlook(p['outlook']).name.lower()}")

    def _level_projection_text(self, p: dict) -> str:
        """The projection of a purchase KGI (an amount or a count) in words."""
        f = lambda v: self._fmt(v, p["metric"])
        signed = lambda v: ("+" if v >= 0 else "−") + f(abs(v))
        d, name = self._month(self.tree.kgi.deadline), label(p["metric"], self.lang)
        if p["months_left"] <= 0:
            return self._t(
                "projection.passed",
                deadline=d,
                metric=name,
                current=f(p["current"]),
                target=f(p["target"]),
                gap=self._gap_words(p, f),
            )
        return self._outlook_sentence(p) + self._t(
            "projection.level_text",
            metric=name,
            target=f(p["target"]),
            deadline=d,
            needed=signed(p["needed_per_month"]),
            months=p["months_left"],
            rate=signed(p["run_rate_per_month"]) if pd.notna(p["run_rate_per_month"]) else "–",
            projected=f(p["projected"]),
            gap=self._gap_words(p, f),
        )

    # ------------------------------------------------------------------ check (notebook 06)
    def headline(self) -> str:
        """The review month in one Markdown line: KPIs per status and the status changes since last month.

        Returns
        -------
        str
            The number of KPIs, the count of each status present (every status is
            counted; before the tree's ``plan_start`` it says first that there are no
            targets yet), each KPI whose status changed from last month (old → new), then the
            KGI's verdict with a projection (on or off course, where it lands against the target,
            the shortfall signed in words); without a tree, the note that
            there are no goals (said once: the sections below say so in one sentence each).
        """
        if self.tree is None:
            return self._no_tree()
        lang = self.lang
        counts = self.card["status"].value_counts()
        every = [*STATUSES, Status.NO_TARGET, Status.NO_DATA]
        parts = [
            self._t("headline.count", n=counts.get(s, 0), status=say("status", s, lang))
            for s in every
            if counts.get(s, 0)
        ]
        start = self.tree.plan_start
        before = ""
        if start is not None and self.ctx.month < start:  # reviewing a month before the plan: say so first
            before = self._t("headline.before_plan", start=self._month(start))
        changed = self.card[
            (self.card["previous_status"] != self.card["status"]) & (self.card["previous_status"] != NONE)
        ]
        moves = _join(
            (
                self._t(
                    "headline.move",
                    kpi=r.kpi,
                    old=say("status", r.previous_status, lang),
                    new=say("status", r.status, lang),
                )
                for r in changed.itertuples()
            ),
            lang,
            "items",
        )
        title = self._t(
            "headline.title",
            n=len(self.card),
            month=self._month(self.ctx.month),
            before=before,
            parts=_join(parts, lang),
        )
        changes = self._t("headline.changed", moves=moves) if moves else self._t("headline.unchanged")
        return title + changes + self._kgi_headline()

    def _kgi_headline(self) -> str:
        """The KGI's verdict for the headline: on or off course, where it lands against the target; empty without one."""
        p = self.projection()
        if not p["applicable"]:
            return ""
        f = lambda v: self._fmt(v, p["metric"])
        past = p["months_left"] <= 0
        return self._t(
            "headline.kgi_passed" if past else "headline.kgi",
            outlook=say("kgi_outlook", p["outlook"], self.lang),
            deadline=self._month(self.tree.kgi.deadline),
            value=f(p["current"] if past else p["projected"]),
            target=f(p["target"]),
            gap=self._gap_words(p, f).replace("**", ""),
        )

    def _trend_text(self, r) -> str:
        """The 3-month trend with what it is computed from: the change since 3 months before and the usual move."""
        if r.trend == NONE:
            return NONE
        lang, cur = self.lang, self.ctx.ds.currency
        before = r.actual - r.trend_change
        change = format_change(r.actual, before, r.unit, cur, lang)
        usual = format_change(before + r.trend_band, before, r.unit, cur, lang).lstrip("+")
        return self._t(
            "trend_text",
            trend=say("trend", r.trend, lang),
            change=change,
            since=self._month(r.trend_since),
            usual=usual,
        )

    def scorecard_table(self) -> pd.DataFrame | Markdown:
        """The month's scorecard, formatted for reading.

        Returns
        -------
        pandas.DataFrame or Markdown
            One row per KPI goal (index = its name) with text columns: actual,
            target, attainment, status, last month's status, change vs last month,
            3-month trend with what it is computed from (the change since the
            month 3 months before and the KPI's usual monthly move, see
            :func:`playbook.review.scorecard.three_month_trend`; ``–`` without both
            values), the value for the fiscal year to date (header ``FY2026 to date`` / ``2026年度（期首から）``;
            the total of a flow, the change of a level since the fiscal year began, the monthly average of a
            rate: :meth:`fiscal_rows`), owner and note (headers in the report's language).
            Without a KPI tree, one sentence saying there is no scorecard.
        """
        if self.tree is None:
            return self._none("scorecard")
        lang, rows = self.lang, []
        fy = self.fiscal_rows()
        fy_header = text(
            "fiscal.col.fy_to_date", lang, fy=fiscal.fiscal_label(self.ctx.month, self.fiscal_year_start, lang=lang)
        )
        for r in self.card.itertuples(index=False):
            unit_change = format_change(r.actual, r.actual - r.change_1m, r.unit, self.ctx.ds.currency, lang)
            rows.append(
                {
                    "KPI": r.kpi,
                    self._t("col.actual"): self._fmt(r.actual, r.metric),
                    self._t("col.target"): self._fmt(r.target, r.metric),
                    self._t("col.attainment"): self._attainment(r.attainment),
                    self._t("col.status"): say("status", r.status, lang),
                    self._t("col.last_month"): say("status", r.previous_status, lang),
                    self._t("col.vs_last_month"): unit_change,
                    self._t("col.trend"): self._trend_text(r),
                    fy_header: self._fy_to_date_text(fy.loc[r.id], r.metric, r.unit),
                    self._t("col.owner"): r.owner,
                    self._t("col.note"): render_note(r.note, lang) if isinstance(r.note, str) and r.note else "",
                }
            )
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def _attainment(self, a: float) -> str:
        if np.isnan(a):
            return NONE
        return self._t("above_target") if np.isinf(a) else f"{a:.0%}"

    def _act_evidence(self, row, goal) -> str:
        """The evidence of each Act rule that fired for one KPI, numbers in its unit, joined with "; "."""
        lang, month = self.lang, self.ctx.month
        atts = _join((self._attainment(a) for a in row.attainment_3m), lang)
        span = self._t("span", start=self._month(month - 2), end=self._month(month))
        final, deadline = self._fmt(goal.target, goal.metric), self._month(goal.deadline)
        parts = []
        for rule in row.rules:
            if rule == ActRule.NOT_RELATED:
                rr = f"{row.correlation:+.2f}".replace("-", "−")
                floor = self.tree.limits["min_correlation"]
                parts.append(self._t("act.not_related", r=rr, n=row.correlation_n, floor=floor))
            elif rule == ActRule.OFF_TRACK_3M:
                floor = self.tree.thresholds["at_risk"]
                parts.append(
                    self._t(
                        "act.off_track_3m", span=span, attainment=atts, floor=floor, target=final, deadline=deadline
                    )
                )
            elif rule == ActRule.WIDE_MARGIN_3M:
                parts.append(
                    self._t(
                        "act.wide_margin_3m",
                        span=span,
                        attainment=atts,
                        margin=row.wide_margin,
                        target=final,
                        deadline=deadline,
                    )
                )
        return _join(parts, lang, "parts")

    def act_table(self) -> pd.DataFrame | Markdown:
        """What to change: one recommendation per KPI, merging the Act rules that fired, and the rules about the tree.

        The precedence is :func:`playbook.review.scorecard.act_plan`'s: consider replacing
        a KPI that does not move with the KGI; else revise the action plan of a KPI
        off track for 3 months (start an action when none is open); else raise the
        target of one achieved by a wide margin for 3 months; else start an action
        for a KPI off track this month with no open action; else keep the plan.

        Returns
        -------
        pandas.DataFrame or Markdown
            One row per KPI of the tree (index = its name), then one per rule about
            the whole tree, with the columns: status this month, recommendation,
            why (each rule that fired with its numbers, in the KPI's unit), the
            open actions on the KPI in the actions log, and a flag for a KPI off
            track with no open action. Without a KPI tree, one sentence saying so.
        """
        if self.tree is None:
            return self._none("act")
        lang = self.lang
        has_log = self.ctx.ds.actions is not None and not self.ctx.ds.actions.empty
        rows = []
        for r in self.plan.itertuples(index=False):
            if r.goal == "(tree)":
                name, status, why = self._t("act.whole_tree"), "", self._tree_evidence(r.rules[0])
                opened, flag = "", ""
            else:
                goal = self.tree.kpi(r.goal)
                name, status, why = goal.name(lang), say("status", r.status, lang), self._act_evidence(r, goal)
                opened = _join(r.open_actions, lang) if r.open_actions else (self._t("act.none") if has_log else NONE)
                flag = self._t("act.no_open_action") if r.no_open_action else ""
            if r.recommendation == Recommendation.KEEP and not why:
                why = self._t("act.no_rule")
            elif r.recommendation == Recommendation.START and not r.rules:
                why = self._t("act.below_target_now", status=status)
            rows.append(
                {
                    "KPI": name,
                    self._t("col.status"): status,
                    self._t("col.recommendation"): say("recommendation", r.recommendation, lang),
                    self._t("col.why"): why,
                    self._t("col.open_actions"): opened,
                    self._t("col.flag"): flag,
                }
            )
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def _tree_evidence(self, rule: str) -> str:
        n, limit = len(self.tree.kpis), int(self.tree.limits["max_kpis"])
        if rule == ActRule.TOO_MANY:
            return self._t("act.too_many", n=n, limit=limit)
        return self._t("act.no_short_horizon")

    def actions_table(self) -> pd.DataFrame | Markdown:
        """Each action of the ``actions`` table with its KPI before and since it started, and a verdict.

        Works without a KPI tree.

        Returns
        -------
        pandas.DataFrame or Markdown
            One row per action (index = action id) with the KPI's name, the action,
            owner, status, start date, the KPI's mean over the 3 months before the
            start and its mean since the start up to the review month ("–" for a
            KPI that is not computed), and the verdict (improved, worsened, no
            change, too early, ...). One sentence without actions.
        """
        eff = review.action_effects(self.ctx.ds.actions, self.kpis, self.ctx.month)
        if eff.empty:
            return self._none("actions")
        lang = self.lang
        fmt = lambda v, k: self._fmt(v, k) if k in set(self.kpis["kpi"]) else "–"
        return (
            pd.DataFrame(
                {
                    "ID": eff["action_id"],
                    "KPI": [label(k, lang) for k in eff["kpi"]],
                    self._t("col.action"): eff["action"],
                    self._t("col.owner"): eff["owner"],
                    self._t("col.action_status"): [say("action_status", v, lang) for v in eff["status"]],
                    self._t("col.started"): [_date(d, lang) for d in eff["start_date"]],
                    self._t("col.before"): [fmt(v, k) for v, k in zip(eff["before"], eff["kpi"])],
                    self._t("col.since"): [fmt(v, k) for v, k in zip(eff["since"], eff["kpi"])],
                    self._t("col.verdict"): [say("verdict", v, lang) for v in eff["verdict"]],
                }
            )
            .set_index("ID")
            .rename_axis(None)
        )

    # ------------------------------------------------------------------ why and who
    def csm_table(self, by: str = "owner") -> pd.DataFrame:
        """The CSM comparison: :meth:`segment_table` by ``by`` (the accounts' CSM) with each book's accounts at risk.

        Churn and NRR are pooled over 3 months so a small book is not noise; the at-risk count is this
        month's list of notebook 05 (red band or top-10% risk) for the CSM's accounts.

        Parameters
        ----------
        by : str, default "owner"
            The accounts column naming the CSM.

        Returns
        -------
        pandas.DataFrame
            One row per CSM (index) with the columns of :meth:`segment_table` and the accounts at risk.
        """
        table = self.segment_table(by)
        if self.health is None:
            return table
        at_risk = self.health.at_risk_accounts()
        counts = at_risk[by].value_counts() if by in at_risk.columns else pd.Series(dtype="int64")
        table[self._t("col.at_risk")] = [f"{int(counts.get(v, 0)):,}" for v in table.index]
        return table

    def segment_table(self, by: str, *, optional: bool = False) -> pd.DataFrame | Markdown:
        """Logo churn and NRR per segment, pooled over the 3 months ending with the review month.

        Works without a KPI tree.

        Parameters
        ----------
        by : str
            An accounts column (``plan``, ``company_size``, ...) or ``"onboarding"``.
        optional : bool, default False
            True when the data may lack the column (a notebook's default segmentation, such as ``plan``, which
            the data contract does not require): then a sentence says it is missing instead of an error.

        Returns
        -------
        pandas.DataFrame or Markdown
            One row per segment value (index), largest first, with text columns:
            customers at the start of the months (summed over the 3 months),
            churned, logo churn rate and NRR; with ``optional``, the sentence when the column is missing.

        Raises
        ------
        DataValidationError
            When ``by`` is neither an accounts column nor ``"onboarding"`` (and not ``optional``).
        """
        key = f"customers.by.{by}"  # the segments' column name, in both languages
        name = text(key, self.lang) if has_text(key) else label(by, self.lang)
        if optional and by != "onboarding" and by not in self.ctx.ds.accounts.columns:
            return Markdown(self._t("segment.no_column", column=by, name=name))
        t = review.segment_drivers(self.ctx.ds, self.ctx.month, by)
        lang = self.lang
        out = pd.DataFrame(
            {
                self._t("col.customers_start"): t["customers_start"].map("{:,}".format),
                self._t("col.churned"): t["churned"].map("{:,}".format),
                label("logo_churn_rate", lang): t["logo_churn_rate"].map("{:.1%}".format),
                label("nrr", lang): t["nrr"].map("{:.1%}".format),
            }
        )
        out.index = [self._segment(v, by) for v in t[by]]
        out.index.name = name  # the segments (company-size bands such as 1-49, plans) under their column's name
        return out

    def _segment(self, value: str, by: str) -> str:
        """A segment value in the report's language: the playbook's own values are words, the company's stay as written."""
        own = {"(none)": "none", "(unknown)": "unknown_account"}
        if by == "onboarding":
            own |= {"onboarded": "onboarded", "not onboarded": "not_onboarded", "unknown": "unknown"}
        return self._t(f"segment.{own[value]}") if value in own else value

    def moves_table(self) -> pd.DataFrame:
        """The 10 accounts whose MRR changed most in the review month, either way.

        Works without a KPI tree.

        Returns
        -------
        pandas.DataFrame
            One row per account (index = account id), largest change first, with
            the account name (or id), the kind of move (new, reactivation,
            expansion, contraction or churned), MRR last month, MRR now and the
            change, as text.
        """
        m = review.biggest_moves(self.ctx.ds, self.ctx.month)
        f = lambda v: format_value(v, "currency", self.ctx.ds.currency, self.lang)
        out = pd.DataFrame(
            {
                "ID": m["account_id"],
                self._t("col.account"): m.get("name", m["account_id"]),
                self._t("col.move"): [say("move", x, self.lang) for x in m["move"]],
                self._t("col.mrr_before"): m["mrr_start"].map(f),
                self._t("col.mrr_now"): m["mrr_end"].map(f),
                self._t("col.change"): [("+" if v > 0 else "−") + f(abs(v)) for v in m["change"]],
            }
        )
        return out.set_index("ID").rename_axis(None)

    @cached_property
    def health(self):
        """The health view of notebook 05, or None when no account has a health score (e.g. no usage data).

        Computed on first use, then kept.

        Returns
        -------
        HealthView or None
            The :class:`playbook.report.customer_views.HealthView` of the review;
            None without a usage table or when no account has a health score in
            the review month.
        """
        from playbook.report.customer_views import HealthView

        if self.ctx.ds.usage is None:
            return None
        view = HealthView(self.ctx)
        return view if view.now["health"].notna().any() else None

    def health_bands_table(self) -> pd.DataFrame:
        """Health band counts per segment this month (see :meth:`HealthView.distribution`).

        Returns
        -------
        pandas.DataFrame
            One row per segment plus "all", with the accounts in the columns
            ``red``, ``yellow`` and ``green``; a one-cell note when there is no
            health score.
        """
        if self.health is None:
            return pd.DataFrame({label("note", self.lang): [self._t("none.health")]})
        return self.health.distribution()

    def at_risk_count(self, n: int = 15) -> str:
        """One sentence above the at-risk table: how many accounts there are and how many it shows (Markdown).

        Parameters
        ----------
        n : int, default 15
            The number of accounts :meth:`at_risk_table` shows.

        Returns
        -------
        str
            :meth:`HealthView.at_risk_count` with a health score, after the
            model's warning when it is too weak to rank accounts by, and the
            accounts in onboarding with overdue milestones; otherwise
            the number of accounts with warning signs and how many are shown.
        """
        if self.health is not None:
            weak = self.health.model_warning() + "\n\n" if self.health.model_is_weak else ""
            new = self.health.onboarding_accounts()
            late = new[new["overdue_count"] > 0]
            onboarding = self._t("at_risk.onboarding", late=len(late), n=len(new)) if len(late) else ""
            return weak + self.health.at_risk_count(n) + onboarding
        total = len(review.early_warnings(self.ctx.ds, self.ctx.month))
        return self._t("at_risk.count", shown=min(n, total), total=total)

    def at_risk_table(self, n: int = 15) -> pd.DataFrame:
        """Red health or top-decile churn risk (as in notebook 05); rule-based warning signs when there is no health score.

        Parameters
        ----------
        n : int, default 15
            The number of accounts listed.

        Returns
        -------
        pandas.DataFrame
            With a health score, :meth:`HealthView.at_risk`. Otherwise the accounts
            with warning signs (:func:`playbook.review.scorecard.early_warnings`),
            most signs then highest MRR first: index = account id, with the
            account name (or id), MRR, owner (CSM), the number of signs and the
            reasons.
        """
        if self.health is not None:
            return self.health.at_risk(n)
        w = review.early_warnings(self.ctx.ds, self.ctx.month).head(n)
        if w.empty:
            return pd.DataFrame({label("note", self.lang): [self._t("none.warnings")]})
        f = lambda v: format_value(v, "currency", self.ctx.ds.currency, self.lang)
        out = pd.DataFrame(
            {
                "ID": w["account_id"],
                self._t("col.account"): w.get("name", w["account_id"]),
                "MRR": w["mrr"].map(f),
                self._t("col.csm"): w.get("owner", ""),
                self._t("col.signs"): w["signs"],
                self._t("col.why"): [self._signs(r) for r in w.itertuples(index=False)],
            }
        )
        return out.set_index("ID").rename_axis(None)

    def _signs(self, r) -> str:
        """The warning signs of one row of :func:`~playbook.review.scorecard.early_warnings`, in words."""
        parts = []
        if not pd.isna(r.sessions):
            parts.append(self._t("sign.sessions", now=int(r.sessions), before=int(r.sessions_before)))
        if not pd.isna(r.nps_score):
            parts.append(self._t("sign.nps_score", score=int(r.nps_score)))
        if not pd.isna(r.tickets):
            parts.append(self._t("sign.tickets", n=int(r.tickets)))
        if not pd.isna(r.contraction):
            parts.append(self._t("sign.contraction", amount=int(r.contraction)))
        return _join(parts, self.lang, "items")


def build_scorecard(ctx: ReviewContext) -> pd.DataFrame | None:
    """The scorecard a run writes to ``scorecard.csv`` (None without a KPI tree).

    Parameters
    ----------
    ctx : ReviewContext
        The review's data, month and language.

    Returns
    -------
    pandas.DataFrame or None
        One row per KPI of the tree (see :meth:`GoalReport.scorecard_rows`).

    Raises
    ------
    DataValidationError
        When the KPI tree file is invalid or the review month is not complete
        (see :meth:`GoalReport.build`).
    """
    return GoalReport.build(ctx).scorecard_rows()


def scorecard_csv_columns(lang: str = "en") -> list[str]:
    """The headers of ``scorecard.csv`` in ``lang``, in the order of :data:`SCORECARD_COLUMNS`.

    Parameters
    ----------
    lang : {"en", "ja"}, default "en"
        The language of the headers.

    Returns
    -------
    list of str
        One header per column.

    Examples
    --------
    >>> scorecard_csv_columns()[:3], scorecard_csv_columns("ja")[10]
    (['id', 'name', 'kfs'], 'ステータス')
    """
    return [text(f"{'fiscal' if c in FISCAL_COLUMNS else 'review'}.csv.{c}", lang) for c in SCORECARD_COLUMNS]


def _status_code(word: str) -> str:
    """The status code of a status word in any language (``未達`` -> ``off track``); other text unchanged."""
    for lang in ("en", "ja"):
        for s in Status:
            if word == text(f"review.status.{s.name.lower()}", lang):
                return str(s)
    return word


def scorecard_summary_lines(card: pd.DataFrame, lang: str = "en") -> list[str]:
    r"""The run's progress lines about the scorecard: the count of each status, then each KPI whose status changed.

    Parameters
    ----------
    card : pandas.DataFrame
        The scorecard as written to ``scorecard.csv`` (read back with ``keep_default_na=False``) in either
        language, or :meth:`GoalReport.scorecard_rows`: its ``id``, ``name`` (optional), ``status`` and
        ``previous_status`` columns (or their Japanese headers) are read.
    lang : {"en", "ja"}, default "en"
        The language of the lines.

    Returns
    -------
    list of str
        The first line counts the statuses, most frequent first (and says so when no status changed),
        then gives the KGI's verdict when the card has its columns (``kgi_outlook``: on course or off
        course, with the projection at the deadline as a share of the target);
        one indented line per KPI whose status changed since last month, named by its ``name`` (its id when
        the card has no name). Print them joined with newlines.

    Examples
    --------
    >>> card = pd.DataFrame({"id": ["a", "b", "c"], "status": ["off track", "achieved", "off track"],
    ...                      "previous_status": ["at risk", "achieved", "–"]})
    >>> print("\n".join(scorecard_summary_lines(card)))
    Scorecard: 2 off track, 1 achieved
      a: at risk -> off track
    >>> print("\n".join(scorecard_summary_lines(card.assign(name=["NPS", "GRR", "NRR"]), "ja")))
    スコアカード：未達 2件、達成 1件
      NPS：要注意 → 未達
    >>> kgi = card.assign(kgi="ARR 500M", kgi_target=500.0, kgi_projected=478.0, kgi_outlook="off course")
    >>> scorecard_summary_lines(kgi)[0]  # 478 / 500 = 96% of the target at the deadline
    'Scorecard: 2 off track, 1 achieved. KGI “ARR 500M”: off course (96% of its target by the deadline at the current pace)'
    """
    names = {}
    for lang_of_file in ("ja", "en"):
        names |= dict(zip(scorecard_csv_columns(lang_of_file), SCORECARD_COLUMNS, strict=True))
    card = card.rename(columns=lambda c: str(c).lstrip("\ufeff"))  # read without utf-8-sig, the BOM starts a header
    card = card.rename(columns={c: names.get(c, c) for c in card.columns})
    # a first header "ID" is written as "Id" for Excel (playbook.report.export.write_csv)
    card = card.rename(columns={c: "id" for c in card.columns[:1] if str(c).lower() in ("id", "kpi id")})
    status = card["status"].astype("str").map(_status_code)
    previous = card["previous_status"].astype("str").map(_status_code)
    changed = (previous != status) & (previous != NONE)
    counts = _join(
        (
            text("review.summary.count", lang, n=n, status=say("status", s, lang))
            for s, n in status.value_counts().items()
        ),
        lang,
    )
    # each KPI by its name where the card has one (the scorecard's ``name``), else by its id
    who = card["id"].astype("str")
    if "name" in card.columns:
        named = card["name"].astype("str").str.strip()
        who = named.where(named.ne("") & named.ne("nan"), who)
    moves = [
        text("review.summary.move", lang, id=i, old=say("status", p, lang), new=say("status", s, lang))
        for i, p, s in zip(who[changed], previous[changed], status[changed], strict=True)
    ]
    title = text("review.summary.title", lang, counts=counts)
    return [title + ("" if moves else text("review.summary.unchanged", lang)) + _kgi_summary(card, lang), *moves]


def _outlook_code(word: str) -> str:
    """The KGI outlook code of its word in any language (``未達の見込み`` -> ``off course``); other text unchanged."""
    for lang in ("en", "ja"):
        for o in KGIOutlook:
            if word == text(f"review.kgi_outlook.{o.name.lower()}", lang):
                return str(o)
    return word


def _kgi_summary(card: pd.DataFrame, lang: str) -> str:
    """The KGI's verdict for the summary line, from the scorecard's KGI columns; empty without them."""
    if "kgi_outlook" not in card.columns or not len(card):
        return ""
    row = card.iloc[0]
    code = _outlook_code(str(row["kgi_outlook"]).strip())
    if code not in set(KGIOutlook):
        return ""
    share = (
        pd.to_numeric(pd.Series([row["kgi_projected"]]), errors="coerce").iloc[0]
        / pd.to_numeric(pd.Series([row["kgi_target"]]), errors="coerce").iloc[0]
    )
    key = "kgi_passed" if code in (KGIOutlook.REACHED, KGIOutlook.MISSED) else "kgi"
    name = str(row.get("kgi", "")).lstrip("'")  # a name written as text for Excel keeps its quote out of the line
    return text(f"review.summary.{key}", lang, name=name, outlook=say("kgi_outlook", code, lang), share=share)
