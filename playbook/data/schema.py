"""The data contract as data: every table, its columns, their kinds and rules.

This module only declares; :mod:`playbook.data.dataset` reads files and enforces it.
The contract text lives in ``data/README.md`` (a test keeps the two in sync).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "str", "date", "timestamp", "month", "number", "int", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of a table: its kind and the value rules it must meet."""

    name: str
    kind: Kind
    required: bool = False
    nullable: bool | None = None  # default: optional columns may be empty, required ones not
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    description: str = ""

    @property
    def may_be_empty(self) -> bool:
        return (not self.required) if self.nullable is None else self.nullable


#: What a table's rows belong to. ``account``: every row names one account (``account_id`` is required), so a
#: segment of accounts (``segment_dataset``) keeps exactly its rows. ``company``: the rows are company-wide (no
#: ``account_id``, or not on every row, as for trials that never became an account), so no segment can be cut from
#: them and a KPI that reads such a table is "company-level".
Scope = Literal["account", "company"]


@dataclass(frozen=True)
class Table:
    """One table of the contract."""

    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    refs_accounts: bool = True  # account_id must exist in accounts
    date_col: str | None = None  # the column that places a row in time
    monthly: bool = False  # expected to have rows in every month of its range
    feeds: str = ""
    extra_keys: tuple[tuple[str, ...], ...] = field(default=())
    stands_in_for: str | None = None  # a table that may be given instead of a required one
    #: A required table this one may replace although it holds other data: ``transactions`` instead of
    #: ``subscriptions`` makes a transactions-only dataset (a repeat-purchase business reviewed by purchase KPIs).
    replaces: str | None = None
    scope: Scope = "account"  # account-level rows (split by a segment) or company-level ones (see Scope)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _c(name: str, kind: Kind, required: bool = False, **kw) -> Column:
    return Column(name, kind, required, **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "accounts",
            "one row per customer account",
            (
                _c("account_id", "id", True),
                _c("signup_date", "date", True),
                _c("name", "str"),
                _c("industry", "str"),
                _c("company_size", "str"),
                _c("region", "str"),
                _c("plan", "str"),
                _c("acquisition_channel", "str"),
                _c("acquisition_cost", "number", min=0),
                _c("owner", "str"),
            ),
            key=("account_id",),
            required=True,
            refs_accounts=False,
            date_col="signup_date",
            feeds="segmentation, CAC, cohorts",
        ),
        Table(
            "subscriptions",
            "one row per subscription interval",
            (
                _c("account_id", "id", True),
                _c("start_date", "date", True),
                _c("mrr", "number", True, min=0),
                _c("subscription_id", "id"),
                _c("end_date", "date"),
                _c("product", "str"),
                _c("plan", "str"),
                _c("billing_period", "str", allowed=("monthly", "annual")),
                _c("seats", "int", min=0),
                # contract terms (renewals): when absent, an annual row's term ends the day before each anniversary
                _c("contract_end_date", "date"),
                _c("auto_renew", "bool"),
                _c("notice_days", "int", min=0, max=365),
                _c("term_months", "int", min=1, max=120),
            ),
            key=("subscription_id",),
            required=True,
            date_col="start_date",
            feeds="MRR, movements, churn, NRR/GRR, ARPA, upsell/cross-sell, cohorts, LTV, paid seat utilisation",
        ),
        Table(
            "mrr_monthly",
            "one row per account per month (and product)",
            (
                _c("account_id", "id", True),
                _c("month", "month", True),
                _c("mrr", "number", True, min=0),
                _c("product", "str"),
            ),
            key=("account_id", "month", "product"),
            date_col="month",
            monthly=True,
            feeds="same as subscriptions",
            stands_in_for="subscriptions",
        ),
        Table(
            "transactions",
            "one row per invoice or order",
            (
                _c("account_id", "id", True),
                _c("date", "date", True),
                _c("amount", "number", True),
                _c("transaction_id", "id"),
                _c("kind", "str", allowed=("subscription", "one_off")),
                _c("product", "str"),
            ),
            key=("transaction_id",),
            date_col="date",
            monthly=True,
            feeds="RFM, repeat purchase rate, average order value, purchase-based LTV",
            replaces="subscriptions",
        ),
        Table(
            "users",
            "one row per licensed user",
            (
                _c("account_id", "id", True),
                _c("user_id", "id", True),
                _c("created_date", "date", True),
                _c("role", "str"),
                _c("deactivated_date", "date"),
            ),
            key=("user_id",),
            date_col="created_date",
            feeds="breadth (active seats / seats), active users",
        ),
        Table(
            "usage",
            "one row per session (or per user-day)",
            (
                _c("account_id", "id", True),
                _c("user_id", "id", True),
                _c("date", "date", True),
                _c("feature", "str"),
                _c("session_seconds", "number", min=0),
                _c("events", "int", min=0),
            ),
            date_col="date",
            monthly=True,
            feeds="DAU, MAU, stickiness, session duration, feature adoption, health score",
        ),
        Table(
            "onboarding",
            "one row per account and milestone",
            (
                _c("account_id", "id", True),
                _c("milestone", "str", True),
                _c("completed_date", "date", True, nullable=True),
                _c("due_days", "int", min=0),
            ),
            key=("account_id", "milestone"),
            date_col="completed_date",
            feeds="onboarding completion rate, milestones on time, time to first value",
        ),
        Table(
            "surveys",
            "one row per survey response",
            (
                _c("account_id", "id", True),
                _c("date", "date", True),
                _c("survey", "str", True, allowed=("nps", "csat", "ces")),
                _c("score", "int", True),
                _c("response_id", "id"),
                _c("user_id", "id"),
                _c("comment", "str"),
                _c("touchpoint", "str"),
            ),
            key=("response_id",),
            date_col="date",
            monthly=True,
            feeds="NPS, CSAT, CES, support rating, qualitative feedback",
        ),
        Table(
            "tickets",
            "one row per support ticket",
            (
                _c("ticket_id", "id", True),
                _c("account_id", "id", True),
                _c("opened_at", "timestamp", True),
                _c("first_response_at", "timestamp"),
                _c("resolved_at", "timestamp"),
                _c("contacts", "int", min=0),
                _c("reopened", "bool"),
                _c("escalated", "bool"),
                _c("channel", "str"),
                _c("category", "str"),
            ),
            key=("ticket_id",),
            date_col="opened_at",
            monthly=True,
            feeds="FCR, escalation rate, response and resolution time",
        ),
        Table(
            "trials",
            "one row per free trial",
            (
                _c("trial_id", "id", True),
                _c("start_date", "date", True),
                _c("converted_date", "date"),
                _c("account_id", "id"),
                _c("source", "str"),
            ),
            key=("trial_id",),
            date_col="start_date",
            monthly=True,
            feeds="free-to-paid conversion",
            scope="company",
        ),
        Table(
            "funnel",
            "one row per month and stage (and channel)",
            (
                _c("month", "month", True),
                _c("stage", "str", True),
                _c("count", "int", True, min=0),
                _c("channel", "str"),
            ),
            key=("month", "stage", "channel"),
            refs_accounts=False,
            date_col="month",
            monthly=True,
            feeds="conversion rates, journey funnel",
            scope="company",
        ),
        Table(
            "costs",
            "one row per month and cost category",
            (
                _c("month", "month", True),
                _c("category", "str", True),
                _c("amount", "number", True),
            ),
            key=("month", "category"),
            refs_accounts=False,
            date_col="month",
            monthly=True,
            feeds="CRC, CAC, gross margin for LTV",
            scope="company",
        ),
        Table(
            "actions",
            "one row per improvement action (the Do of PDCA)",
            (
                _c("action_id", "id", True),
                _c("kpi", "str", True),
                _c("action", "str", True),
                _c("owner", "str", True),
                _c("start_date", "date", True),
                _c("due_date", "date"),
                _c("status", "str", allowed=("open", "done", "dropped")),
                _c("note", "str"),
            ),
            key=("action_id",),
            refs_accounts=False,
            date_col="start_date",
            feeds="PDCA review: open actions, KPI before/after",
            scope="company",
        ),
    ]
}

