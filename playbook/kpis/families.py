"""KPI families: the one list of what groups the KPIs and what tables each group needs.

A KPI of the catalog names its family; the month's KPI table groups by the
family's short name, and the data check lists every family (and the analyses
built on them) with the tables it needs and whether the data has them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Family", "FAMILIES", "family", "missing_tables", "describe_needs"]

SUBS = ("subscriptions", "mrr_monthly")  # either one


@dataclass(frozen=True)
class Family:
    """One family of KPIs, or an analysis area of the data check.

    Parameters
    ----------
    id : str
        The id a catalog entry names in ``family``.
    name_en, name_ja : str
        Short name, the heading of the family in KPI tables.
    scope_en, scope_ja : str
        What the family covers, as listed in the data check.
    needs : tuple
        Tables the family needs; a tuple inside means "any one of".
    in_catalog : bool
        False for areas of the data check that group no catalog KPI
        themselves (seats and trials belong to usage and funnel; health and
        PDCA are analyses built on several families).
    """

    id: str
    name_en: str
    name_ja: str
    scope_en: str
    scope_ja: str
    needs: tuple
    in_catalog: bool = True

    def name(self, lang: str = "en") -> str:
        """The short name in ``lang``.

        Parameters
        ----------
        lang : str, default "en"
            ``"ja"`` for Japanese; any other value gives English.

        Returns
        -------
        str
            The family's short name.
        """
        return self.name_ja if lang == "ja" else self.name_en

    def scope(self, lang: str = "en") -> str:
        """What the family covers, in ``lang``.

        Parameters
        ----------
        lang : str, default "en"
            ``"ja"`` for Japanese; any other value gives English.

        Returns
        -------
        str
            The family's scope line.
        """
        return self.scope_ja if lang == "ja" else self.scope_en


FAMILIES: list[Family] = [
    Family(
        "revenue",
        "Revenue",
        "売上",
        "Revenue: MRR, ARR, ARPA, MRR movements, NRR, GRR",
        "売上：MRR・ARR・ARPA・MRR増減・NRR・GRR",
        (SUBS,),
    ),
    Family(
        "retention",
        "Customers",
        "顧客",
        "Customers: logo churn, retention, lifetime, cohorts",
        "顧客：解約率・継続率・存続期間・コホート",
        (SUBS,),
    ),
    Family(
        "value",
        "Value",
        "顧客価値",
        "Value: LTV, CAC, LTV/CAC, payback, CRC",
        "顧客価値：LTV・CAC・LTV/CAC・回収期間・CRC",
        (SUBS, "costs"),
    ),
    Family(
        "purchases",
        "Purchases",
        "購買",
        "Purchases: order value, repeat purchase, RFM",
        "購買：客単価・リピート購入率・RFM",
        ("transactions",),
    ),
    Family(
        "usage",
        "Usage",
        "利用状況",
        "Usage: MAU, DAU, stickiness, session time, feature adoption, paid seat utilisation",
        "利用状況：MAU・DAU・DAU/MAU・セッション時間・機能利用率・契約シート利用率",
        ("usage",),
    ),
    Family(
        "seats",
        "Seats",
        "ライセンス",
        "Seat utilisation (active / licensed users)",
        "ライセンス利用率",
        ("usage", "users"),
        in_catalog=False,
    ),
    Family(
        "onboarding",
        "Onboarding",
        "オンボーディング",
        "Onboarding: completion, milestones on time, time to first value",
        "オンボーディング：完了率・マイルストーン期限内達成率・ファーストバリュー到達日数",
        ("onboarding",),
    ),
    Family(
        "voice",
        "Voice of the customer",
        "顧客の声",
        "Voice of the customer: NPS, CSAT, CES, themes",
        "顧客の声：NPS・CSAT・CES・テーマ",
        ("surveys",),
    ),
    Family(
        "support",
        "Support",
        "サポート",
        "Support: FCR, escalation, first response and resolution time",
        "サポート：一次解決率・エスカレーション率・初回応答時間・解決時間",
        ("tickets",),
    ),
    Family(
        "trials",
        "Trials",
        "トライアル",
        "Free-to-paid trial conversion",
        "無料→有料転換率",
        ("trials",),
        in_catalog=False,
    ),
    Family("funnel", "Funnel", "ファネル", "Journey funnel conversion", "ファネル転換率", ("funnel",)),
    Family(
        "health",
        "Health",
        "ヘルススコア",
        "Health score and churn risk",
        "ヘルススコアと解約リスク",
        (SUBS, "usage"),
        in_catalog=False,
    ),
    Family(
        "pdca",
        "PDCA",
        "PDCA",
        "PDCA actions: KPI before and after",
        "PDCAアクション：実施前後のKPI",
        ("actions",),
        in_catalog=False,
    ),
]

_BY_ID = {f.id: f for f in FAMILIES}


def family(family_id: str) -> Family:
    """The family with this id.

    Parameters
    ----------
    family_id : str
        A family id such as ``"revenue"``.

    Returns
    -------
    Family
        The entry of :data:`FAMILIES` with that id.

    Raises
    ------
    KeyError
        If no family has that id.

    Examples
    --------
    >>> family("voice").name("ja")
    '顧客の声'
    """
    if family_id not in _BY_ID:
        raise KeyError(f"unknown KPI family {family_id!r}; known: {list(_BY_ID)}")
    return _BY_ID[family_id]


def missing_tables(needs: tuple, present) -> list[str]:
    """The needs that ``present`` tables do not meet ("a or b" for alternatives).

    Parameters
    ----------
    needs : tuple
        Table names; a tuple inside means "any one of".
    present : iterable of str
        The tables a dataset has.

    Returns
    -------
    list of str
        One entry per unmet need, in order.

    Examples
    --------
    >>> missing_tables((SUBS, "costs"), {"accounts", "mrr_monthly"})
    ['costs']
    >>> missing_tables((SUBS,), {"accounts"})
    ['subscriptions or mrr_monthly']
    """
    present = set(present)
    out = []
    for need in needs:
        options = need if isinstance(need, tuple) else (need,)
        if not present.intersection(options):
            out.append(" or ".join(options))
    return out


def describe_needs(needs: tuple) -> str:
    """Needs as a reader sees them.

    Parameters
    ----------
    needs : tuple
        Table names; a tuple inside means "any one of".

    Returns
    -------
    str
        The needs joined by ", ", with the alternatives of a need joined by " or ".

    Examples
    --------
    >>> describe_needs((SUBS, "costs"))
    'subscriptions or mrr_monthly, costs'
    """
    return ", ".join(" or ".join(n) if isinstance(n, tuple) else n for n in needs)
