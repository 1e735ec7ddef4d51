"""Goal setting and the monthly review, ready to read: one object the notebooks 02 and 06 display.

``GoalReport.build(ctx)`` computes everything once (goal history, target paths,
SMART, scorecard, Act rules, actions, drivers); its methods return display tables
and sentences in the notebook's language. Without a KPI tree every method says so
instead of failing.
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
from playbook.report.formatting import format_change, format_value
from playbook.report.kpi_views import month_bridge
from playbook.report.labels import label
from playbook.report.labels import pick as _t
from playbook.review import goals
from playbook.review import scorecard as review
from playbook.review.codes import NONE, STATUSES, Status

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
    history, targets, smart, checks, card, statuses, act : pandas.DataFrame or None
        Goal history, monthly targets, SMART check, tree checks, scorecard,
        status history and Act recommendations (all None without a tree).
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
            ``statuses`` and ``act``.

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
        return rep

    def scorecard_rows(self) -> pd.DataFrame | None:
        """The scorecard as a run writes it to ``scorecard.csv``: one row per KPI (None without a KPI tree).

        Returns
        -------
        pandas.DataFrame or None
            ``id``, ``name``, ``kfs``, ``metric``, ``unit``, ``direction``, ``actual``, ``target``, ``gap``,
            ``attainment``, ``status``, ``previous_status``, ``change_1m``, ``trend``, ``owner``,
            ``deadline``, ``final_target``, ``note``.
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
        return _t(
            "No KPI tree was given (parameter `kpi_tree`), so there are no goals to check. "
            "See `data/sample/kpi_tree.yaml` for the format.",
            "KPIツリーが指定されていないため（パラメータ `kpi_tree`）、確認する目標がありません。"
            "書式は `data/sample/kpi_tree.yaml` を参照してください。",
            self.lang,
        )

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

    def smart_table(self) -> pd.DataFrame:
        """The SMART check of every KPI goal: a verdict and its reason per letter.

        Returns
        -------
        pandas.DataFrame
            One row per KPI goal (index = its name) with the columns S, M, A, R
            and T (pass, warn or fail, in the report's language), each followed by
            its reason column ("S (why)", ...). A one-cell note without a KPI tree.
        """
        if self.tree is None:
            return pd.DataFrame({label("note", self.lang): [self._no_tree()]})
        s = self.smart
        rows = []
        for r in s.itertuples(index=False):
            goal = self.tree.kpi(r.goal)
            row = {"KPI": goal.name(self.lang)}
            for letter in "SMART":
                row[letter] = _word(getattr(r, letter), self.lang)
                row[f"{letter} ({_t('why', '理由', self.lang)})"] = getattr(r, f"{letter}_reason")
            rows.append(row)
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def tree_checks_table(self) -> pd.DataFrame:
        """The checks of the tree as a whole: a short-horizon KPI, not too many KPIs, every KFS measured.

        Returns
        -------
        pandas.DataFrame
            One row per check (index = check name) with ``status`` (pass or warn,
            in the report's language) and ``reason``. A one-cell note without a KPI tree.
        """
        if self.tree is None:
            return pd.DataFrame({label("note", self.lang): [self._no_tree()]})
        c = self.checks.copy()
        c["status"] = c["status"].map(lambda w: _word(w, self.lang))
        return c.set_index("check").rename_axis(None)

    def baselines_table(self) -> pd.DataFrame:
        """Per KPI: value before the plan, now, the final target, the needed and best monthly pace.

        Returns
        -------
        pandas.DataFrame
            One row per KPI goal (index = its name) with text columns: the value in
            the month before the plan starts, the value now (the SMART baseline at
            the review month), the target, the deadline, the change needed per
            month to reach the target by the deadline ("–" once it has passed), the
            best change per month over any 3 months of history up to the review
            month (in the better direction), and the owner. A one-cell note without a KPI tree.
        """
        if self.tree is None:
            return pd.DataFrame({label("note", self.lang): [self._no_tree()]})
        rows = []
        month = self.ctx.month
        for g in self.tree.kpis:
            s = self.history[self.history["goal"] == g.id].set_index("month")["value"]
            start = self.tree.plan_start - 1 if self.tree.plan_start is not None else None
            base = s.get(start, np.nan) if start is not None else np.nan
            now = self.smart.set_index("goal").loc[g.id, "baseline"]
            left = (g.deadline - month).n
            need = (g.target - now) / left if left > 0 and not np.isnan(now) else np.nan
            best = goals.best_sustained_change(s[s.index <= month], direction=g.direction)
            rows.append(
                {
                    "KPI": g.name(self.lang),
                    _t(f"before the plan ({start})", f"計画前（{start}）", self.lang): self._fmt(base, g.metric),
                    _t(f"now ({month})", f"現在（{month}）", self.lang): self._fmt(now, g.metric),
                    _t("target", "目標", self.lang): self._fmt(g.target, g.metric),
                    _t("deadline", "期限", self.lang): str(g.deadline),
                    _t("needed per month", "必要な月次変化", self.lang): "–" if np.isnan(need) else f"{need:+.3g}",
                    _t("best 3-month pace", "過去最高の3か月ペース", self.lang): "–"
                    if np.isnan(best)
                    else f"{best:.3g}",
                    _t("owner", "担当", self.lang): g.owner,
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
            the gap to the target; or the reason the projection does not apply.
        """
        p = self.projection()
        if not p["applicable"]:
            return p["reason"]
        f = lambda v: format_value(v, "currency", self.ctx.ds.currency, self.lang)
        d = self.tree.kgi.deadline
        if self.lang == "ja":
            return (
                f"KGI（{p['metric'].upper()} {f(p['target'])}、{d}まで）に届くには、残り{p['months_left']}か月で毎月 **{f(p['needed_net_new_mrr'])}** "
                f"の純増MRRが必要です。直近3か月のペースは月 {f(p['run_rate_net_new_mrr'])}（新規・復帰 {f(p['run_rate_new'])}、拡張 "
                f"{f(p['run_rate_expansion'])}、縮小・解約 −{f(p['run_rate_lost'])}）。このペースでは{d}の{p['metric'].upper()}は "
                f"**{f(p['projected'])}** で、目標との差は **{f(p['gap'])}** です。"
            )
        return (
            f"To reach the KGI ({p['metric'].upper()} {f(p['target'])} by {d}) the company needs **{f(p['needed_net_new_mrr'])}** "
            f"of net new MRR a month for {p['months_left']} months. The last 3 months ran at {f(p['run_rate_net_new_mrr'])} a month "
            f"(new and reactivation {f(p['run_rate_new'])}, expansion {f(p['run_rate_expansion'])}, contraction and churn "
            f"−{f(p['run_rate_lost'])}). At that pace {p['metric'].upper()} reaches **{f(p['projected'])}** by {d}: "
            f"a gap of **{f(p['gap'])}**."
        )

    # ------------------------------------------------------------------ check (notebook 06)
    def headline(self) -> str:
        """The review month in one Markdown line: KPIs per status and the status changes since last month.

        Returns
        -------
        str
            The number of KPIs, the count of each status present, and each KPI whose
            status changed from last month (old → new); without a tree, a sentence
            saying there are no goals.
        """
        if self.tree is None:
            return self._no_tree()
        counts = self.card["status"].value_counts()
        parts = [f"{counts.get(s, 0)} {_word(s, self.lang)}" for s in [*STATUSES, Status.NO_DATA] if counts.get(s, 0)]
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

    def scorecard_table(self) -> pd.DataFrame:
        """The month's scorecard, formatted for reading.

        Returns
        -------
        pandas.DataFrame
            One row per KPI goal (index = its name) with text columns: actual,
            target, attainment, status, last month's status, change vs last month,
            3-month trend, owner and note (headers in the report's language).
            A one-cell note without a KPI tree.
        """
        if self.tree is None:
            return pd.DataFrame({label("note", self.lang): [self._no_tree()]})
        lang, rows = self.lang, []
        for r in self.card.itertuples(index=False):
            unit_change = format_change(r.actual, r.actual - r.change_1m, r.unit, self.ctx.ds.currency, lang)
            rows.append(
                {
                    "KPI": r.kpi,
                    _t("actual", "実績", lang): self._fmt(r.actual, r.metric),
                    _t("target", "目標", lang): self._fmt(r.target, r.metric),
                    _t("attainment", "達成率", lang): "–"
                    if np.isnan(r.attainment)
                    else ("≥ target" if np.isinf(r.attainment) else f"{r.attainment:.0%}"),
                    _t("status", "ステータス", lang): _word(r.status, lang),
                    _t("last month", "前月", lang): _word(r.previous_status, lang),
                    _t("vs last month", "前月比", lang): unit_change,
                    _t("3-month trend", "3か月傾向", lang): _word(r.trend, lang),
                    _t("owner", "担当", lang): r.owner,
                    _t("note", "注記", lang): r.note,
                }
            )
        return pd.DataFrame(rows).set_index("KPI").rename_axis(None)

    def act_table(self) -> pd.DataFrame:
        """The Act rules that fired this month, with the recommendation and its evidence.

        Returns
        -------
        pandas.DataFrame
            One row per fired rule with the columns rule, KPI (the goal id, or
            "(tree)" for a rule about the whole tree), recommendation and evidence.
            When no rule fired, one row recommending to keep the plan.
            A one-cell note without a KPI tree.
        """
        if self.tree is None:
            return pd.DataFrame({label("note", self.lang): [self._no_tree()]})
        if self.act.empty:
            return pd.DataFrame(
                {
                    _t("recommendation", "提案", self.lang): [
                        _t(
                            "No Act rule fired this month: keep the plan.",
                            "今月はどのルールにも該当しません。計画を継続します。",
                            self.lang,
                        )
                    ]
                }
            )
        act = self.act.assign(
            rule=self.act["rule"].map(lambda w: _word(w, self.lang)),
            recommendation=self.act["recommendation"].map(lambda w: _word(w, self.lang)),
        )
        return act.rename(
            columns={
                "rule": _t("rule", "ルール", self.lang),
                "goal": "KPI",
                "recommendation": _t("recommendation", "提案", self.lang),
                "evidence": _t("evidence", "根拠", self.lang),
            }
        )

    def actions_table(self) -> pd.DataFrame:
        """Each action of the ``actions`` table with its KPI before and since it started, and a verdict.

        Works without a KPI tree.

        Returns
        -------
        pandas.DataFrame
            One row per action (index = action id) with the KPI's name, the action,
            owner, status, start date, the KPI's mean over the 3 months before the
            start and its mean since the start up to the review month ("–" for a
            KPI that is not computed), and the verdict (improved, worsened, no
            change, too early, ...). A one-cell note without an actions table.
        """
        eff = review.action_effects(self.ctx.ds.actions, self.kpis, self.ctx.month)
        if eff.empty:
            return pd.DataFrame(
                {
                    label("note", self.lang): [
                        _t("No actions table in the data folder.", "actionsテーブルがありません。", self.lang)
                    ]
                }
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