#: Inclusive score scale of each survey type.
SURVEY_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

#: Pairs (earlier, later) that must be ordered within a row.
ORDERED_PAIRS: dict[str, list[tuple[str, str]]] = {
    "subscriptions": [("start_date", "end_date"), ("start_date", "contract_end_date")],
    "users": [("created_date", "deactivated_date")],
    "tickets": [("opened_at", "first_response_at"), ("opened_at", "resolved_at")],
    "trials": [("start_date", "converted_date")],
    "actions": [("start_date", "due_date")],
}

#: The settings of a dataset unless its ``dataset.yaml`` says otherwise. ``first_value_milestone`` names the
#: onboarding milestone that counts as the customer's first value (empty: every milestone done).
DEFAULT_SETTINGS: dict[str, str] = {
    "currency": "JPY",
    "timezone": "Asia/Tokyo",
    "name": "",
    "earliest_date": "1990-01-01",
    "first_value_milestone": "",
    "fiscal_year_start": "1",
}


def required_tables() -> list[tuple[str, ...]]:
    """Each required table of the contract, followed by the tables that may be given instead of it.

    ``mrr_monthly`` holds the same data as ``subscriptions`` in another shape; ``transactions`` alone makes a
    transactions-only dataset (purchase KPIs instead of subscription ones).

    Returns
    -------
    list of tuple of str
        One tuple per required table, e.g. ``("subscriptions", "mrr_monthly", "transactions")``.

    Examples
    --------
    >>> required_tables()
    [('accounts',), ('subscriptions', 'mrr_monthly', 'transactions')]
    """
    return [
        (name, *[s.name for s in TABLES.values() if name in (s.stands_in_for, s.replaces)])
        for name, table in TABLES.items()
        if table.required
    ]


def optional_tables() -> list[str]:
    """Tables a dataset may lack: every table except ``accounts`` and the stand-ins.

    Returns
    -------
    list of str
        Table names in contract order.

    Examples
    --------
    >>> optional_tables()[:3]
    ['subscriptions', 'transactions', 'users']
    """
    always = {options[0] for options in required_tables() if len(options) == 1}
    return [name for name, table in TABLES.items() if table.stands_in_for is None and name not in always]


def _natural_key(value) -> tuple:
    text = str(value)
    number = re.match(r"\s*[¥$]?([0-9][0-9,]*(?:\.[0-9]+)?)", text)
    return (0, float(number.group(1).replace(",", "")), text) if number else (1, 0.0, text)


def natural_order(values: Iterable) -> list:
    """``values`` sorted as a reader expects: labels that start with a number by that number, the rest by text after them.

    Bucket columns such as ``company_size`` sort as 1-49, 50-249, 250-999, 1000+ (not
    as text, where 1000+ comes second), wherever segments are listed.

    Parameters
    ----------
    values : iterable
        Labels (any values; compared as text).

    Returns
    -------
    list
        The same values, in natural order.

    Examples
    --------
    >>> natural_order(["250-999", "1000+", "1-49", "Enterprise", "50-249", "Basic"])
    ['1-49', '50-249', '250-999', '1000+', 'Basic', 'Enterprise']
    """
    return sorted(values, key=_natural_key)
