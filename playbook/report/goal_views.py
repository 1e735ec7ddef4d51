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
from playbook.kpis.catalog import compute_kpis
from playbook.report.context import ReviewContext
from playbook.report.export import write_csv
from playbook.report.formatting import format_change, format_delta, format_value
from playbook.report.kpi_views import month_bridge
from playbook.report.labels import label
from playbook.report.labels import pick as _t
from playbook.report.text import Markdown
from playbook.review import goals
from playbook.review import scorecard as review
from playbook.review.codes import NONE, STATUSES, ActRule, Recommendation, Status

__all__ = ["GoalReport", "build_scorecard"]


def _word(w: str, lang: str) -> str:
    """A status, verdict or rule word in ``lang`` (from :mod:`playbook.report.labels`)."""
    return label(w, lang)


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
        tree = goals.load_kpi_tree(ctx.kpi_tree) if ctx.kpi_tree else None
        rep = cls(ctx=ctx, tree=tree)
        months = ctx.history
        rep.kpis = compute_kpis(ctx.ds, months=months)
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

    def scorecard_rows(self) -> pd.DataFrame | None:
        """The scorecard as a run writes it to ``scorecard.csv``: one row per KPI (None without a KPI tree).

        Returns
        -------
        pandas.DataFrame or None
            ``id``, ``name``, ``kfs``, ``metric``, ``unit``, ``direction``, ``actual``, ``target``, ``gap``,
            ``attainment``, ``status``, ``previous_status``, ``change_1m``, ``trend``, ``trend_change``,
            ``trend_since``, ``trend_band`` (see :func:`playbook.review.scorecard.three_month_trend`),
            ``owner``, ``deadline``, ``final_target``, ``note``.
        """
        if self.tree is None:
            return None
        card = self.card.copy()
        card.insert(2, "name", card.pop("kpi"))
        return card[
            [
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
            ]
        ]

    def save_scorecard(self, path: str | Path | None) -> None:
        """Write :meth:`scorecard_rows` as UTF-8 CSV to ``path`` (a run passes it); nothing without a path or a tree.

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
        return _t(
            "No KPI tree was given (parameter `kpi_tree`), so there are no goals to check. "
            "See `data/sample/kpi_tree.yaml` for the format.",
            "KPIツリーが指定されていないため（パラメータ `kpi_tree`）、確認する目標がありません。"
            "書式は `data/sample/kpi_tree.yaml` を参照してください。",
            self.lang,
        )

    def _none(self, en: str, ja: str) -> Markdown:
        """The one sentence a section says when it has nothing to show."""
        return Markdown(_t(en, ja, self.lang))

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
            per KFS listing its KPI ids; without a tree, a sentence saying so.
        """
        if self.tree is None:
            return self._no_tree()
        t, lang = self.tree, self.lang
        kgi_name = t.kgi.name_ja if lang == "ja" else t.kgi.name
        lines = [
            f"**KGI:** {kgi_name} — `{t.kgi.metric}` {self._fmt(t.kgi.target, t.kgi.metric)} {_t('by', 'まで', lang)} {t.kgi.deadline}"
        ]
        for f in t.kfs:
            names = ", ".join(f"`{k}`" for k in f.kpis)
            lines.append(f"- **KFS {f.name_ja if lang == 'ja' else f.name}** → {names}")
        return "\n".join(lines)

    def _delta(self, value: float, metric: str, **kw) -> str:
        from playbook.kpis.catalog import kpi

        return format_delta(value, kpi(metric).unit, self.ctx.ds.currency, self.lang, **kw)

    def _smart_reasons(self, r) -> dict[str, str]:
        """The reason of each SMART letter for one row of ``smart``, numbers in the KPI's unit, in the report's language."""
        from playbook.kpis.catalog import kpi

        lang, g, spec = self.lang, self.tree.kpi(r.goal), kpi(r.metric)
        fmt = lambda v: self._fmt(v, r.metric)
        pace = lambda v: self._delta(v, r.metric)
        better = {"higher": _t("higher", "高い", lang), "lower": _t("lower", "低い", lang)}
        out = {}
        if r.S == "pass":
            out["S"] = _t(
                f"{r.metric}: target {fmt(r.target)}, {g.direction} is better",
                f"{r.metric}：目標 {fmt(r.target)}、{better[g.direction]}ほど良い",
                lang,
            )
        else:
            out["S"] = _t(
                f"direction {g.direction} contradicts the catalog ({spec.direction} is better)",
                f"方向（{better[g.direction]}ほど良い）がカタログ（{better[spec.direction]}ほど良い）と逆です",
                lang,
            )
        if r.M_code == "measured":
            out["M"] = _t(
                f"baseline {fmt(r.baseline)} in {r.baseline_month}",
                f"{r.baseline_month}の基準値 {fmt(r.baseline)}",
                lang,
            )
        elif r.M_code == "missing table":
            missing = spec.missing(self.ctx.ds)
            out["M"] = _t(f"needs table {' and '.join(missing)}", f"{'・'.join(missing)}テーブルが必要です", lang)
        else:
            out["M"] = _t(r.M_reason, f"基準値がありません（{r.M_reason}）", lang)
        ratio = r.needed / r.best_pace if r.A_code == "stretch" else np.nan
        best_word = _t("best 3-month pace", "過去最高の3か月ペース", lang)
        out["A"] = {
            "cannot judge": _t(
                "cannot judge (no baseline or deadline passed)",
                "判定できません（基準値がないか、期限を過ぎています）",
                lang,
            ),
            "too easy": _t(
                f"too easy: already reached ({fmt(r.baseline)} vs target {fmt(r.target)})",
                f"容易すぎる：すでに達成（{fmt(r.baseline)}、目標 {fmt(r.target)}）",
                lang,
            ),
            "no history": _t(
                f"needs {pace(r.needed)} a month; not enough history to compare",
                f"毎月 {pace(r.needed)} の変化が必要。比べられる履歴が足りません",
                lang,
            ),
            "never improved": _t(
                f"stretch: needs {pace(r.needed)} a month; the history never improved over 3 months",
                f"ストレッチ：毎月 {pace(r.needed)} の変化が必要。過去に3か月で改善したことがありません",
                lang,
            ),
            "stretch": _t(
                f"stretch: needs {pace(r.needed)} a month, {ratio:.2f}x the {best_word} "
                f"({pace(r.best_pace)} a month; limit {self.tree.limits['achievable_multiple']:g}x)",
                f"ストレッチ：毎月 {pace(r.needed)} の変化が必要で、{best_word}（月 {pace(r.best_pace)}）の"
                f"{ratio:.2f}倍（上限 {self.tree.limits['achievable_multiple']:g}倍）",
                lang,
            ),
            "achievable": _t(
                f"needs {pace(r.needed)} a month; {best_word} {pace(r.best_pace)} a month",
                f"毎月 {pace(r.needed)} の変化が必要。{best_word}は月 {pace(r.best_pace)}",
                lang,
            ),
        }[r.A_code]
        kfs = next(f for f in self.tree.kfs if f.id == g.kfs)
        kfs_name = kfs.name_ja if lang == "ja" else kfs.name
        floor = self.tree.limits["min_correlation"]
        if np.isnan(r.correlation):
            out["R"] = _t(
                f"under KFS “{kfs_name}”; too little history in the last 12 months to relate it to the KGI "
                f"(n = {r.correlation_n})",
                f"KFS「{kfs_name}」の指標。直近12か月の履歴が少なく、KGIとの連動を判断できません（n = {r.correlation_n}）",
                lang,
            )
        else:
            rr = f"{r.correlation:+.2f}".replace("-", "−")
            weak = r.R != "pass"
            against = r.correlation < 0
            out["R"] = _t(
                f"under KFS “{kfs_name}”; "
                + ("moved against the KGI" if against else "improved with the KGI")
                + f" over the last 12 months: r = {rr} in its better direction (n = {r.correlation_n})"
                + (f", below {floor:g}" if weak else ""),
                f"KFS「{kfs_name}」の指標。直近12か月で"
                + ("KGIと逆向きに動いています" if against else "KGIとともに改善")
                + f"：改善方向の相関 r = {rr}（n = {r.correlation_n}）"
                + (f"、基準 {floor:g} 未満" if weak else ""),
                lang,
            )
        cadence = {"weekly": _t("weekly", "週次", lang), "monthly": _t("monthly", "月次", lang)}.get(
            g.cadence, g.cadence
        )
        out["T"] = (
            _t(f"deadline {g.deadline}, reviewed {cadence}", f"期限 {g.deadline}、{cadence}でレビュー", lang)
            if r.T == "pass"
            else _t(
                f"deadline {g.deadline} is not after the review month {self.ctx.month}",
                f"期限 {g.deadline} がレビュー月 {self.ctx.month} より後ではありません",
                lang,
            )
        )
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
            return self._none("No SMART check without a KPI tree.", "KPIツリーがないため、SMARTチェックはありません。")
        rows = []
        for r in self.smart.itertuples(index=False):
            goal = self.tree.kpi(r.goal)
            reasons = self._smart_reasons(r)
            row = {"KPI": goal.name(self.lang)}
            for letter in "SMART":
                row[letter] = _word(getattr(r, letter), self.lang)
                row[f"{letter} ({_t('why', '理由', self.lang)})"] = reasons[letter]
            rows.append(row)
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def tree_checks_table(self) -> pd.DataFrame | None:
        """The checks of the tree as a whole: a short-horizon KPI, not too many KPIs, every KFS measured.

        Returns
        -------
        pandas.DataFrame or None
            One row per check (index = check name) with ``status`` (pass or warn,
            in the report's language) and ``reason``. None without a KPI tree (the
            SMART table above already says so).
        """
        if self.tree is None:
            return None
        c = self.checks.copy()
        c["status"] = c["status"].map(lambda w: _word(w, self.lang))
        return c.set_index("check").rename_axis(None)

    def baselines_table(self) -> pd.DataFrame | Markdown:
        """Per KPI: value before the plan, now, the final target, the needed and best monthly pace.

        Returns
        -------
        pandas.DataFrame or Markdown
            One row per KPI goal (index = its name) with text columns, every number
            in the KPI's unit (a ratio's changes in percentage points): the value in
            the month before the plan starts (when the tree has a ``plan_start``), the value now (the SMART baseline at
            the review month), the target, the deadline, the change needed per
            month to reach the target by the deadline (signed: negative when the
            KPI must fall; "already reached", or "–" once the deadline has passed
            or without a baseline), the best change per month over any 3 months of
            history up to the review month (signed the same way), and the owner.
            Without a KPI tree, one sentence saying so.
        """
        if self.tree is None:
            return self._none("No baselines without a KPI tree.", "KPIツリーがないため、基準値はありません。")
        rows, lang = [], self.lang
        month = self.ctx.month
        smart = self.smart.set_index("goal")
        start = self.tree.plan_start - 1 if self.tree.plan_start is not None else None
        for g in self.tree.kpis:
            s = self.history[self.history["goal"] == g.id].set_index("month")["value"]
            base = s.get(start, np.nan) if start is not None else np.nan
            r = smart.loc[g.id]
            need = (
                _t("already reached", "達成済み", lang)
                if r["A_code"] == "too easy"
                else self._delta(r["needed"], g.metric)
            )
            before = (
                {}
                if start is None
                else {_t(f"before the plan ({start})", f"計画前（{start}）", lang): self._fmt(base, g.metric)}
            )
            rows.append(
                {
                    "KPI": g.name(lang),
                    **before,
                    _t(f"now ({month})", f"現在（{month}）", lang): self._fmt(r["baseline"], g.metric),
                    _t("target", "目標", lang): self._fmt(g.target, g.metric),
                    _t("deadline", "期限", lang): str(g.deadline),
                    _t("needed per month", "必要な月次変化", lang): need,
                    _t("best 3-month pace (per month)", "過去最高の3か月ペース（月あたり）", lang): self._delta(
                        r["best_pace"], g.metric
                    ),
                    _t("owner", "担当", lang): g.owner,
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
            the last 3 months). Otherwise ``applicable`` False and a ``reason``
            (also without a KPI tree).
        """
        if self.tree is None:
            return {"applicable": False, "reason": self._no_tree()}
        return goals.kgi_projection(self.tree, self.bridge, self.ctx.month)

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
            return _t(
                "No KGI projection without a KPI tree.", "KPIツリーがないため、KGIの見通しはありません。", self.lang
            )
        p = self.projection()
        if not p["applicable"]:
            return _t(f"No KGI projection: {p['reason']}.", f"KGIの見通しはありません（{p['reason']}）。", self.lang)
        f = lambda v: format_value(v, "currency", self.ctx.ds.currency, self.lang)
        d, metric = self.tree.kgi.deadline, p["metric"].upper()
        if p["months_left"] <= 0:
            return _t(
                f"The KGI deadline {d} has passed: {metric} is **{f(p['current'])}** against a target of "
                f"{f(p['target'])} (gap **{f(p['target'] - p['current'])}**).",
                f"KGIの期限（{d}）を過ぎています。{metric}は **{f(p['current'])}**、目標 {f(p['target'])} との差は "
                f"**{f(p['target'] - p['current'])}** です。",
                self.lang,
            )
        if self.lang == "ja":
            return (
                f"KGI（{metric} {f(p['target'])}、{d}まで）に届くには、残り{p['months_left']}か月で毎月 **{f(p['needed_net_new_mrr'])}** "
                f"の純増MRRが必要です。直近3か月のペースは月 {f(p['run_rate_net_new_mrr'])}（新規・復帰 {f(p['run_rate_new'])}、拡張 "
                f"{f(p['run_rate_expansion'])}、縮小・解約 −{f(p['run_rate_lost'])}）。このペースでは{d}の{metric}は "
                f"**{f(p['projected'])}** で、目標との差は **{f(p['gap'])}** です。"
            )
        return (
            f"To reach the KGI ({metric} {f(p['target'])} by {d}) the company needs **{f(p['needed_net_new_mrr'])}** "
            f"of net new MRR a month for {p['months_left']} months. The last 3 months ran at {f(p['run_rate_net_new_mrr'])} a month "
            f"(new and reactivation {f(p['run_rate_new'])}, expansion {f(p['run_rate_expansion'])}, contraction and churn "
            f"−{f(p['run_rate_lost'])}). At that pace {metric} reaches **{f(p['projected'])}** by {d}: "
            f"a gap of **{f(p['gap'])}**."
        )

    # ------------------------------------------------------------------ check (notebook 06)
    def headline(self) -> str:
        """The review month in one Markdown line: KPIs per status and the status changes since last month.

        Returns
        -------
        str
            The number of KPIs, the count of each status present (every status is
            counted; before the tree's ``plan_start`` it says first that there are no
            targets yet), and each KPI whose
            status changed from last month (old → new); without a tree, the note that
            there are no goals (said once: the sections below say so in one sentence each).
        """
        if self.tree is None:
            return self._no_tree()
        counts = self.card["status"].value_counts()
        every = [*STATUSES, Status.NO_TARGET, Status.NO_DATA]
        parts = [f"{counts.get(s, 0)} {_word(s, self.lang)}" for s in every if counts.get(s, 0)]
        start = self.tree.plan_start
        if start is not None and self.ctx.month < start:  # reviewing a month before the plan: say so first
            parts.insert(
                0,
                _t(
                    f"the plan starts in {start}, so no KPI has a target yet",
                    f"計画の開始は{start}のため、目標はまだありません",
                    self.lang,
                ),
            )
        changed = self.card[
            (self.card["previous_status"] != self.card["status"]) & (self.card["previous_status"] != NONE)
        ]
        moves = "; ".join(
            f"{r.kpi}: {_word(r.previous_status, self.lang)} → {_word(r.status, self.lang)}"
            for r in changed.itertuples()
        )
        if self.lang == "ja":
            text = f"**{self.ctx.month} のKPI {len(self.card)}件：** " + "、".join(parts) + "。"
            return text + (f" 前月からの変化：{moves}。" if moves else " 前月からステータスの変化はありません。")
        text = f"**{len(self.card)} KPIs in {self.ctx.month}:** " + ", ".join(parts) + "."
        return text + (f" Changed since last month: {moves}." if moves else " No status changed since last month.")

    def _trend_text(self, r) -> str:
        """The 3-month trend with what it is computed from: the change since 3 months before and the usual move."""
        if r.trend == NONE:
            return NONE
        lang, cur = self.lang, self.ctx.ds.currency
        before = r.actual - r.trend_change
        change = format_change(r.actual, before, r.unit, cur, lang)
        usual = format_change(before + r.trend_band, before, r.unit, cur, lang).lstrip("+")
        return _t(
            f"{_word(r.trend, lang)}: {change} since {r.trend_since} (usual monthly move {usual})",
            f"{_word(r.trend, lang)}：{r.trend_since}比 {change}（通常の月次変動 {usual}）",
            lang,
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
            values), owner and note (headers in the report's language).
            Without a KPI tree, one sentence saying there is no scorecard.
        """
        if self.tree is None:
            return self._none(
                "No scorecard or target paths without a KPI tree.",
                "KPIツリーがないため、スコアカードと目標推移はありません。",
            )
        lang, rows = self.lang, []
        for r in self.card.itertuples(index=False):
            unit_change = format_change(r.actual, r.actual - r.change_1m, r.unit, self.ctx.ds.currency, lang)
            rows.append(
                {
                    "KPI": r.kpi,
                    _t("actual", "実績", lang): self._fmt(r.actual, r.metric),
                    _t("target", "目標", lang): self._fmt(r.target, r.metric),
                    _t("attainment", "達成率", lang): self._attainment(r.attainment),
                    _t("status", "ステータス", lang): _word(r.status, lang),
                    _t("last month", "前月", lang): _word(r.previous_status, lang),
                    _t("vs last month", "前月比", lang): unit_change,
                    _t("3-month trend", "3か月傾向", lang): self._trend_text(r),
                    _t("owner", "担当", lang): r.owner,
                    _t("note", "注記", lang): r.note,
                }
            )
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def _attainment(self, a: float) -> str:
        if np.isnan(a):
            return NONE
        return _t("≥ target", "目標以上", self.lang) if np.isinf(a) else f"{a:.0%}"

    def _act_evidence(self, row, goal) -> str:
        """The evidence of each Act rule that fired for one KPI, numbers in its unit, joined with "; "."""
        lang, month = self.lang, self.ctx.month
        atts = "、".join if lang == "ja" else ", ".join
        atts = atts(self._attainment(a) for a in row.attainment_3m)
        span = f"{month - 2}–{month}" if lang != "ja" else f"{month - 2}〜{month}"
        final = self._fmt(goal.target, goal.metric)
        parts = []
        for rule in row.rules:
            if rule == ActRule.NOT_RELATED:
                rr = f"{row.correlation:+.2f}".replace("-", "−")
                floor = self.tree.limits["min_correlation"]
                parts.append(
                    _t(
                        f"did not improve with the KGI over the last 12 months: r = {rr} in its better direction "
                        f"(n = {row.correlation_n}), below {floor:g}",
                        f"直近12か月でKGIとともに改善していません：改善方向の相関 r = {rr}（n = {row.correlation_n}）、"
                        f"基準 {floor:g} 未満",
                        lang,
                    )
                )
            elif rule == ActRule.OFF_TRACK_3M:
                floor = self.tree.thresholds["at_risk"]
                parts.append(
                    _t(
                        f"off track in {span}: attainment {atts} (below {floor:.0%}); target {final} by {goal.deadline}",
                        f"{span}の3か月連続で未達：達成率 {atts}（{floor:.0%}未満）。目標 {final}（{goal.deadline}まで）",
                        lang,
                    )
                )
            elif rule == ActRule.WIDE_MARGIN_3M:
                parts.append(
                    _t(
                        f"beat its target path by a wide margin in {span}: attainment {atts} "
                        f"(≥ {row.wide_margin:.0%} each month); target {final} by {goal.deadline}",
                        f"{span}の3か月連続で大幅達成：達成率 {atts}（毎月 {row.wide_margin:.0%} 以上）。"
                        f"目標 {final}（{goal.deadline}まで）",
                        lang,
                    )
                )
        return "; ".join(parts) if lang != "ja" else "。".join(parts)

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
            return self._none("No Act rules without a KPI tree.", "KPIツリーがないため、Actのルールはありません。")
        lang = self.lang
        has_log = self.ctx.ds.actions is not None and not self.ctx.ds.actions.empty
        rows = []
        for r in self.plan.itertuples(index=False):
            if r.goal == "(tree)":
                name, status, why = (
                    _t("(the whole tree)", "（KPIツリー全体）", lang),
                    "",
                    self._tree_evidence(r.rules[0]),
                )
                opened, flag = "", ""
            else:
                goal = self.tree.kpi(r.goal)
                name, status, why = goal.name(lang), _word(r.status, lang), self._act_evidence(r, goal)
                opened = (
                    ", ".join(r.open_actions) if r.open_actions else (_t("none", "なし", lang) if has_log else NONE)
                )
                flag = (
                    _t("off track with no open action", "未達なのに実行中の施策がない", lang)
                    if r.no_open_action
                    else ""
                )
            if r.recommendation == Recommendation.KEEP and not why:
                why = _t("no rule fired", "該当するルールなし", lang)
            elif r.recommendation == Recommendation.START and not r.rules:
                why = _t("off track this month", "今月は未達", lang)
            rows.append(
                {
                    "KPI": name,
                    _t("status", "ステータス", lang): status,
                    _t("recommendation", "提案", lang): _word(r.recommendation, lang),
                    _t("why", "根拠", lang): why,
                    _t("open actions", "実行中の施策", lang): opened,
                    _t("flag", "要対応", lang): flag,
                }
            )
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def _tree_evidence(self, rule: str) -> str:
        n, limit = len(self.tree.kpis), int(self.tree.limits["max_kpis"])
        if rule == ActRule.TOO_MANY:
            return _t(
                f"{n} KPIs is more than the {limit} a team can follow",
                f"KPIが{n}件あり、チームが追える上限の{limit}件を超えています",
                self.lang,
            )
        return _t(
            "no KPI shows results within weeks; add a leading indicator",
            "数週間で結果が見えるKPIがありません。先行指標を加えてください",
            self.lang,
        )

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
            return self._none(
                "No actions: the data folder has no actions table (or it is empty).",
                "施策はありません（actionsテーブルがないか、空です）。",
            )
        lang = self.lang
        fmt = lambda v, k: self._fmt(v, k) if k in set(self.kpis["kpi"]) else "–"
        return (
            pd.DataFrame(
                {
                    "ID": eff["action_id"],
                    "KPI": [label(k, lang) for k in eff["kpi"]],
                    _t("action", "施策", lang): eff["action"],
                    _t("owner", "担当", lang): eff["owner"],
                    _t("status", "状態", lang): eff["status"],
                    _t("started", "開始日", lang): eff["start_date"],
                    _t("before (3 months)", "開始前（3か月平均）", lang): [
                        fmt(v, k) for v, k in zip(eff["before"], eff["kpi"])
                    ],
                    _t("since start", "開始後の平均", lang): [fmt(v, k) for v, k in zip(eff["since"], eff["kpi"])],
                    _t("verdict", "評価", lang): [_word(v, lang) for v in eff["verdict"]],
                }
            )
            .set_index("ID")
            .rename_axis(None)
        )

    # ------------------------------------------------------------------ why and who
    def segment_table(self, by: str) -> pd.DataFrame:
        """Logo churn and NRR per segment, pooled over the 3 months ending with the review month.

        Works without a KPI tree.

        Parameters
        ----------
        by : str
            An accounts column (``plan``, ``company_size``, ...) or ``"onboarding"``.

        Returns
        -------
        pandas.DataFrame
            One row per segment value (index), largest first, with text columns:
            customers at the start of the months (summed over the 3 months),
            churned, logo churn rate and NRR.

        Raises
        ------
        DataValidationError
            When ``by`` is neither an accounts column nor ``"onboarding"``.
        """
        t = review.segment_drivers(self.ctx.ds, self.ctx.month, by)
        lang = self.lang
        out = pd.DataFrame(
            {
                _t("customers at start (3 months)", "期首顧客数（3か月計）", lang): t["customers_start"].map(
                    "{:,}".format
                ),
                _t("churned", "解約数", lang): t["churned"].map("{:,}".format),
                label("logo_churn_rate", lang): t["logo_churn_rate"].map("{:.1%}".format),
                label("nrr", lang): t["nrr"].map("{:.1%}".format),
            }
        )
        out.index = t[by].to_numpy()
        return out

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
                _t("account", "顧客", self.lang): m.get("name", m["account_id"]),
                _t("move", "種類", self.lang): [label(x, self.lang) for x in m["move"]],
                _t("MRR before", "前月MRR", self.lang): m["mrr_start"].map(f),
                _t("MRR now", "当月MRR", self.lang): m["mrr_end"].map(f),
                _t("change", "増減", self.lang): [("+" if v > 0 else "−") + f(abs(v)) for v in m["change"]],
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
            return pd.DataFrame(
                {
                    label("note", self.lang): [
                        _t(
                            "No health score without usage data.",
                            "利用データがないためヘルススコアはありません。",
                            self.lang,
                        )
                    ]
                }
            )
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
            onboarding = (
                _t(
                    f" Not on this list: {len(late)} of the {len(new)} accounts in onboarding have overdue "
                    "milestones (notebook 05, `onboarding.csv`).",
                    f"このリストとは別に、オンボーディング中の{len(new)}社のうち{len(late)}社で期限を過ぎた"
                    "マイルストーンがあります（ノートブック05、`onboarding.csv`）。",
                    self.lang,
                )
                if len(late)
                else ""
            )
            return weak + self.health.at_risk_count(n) + onboarding
        total = len(review.early_warnings(self.ctx.ds, self.ctx.month))
        return _t(
            f"**{min(n, total)} of {total}** accounts with warning signs, most signs first.",
            f"兆候のある顧客 **{total}社中{min(n, total)}社** を兆候の多い順に表示。",
            self.lang,
        )

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
            return pd.DataFrame(
                {
                    label("note", self.lang): [
                        _t("No account shows a warning sign.", "兆候のある顧客はいません。", self.lang)
                    ]
                }
            )
        f = lambda v: format_value(v, "currency", self.ctx.ds.currency, self.lang)
        out = pd.DataFrame(
            {
                "ID": w["account_id"],
                _t("account", "顧客", self.lang): w.get("name", w["account_id"]),
                "MRR": w["mrr"].map(f),
                _t("owner (CSM)", "担当CSM", self.lang): w.get("owner", ""),
                _t("signs", "兆候数", self.lang): w["signs"],
                _t("why", "理由", self.lang): w["reasons"],
            }
        )
        return out.set_index("ID").rename_axis(None)


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
