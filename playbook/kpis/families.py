"""KPI families: the one list of what groups the KPIs and what tables each group needs.

A KPI of the catalog names its family; the month's KPI table groups by the
family's short name, and the data check lists every family (and the analyses
built on them) with the tables it needs and whether the data has them. A
family's words — its short name and its scope — are the texts
``families.<id>.name`` and ``families.<id>.scope`` of ``playbook/texts/<lang>/families.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.texts import has_text, text

__all__ = ["Family", "FAMILIES", "family", "missing_tables", "describe_needs"]

SUBS = ("subscriptions", "mrr_monthly")  # either one


@dataclass(frozen=True)
class Family:
    """One family of KPIs, or an analysis area of the data check.

    Parameters
    ----------
    id : str
        The id a catalog entry names in ``family``. Its short name (the heading of the family in KPI tables) and its
        scope (what it covers, as listed in the data check) are the texts ``families.<id>.name`` and
        ``families.<id>.scope``; a missing text fails at import.
    needs : tuple
        Tables the family needs; a tuple inside means "any one of".
    in_catalog : bool
        False for areas of the data check that group no catalog KPI
        themselves (seats and trials belong to usage and funnel; health and
        PDCA are analyses built on several families).
    """

    id: str
    needs: tuple
    in_catalog: bool = True

    def __post_init__(self):
        for part in ("name", "scope"):
            if not has_text(f"families.{self.id}.{part}"):
                raise KeyError(f"no text families.{self.id}.{part} in playbook/texts/en/families.yaml")

    def name(self, lang: str = "en") -> str:
        """The short name in ``lang`` (the text ``families.<id>.name``).

        Parameters
        ----------
        lang : {"en", "ja"}, default "en"
            The language; anything else gives English.

        Returns
        -------
        str
            The family's short name.

        Examples
        --------
        >>> family("value").name(), family("value").name("ja")
        ('Value', '顧客価値')
        """
        return text(f"families.{self.id}.name", lang)

    def scope(self, lang: str = "en") -> str:
        """What the family covers, in ``lang`` (the text ``families.<id>.scope``).

        Parameters
        ----------
        lang : {"en", "ja"}, default "en"
            The language; anything else gives English.

        Returns
        -------
        str
            The family's scope line.

        Examples
        --------
        >>> family("support").scope("ja")
        'サポート：一次解決率・エスカレーション率・初回応答時間・解決時間'
        """
        return text(f"families.{self.id}.scope", lang)


FAMILIES: list[Family] = [
    Family("revenue", (SUBS,)),
    Family("retention", (SUBS,)),
    Family("value", (SUBS, "costs")),
    Family("purchases", ("transactions",)),
    Family("usage", ("usage",)),
    Family("seats", ("usage", "users"), in_catalog=False),
    Family("onboarding", ("onboarding",)),
    Family("voice", ("surveys",)),
    Family("support", ("tickets",)),
    Family("trials", ("trials",), in_catalog=False),
    Family("funnel", ("funnel",)),
    Family("health", (SUBS, "usage"), in_catalog=False),
    Family("pdca", ("actions",), in_catalog=False),
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


def missing_tables(needs: tuple, present, lang: str = "en") -> list[str]:
    """The needs that ``present`` tables do not meet ("a or b" for alternatives).

    Parameters
    ----------
    needs : tuple
        Table names; a tuple inside means "any one of".
    present : iterable of str
        The tables a dataset has.
    lang : {"en", "ja"}, default "en"
        The language of the word joining alternatives (``families.or``); the table names stay as they are.

    Returns
    -------
    list of str
        One entry per unmet need, in order.

    Examples
    --------
    >>> missing_tables((SUBS, "costs"), {"accounts", "mrr_monthly"})
    ['costs']
    >>> missing_tables((SUBS,), {"accounts"}), missing_tables((SUBS,), {"accounts"}, "ja")
    (['subscriptions or mrr_monthly'], ['subscriptions または mrr_monthly'])
    """
    present, alternatives = set(present), text("families.or", lang)
    out = []
    for need in needs:
        options = need if isinstance(need, tuple) else (need,)
        if not present.intersection(options):
            out.append(alternatives.join(options))
    return out


def describe_needs(needs: tuple, lang: str = "en") -> str:
    """Needs as a reader sees them.

    Parameters
    ----------
    needs : tuple
        Table names; a tuple inside means "any one of".
    lang : {"en", "ja"}, default "en"
        The language of the joining words (``families.list`` and ``families.or``); the table names stay as they are.

    Returns
    -------
    str
        The needs joined by ", ", with the alternatives of a need joined by " or " (in Japanese 「、」 and 「 または 」).

    Examples
    --------
    >>> describe_needs((SUBS, "costs"))
    'subscriptions or mrr_monthly, costs'
    >>> describe_needs((SUBS, "costs"), "ja")
    'subscriptions または mrr_monthly、costs'
    """
    alternatives, joiner = text("families.or", lang), text("families.list", lang)
    return joiner.join(alternatives.join(n) if isinstance(n, tuple) else n for n in needs)
