"""RFM: recency, frequency and monetary value per customer, scored 1-5, and named segments.

Scores come from quintiles of the rank (recency reversed: 5 = most recent); equal
values always share a score, the lowest their rank reaches (a value most customers
share, such as one purchase, scores low: it beats nobody), and the cut points used are in
``table.attrs["cut_points"]``. Segments come from an ordered, editable table of
R/F/M score ranges (YAML); the first match wins and the rest is "Others". A segment marked
``new`` takes only the customers whose first purchase ever falls within its recency window: a
customer who bought long ago, lapsed and came back once has the scores of a new customer but is
not one, and goes on to the next match ("Returning" in the default table).
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from playbook.data.config import EntryProblem, Field, read_fields, read_yaml
from playbook.data.errors import DataValidationError, Problem
from playbook.data.ids import arrow_text, key_matches, key_order, key_text, short_keys, text_positions

__all__ = [
    "has_orders",
    "DEFAULT_SEGMENTS_YAML",
    "SEGMENT_CODES",
    "SEGMENT_ACTIONS",
    "PAYING_ACTIONS",
    "ENDED_ACTION",
    "TRACKS",
    "purchases",
    "segment_action",
    "load_segments",
    "rfm_table",
    "check_segments",
    "segment_summary",
    "segment_migration",
]

#: The default segments: a partition of the R x F grid (M is free), in precedence order.
DEFAULT_SEGMENTS_YAML = """\
# name: {r: [low, high], f: [low, high], m: [low, high] (optional)}; the first match wins.
# left: true marks a segment whose action presumes the customer left: a customer still paying
# at the review date gets the segment's "still subscribed" action instead. new: true marks a segment
# for first-time customers: a customer whose first purchase ever is older than the segment's recency
# window (the most days since the last purchase among customers of its R scores) goes on to the next match.
- {name: Champions, r: [4, 5], f: [4, 5]}
- {name: Loyal, r: [3, 3], f: [4, 5]}
- {name: Potential loyalist, r: [4, 5], f: [2, 3]}
- {name: New, r: [5, 5], f: [1, 1], new: true}
- {name: Returning, r: [5, 5], f: [1, 1]}
- {name: Promising, r: [4, 4], f: [1, 1]}
- {name: Need attention, r: [3, 3], f: [3, 3]}
- {name: About to sleep, r: [3, 3], f: [1, 2]}
- {name: At risk, r: [1, 2], f: [3, 4]}
- {name: Can't lose, r: [1, 2], f: [5, 5], left: true}
- {name: Hibernating, r: [2, 2], f: [1, 2], left: true}
- {name: Lost, r: [1, 1], f: [1, 2], left: true}
"""

#: How a customer's subscription splits a segment: still paying in a segment marked ``left``, or ended in one that is not.
TRACKS = ("", "still_subscribed", "ended")

#: The code of each built-in segment: the report layer names the segment and its playbook action by it.
SEGMENT_CODES = {
    "Champions": "champions",
    "Loyal": "loyal",
    "Potential loyalist": "potential_loyalist",
    "New": "new",
    "Returning": "returning",
    "Promising": "promising",
    "Need attention": "need_attention",
    "About to sleep": "about_to_sleep",
    "At risk": "at_risk",
    "Can't lose": "cant_lose",
    "Hibernating": "hibernating",
    "Lost": "lost",
    "Others": "others",
}

#: The playbook action (a code the report layer words) per segment.
SEGMENT_ACTIONS = dict(SEGMENT_CODES)

#: The action for a customer still paying at the review date in a segment marked ``left``.
PAYING_ACTIONS = {
    "Can't lose": "still_subscribed_cant_lose",  # a big buyer stopped buying: ask what they need next
    "Hibernating": "still_subscribed_hibernating",  # no recent purchase: suggest the add-on or training that fits
    "Lost": "still_subscribed_lost",  # no purchase for a long time: ask what they need next
}
#: The action of a paying customer in a custom segment marked ``left`` that has no entry above.
PAYING_DEFAULT_ACTION = "still_subscribed"
#: The action of a customer whose subscription ended, in a segment whose own action presumes an active customer.
ENDED_ACTION = "subscription_ended"


def _score_range(key: str, value, segment: dict) -> list[str]:
    rule = [f"{key} range {value!r} is not [low, high] within 1-5"]
    try:
        lo, hi = value
    except (TypeError, ValueError):
        return rule
    ok = isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi <= 5
    return [] if ok else rule


def _flag(key: str, value, segment: dict) -> list[str]:
    return [] if isinstance(value, bool) else [f"{key} must be true or false, got {value!r}"]


#: A segment's score ranges: each [low, high] within 1-5, [1, 5] when absent; ``left`` and ``new``: true or false.
SEGMENT_FIELDS: tuple[Field, ...] = tuple(Field(key, "custom", check=_score_range) for key in ("r", "f", "m")) + (
    Field("left", "custom", check=_flag),
    Field("new", "custom", check=_flag),
)


def load_segments(source: str | list | None = None) -> list[dict]:
    """The ordered segment table: the default, a YAML text or path, or a list of dicts; validated.

    Parameters
    ----------
    source : str, list or None
        None for the default (``DEFAULT_SEGMENTS_YAML``); a path ending in
        ``.yaml`` or ``.yml``; other text, read as YAML; or a list of dicts.
        Each segment has a ``name``, optional ``r``, ``f`` and ``m`` score
        ranges ``[low, high]`` (default ``[1, 5]``) and an optional ``left``
        flag (default false): the segment's action presumes the customer left; an
        optional ``new`` flag (default false): the segment takes only customers
        whose first purchase ever falls within its recency window, the others
        go on to the next segment that matches.

    Returns
    -------
    list of dict
        In precedence order, each ``{"name": str, "r": (low, high), "f": (low,
        high), "m": (low, high), "left": bool, "new": bool}``.

    Raises
    ------
    DataValidationError
        If a segment has no name, a range is not whole numbers with
        1 <= low <= high <= 5, or ``left`` or ``new`` is not true or false.
    """
    if source is None:
        return [dict(seg) for seg in _default_segments()]
    if isinstance(source, str):
        source = read_yaml(source, file="rfm segments", what="segment file")
    problems = []
    out = []
    for i, seg in enumerate(source or []):
        where = f"segments[{i}] ({seg.get('name', '?') if isinstance(seg, dict) else '?'})"
        if not isinstance(seg, dict) or "name" not in seg:
            problems.append(EntryProblem("rfm segments", where, "each segment needs a name and score ranges"))
            continue
        values, seg_problems = read_fields(seg, SEGMENT_FIELDS, file="rfm segments", where=where)
        problems += seg_problems
        ranges = {k: tuple(values.get(k) or (1, 5)) for k in ("r", "f", "m")}
        flags = {k: bool(values.get(k, False)) for k in ("left", "new")}
        out.append({"name": str(seg["name"]), **ranges, **flags})
    if problems:
        raise DataValidationError(problems)
    return out


@functools.cache
def _default_segments() -> tuple[dict, ...]:
    return tuple(load_segments(DEFAULT_SEGMENTS_YAML))


def _assign(r, f, m, segments: list[dict], returning: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The segment of each score triple; ``returning`` maps a ``new`` segment to the customers it must not take.

    Without an entry for a ``new`` segment every customer it matches is taken as new.
    """
    names = np.array([seg["name"] for seg in segments] + ["Others"], dtype=object)
    return names[_assign_codes(r, f, m, segments, returning)]


def _assign_codes(r, f, m, segments: list[dict], returning: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """As :func:`_assign`, each segment as its position in ``segments`` (``len(segments)`` for Others).

    The segment of each of the 125 score cells is worked out once and looked up; only the
    customers a ``new`` segment must not take are matched one segment at a time.

    Examples
    --------
    >>> seg = [{"name": "Top", "r": (5, 5), "f": (1, 5), "m": (1, 5)}]
    >>> _assign_codes(np.array([5, 1]), np.array([1, 1]), np.array([1, 1]), seg).tolist()
    [0, 1]
    """
    r, f, m = (np.asarray(x, dtype=np.int64) for x in (r, f, m))
    grid = np.array(list(itertools.product(range(1, 6), repeat=3)))
    out = _match_codes(*grid.T, segments, None)[(r - 1) * 25 + (f - 1) * 5 + (m - 1)]
    flagged = np.zeros(len(r), dtype=bool)
    for seg in segments:
        if seg.get("new") and returning is not None and seg["name"] in returning:
            flagged |= returning[seg["name"]]
    if flagged.any():
        some = {name: mask[flagged] for name, mask in (returning or {}).items()}
        out[flagged] = _match_codes(r[flagged], f[flagged], m[flagged], segments, some)
    return out


def _match_codes(r, f, m, segments: list[dict], returning: dict[str, np.ndarray] | None) -> np.ndarray:
    """:func:`_assign_codes` one segment at a time: the first whose ranges hold the scores wins."""
    out = np.full(len(r), len(segments), dtype=np.int16)
    done = np.zeros(len(r), dtype=bool)
    for i, seg in enumerate(segments):
        if seg.get("new") and returning is not None and seg["name"] in returning:
            done_here = done | returning[seg["name"]]
        else:
            done_here = done
        hit = (
            ~done_here
            & (r >= seg["r"][0])
            & (r <= seg["r"][1])
            & (f >= seg["f"][0])
            & (f <= seg["f"][1])
            & (m >= seg["m"][0])
            & (m <= seg["m"][1])
        )
        out[hit] = i
        done |= hit
    return out


def _min_rank(v: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties sharing their lowest rank (as ``Series.rank(method="min")``).

    Whole numbers in a modest range (days, order counts) are counted with one ``bincount``
    instead of sorted; other values are sorted once.

    Examples
    --------
    >>> _min_rank(np.array([3.0, 1.0, 3.0, 2.0])).tolist()
    [3.0, 1.0, 3.0, 2.0]
    >>> _min_rank(np.array([1.0, 1.0, 1.0, 2.0])).tolist()
    [1.0, 1.0, 1.0, 4.0]
    """
    if len(v) and np.all(v == np.round(v)) and (v.max() - v.min()) <= 4 * len(v):
        k = (v - v.min()).astype(np.int64)
        counts = np.bincount(k)
        below = np.cumsum(counts) - counts  # values smaller than each value
        return (below[k] + 1).astype("float64")
    if np.isnan(v).any():
        return pd.Series(v).rank(method="min").to_numpy()
    order = np.argsort(v)  # each run of equal values ranks as its first position in sorted order
    ordered = v[order]
    starts = np.empty(len(v), dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    rank = np.empty(len(v), dtype="float64")
    rank[order] = np.flatnonzero(starts)[np.cumsum(starts) - 1] + 1
    return rank


def _days(dates: np.ndarray) -> np.ndarray:
    """Each date's day as a whole number of days since 1970-01-01 (floored; NaT gives a meaningless number).

    Examples
    --------
    >>> _days(pd.to_datetime(["1970-01-02 13:00", "1969-12-31 23:00"]).to_numpy()).tolist()
    [1, -1]
    """
    unit, step = np.datetime_data(dates.dtype)
    per_day = {"ns": 86_400 * 10**9, "us": 86_400 * 10**6, "ms": 86_400_000, "s": 86_400}.get(unit)
    if per_day is None or step != 1:
        return dates.astype("datetime64[D]").astype(np.int64)
    return dates.view(np.int64) // per_day  # integer division instead of a datetime cast


def _sorted_order(ids: pd.Index) -> np.ndarray:
    """The positions that sort ``ids`` (as ``sort_values`` would), by Arrow's sort for text ids.

    Examples
    --------
    >>> _sorted_order(pd.Index(["b", "a", "c"], dtype="str")).tolist()
    [1, 0, 2]
    >>> _sorted_order(pd.Index([3, 1, 2])).tolist()
    [1, 2, 0]
    """
    if isinstance(ids.dtype, pd.StringDtype):
        values = getattr(ids.array, "_pa_array", None)  # the Arrow strings pandas holds, else converted once
        values = pa.array(ids.to_numpy(dtype=object)) if values is None else values
        return np.asarray(pc.sort_indices(values), dtype=np.int64)
    return np.asarray(ids.argsort(kind="stable"), dtype=np.int64)


def _scores(values: np.ndarray, reverse: bool = False) -> tuple[np.ndarray, list[float]]:
    """Scores 1-5 from the percentile of the (average) rank; ``reverse`` ranks smaller values higher.

    Returns the scores and, per score 1..5, the value range's bound: the largest value
    with that score (the smallest when ``reverse``, e.g. the fewest days for recency).
    """
    v = np.asarray(values, dtype="float64")
    pct = _min_rank(-v if reverse else v) / len(v)
    score = np.clip(np.ceil(pct * 5), 1, 5).astype(np.int64)
    # per score, the bound of its values: one reduction per score on numpy arrays
    fill = np.inf if reverse else -np.inf
    per = np.full(5, fill)
    (np.minimum if reverse else np.maximum).at(per, score - 1, v)
    cuts = [float(c) if np.isfinite(c) else float("nan") for c in per]
    return score, cuts


def _in_window(dates: np.ndarray, as_of: pd.Timestamp, lookback_days: int | None) -> np.ndarray:
    """The rows RFM scores: dated up to ``as_of`` and, with ``lookback_days``, within that many days before it.

    Nanosecond dates are compared as whole numbers (twice as fast as datetimes); NaT, the
    smallest number, is in no window.

    Examples
    --------
    >>> d = pd.to_datetime(["2026-01-01", None, "2026-03-31", "2026-04-01"]).to_numpy()
    >>> _in_window(d, pd.Timestamp("2026-03-31"), None).tolist()
    [True, False, True, False]
    >>> _in_window(d, pd.Timestamp("2026-03-31"), 30).tolist()
    [False, False, True, False]
    """
    first = None if lookback_days is None else as_of - pd.Timedelta(days=lookback_days)
    if dates.dtype == np.dtype("datetime64[ns]"):
        ticks, nat = dates.view(np.int64), np.iinfo(np.int64).min
        after = nat if first is None else pd.Timestamp(first).as_unit("ns").value
        return (ticks > after) & (ticks <= pd.Timestamp(as_of).as_unit("ns").value)
    inside = dates <= np.datetime64(as_of)
    if first is not None:
        inside &= dates > np.datetime64(first)
    return inside


def purchases(transactions: pd.DataFrame, *, kind_col: str = "kind") -> pd.DataFrame:
    """The transactions a customer chooses to make: the one-off purchases when the table says which rows are which.

    Subscription invoices follow the billing period, not the customer's choice: an
    annual plan bills once a year, so scoring invoices would make a paying
    annual-plan customer look dormant. With a ``kind`` column the rows of kind
    ``one_off`` are kept; without it, every row.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transactions, optionally with ``kind_col`` (``subscription`` / ``one_off``).
    kind_col : str, default "kind"
        The column telling invoices from one-off purchases.

    Returns
    -------
    pandas.DataFrame
        The rows RFM should score.

    Examples
    --------
    >>> t = pd.DataFrame({"account_id": ["a", "a", "b"], "kind": ["subscription", "one_off", "subscription"]})
    >>> purchases(t)["account_id"].tolist()
    ['a']
    """
    if kind_col not in transactions.columns:
        return transactions
    return transactions[transactions[kind_col] == "one_off"]


def segment_action(segment: str, subscription: str = "none", *, segments: str | list | None = None) -> str:
    """The playbook action for a customer of ``segment``, given where its subscription stands, as a code.

    The action never contradicts the subscription: a customer still paying at the
    review date in a segment marked ``left`` gets the segment's
    :data:`PAYING_ACTIONS` entry, and a customer whose subscription ended, in a
    segment whose action presumes an active customer, gets :data:`ENDED_ACTION`.
    The report layer words the code (``customers.rfm.action.<code>`` in the text
    catalogs).

    Parameters
    ----------
    segment : str
        The segment's name.
    subscription : {"active", "ended", "none"}, default "none"
        The customer pays a subscription at the review date, paid one before
        but no longer, or never had one (or the data has no subscriptions).
    segments : str, list or None
        The segment table (:func:`load_segments`); by default the built-in one.

    Returns
    -------
    str
        The action's code: the segment's code (:data:`SEGMENT_ACTIONS`), a
        ``still_subscribed`` code or ``subscription_ended``; an empty string for
        a custom segment without a built-in action.

    Examples
    --------
    >>> segment_action("Lost")
    'lost'
    >>> segment_action("Lost", "active")
    'still_subscribed_lost'
    >>> segment_action("Champions", "ended")
    'subscription_ended'
    """
    track = _track(segment in {seg["name"] for seg in load_segments(segments) if seg["left"]}, subscription)
    if track == "still_subscribed":
        return PAYING_ACTIONS.get(segment, PAYING_DEFAULT_ACTION)
    if track == "ended":
        return ENDED_ACTION
    return SEGMENT_ACTIONS.get(segment, "")


def _track(left: bool, subscription: str) -> str:
    """``still_subscribed``, ``ended`` or ``""``: whether the subscription changes the segment's action."""
    if left and subscription == "active":
        return "still_subscribed"
    if not left and subscription == "ended":
        return "ended"
    return ""


def has_orders(
    transactions: pd.DataFrame,
    *,
    as_of,
    lookback_days: int | None = None,
    date_col: str = "date",
    amount_col: str = "amount",
) -> bool:
    """Whether the window :func:`rfm_table` would score holds an order (a positive amount).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transactions with a date and an amount column.
    as_of : str or pandas.Timestamp
        The last day of the window.
    lookback_days : int, optional
        The window's length in days; None for all the data up to ``as_of``.
    date_col, amount_col : str
        The columns holding the date and the amount.

    Returns
    -------
    bool
        False where :func:`rfm_table` would refuse the window.

    Examples
    --------
    >>> t = pd.DataFrame({"date": pd.to_datetime(["2026-01-10"]), "amount": [100.0]})
    >>> has_orders(t, as_of="2026-03-31", lookback_days=30), has_orders(t, as_of="2026-03-31", lookback_days=90)
    (False, True)
    """
    inside = _in_window(transactions[date_col].to_numpy(), pd.Timestamp(as_of), lookback_days)
    return bool((inside & (transactions[amount_col].to_numpy(dtype="float64") > 0)).any())


def rfm_table(
    transactions: pd.DataFrame,
    *,
    as_of,
    customer_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
    lookback_days: int | None = None,
    segments: str | list | None = None,
    paying=None,
    ended=None,
) -> pd.DataFrame:
    """One row per customer: ``recency_days``, ``frequency``, ``monetary`` (total), ``monetary_mean``, R/F/M scores, segment.

    Orders are transactions with a positive amount, dated on or before ``as_of``
    (and within ``lookback_days`` when given); refunds reduce ``monetary``.
    Raises ``DataValidationError`` for an empty window.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction: ``customer_col``, ``date_col`` (``datetime64``)
        and ``amount_col``.
    as_of : str or pandas.Timestamp
        The date of the analysis: later transactions are left out and recency
        is counted to it.
    customer_col : str, default "account_id"
        The column naming the customer.
    date_col : str, default "date"
        The transaction date.
    amount_col : str, default "amount"
        The transaction amount (negative for a refund).
    lookback_days : int, optional
        Keep only the transactions of the ``lookback_days`` days ending on
        ``as_of``; by default all up to ``as_of``.
    segments : str, list or None
        The segment table, as :func:`load_segments` takes it; by default the
        built-in one.
    paying : array-like of str, optional
        The customers paying a subscription at ``as_of``. When given, the table
        gains ``subscription``: ``"active"`` for a customer in ``paying``,
        ``"ended"`` for one in ``ended``, ``"none"`` otherwise.
    ended : array-like of str, optional
        The customers who paid a subscription before ``as_of`` but no longer do.

    Returns
    -------
    pandas.DataFrame
        One row per customer with an order in the window, sorted by id:
        ``account_id`` (whatever ``customer_col`` is), ``recency_days`` (days
        from the last order to ``as_of``), ``frequency`` (orders), ``monetary``,
        ``monetary_mean`` (``monetary`` per order), ``r_score``, ``f_score``,
        ``m_score`` (1-5), ``rfm_score`` (``100 * r + 10 * f + m``) and
        ``segment``. ``attrs`` holds ``cut_points`` (per measure, the bound of
        each score 1-5) and ``as_of``.

    Raises
    ------
    DataValidationError
        If the window holds no order, or ``segments`` is not a valid segment table.

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "a", "b", "c"], "amount": [100.0, 50.0, 80.0, 80.0],
    ...                    "date": pd.to_datetime(["2026-09-01", "2026-10-20", "2026-06-01", "2026-06-01"])})
    >>> t = rfm_table(tx, as_of="2026-10-31")
    >>> t[["account_id", "recency_days", "frequency", "monetary", "r_score", "f_score"]]
      account_id  recency_days  frequency  monetary  r_score  f_score
    0          a            11          2     150.0        5        5
    1          b           152          1      80.0        2        2
    2          c           152          1      80.0        2        2
    """
    as_of = pd.Timestamp(as_of)
    all_dates = transactions[date_col].to_numpy()
    all_amounts = transactions[amount_col].to_numpy()  # whole numbers stay as they are: only the window's are cast
    if all_amounts.dtype.kind not in "iuf":
        all_amounts = transactions[amount_col].to_numpy(dtype="float64")
    inside = _in_window(all_dates, as_of, lookback_days)
    all_positive = all_amounts > 0  # an undated row is in no window: NaT compares false with every date
    if not (inside & all_positive).any():
        where = (
            f"the {lookback_days} days up to {as_of:%Y-%m-%d}" if lookback_days else f"the data up to {as_of:%Y-%m-%d}"
        )
        raise DataValidationError(
            Problem("transactions", date_col, f"no orders in {where}; choose another as_of or lookback")
        )
    # one hash pass over the window's rows gives each its customer's code: the window's sums and last orders are
    # then bincounts and scatters over integer codes, with no text taken or matched
    customers = transactions[customer_col]
    hashed, codes, uniques, ids, short = _hash_customers(customers, inside)
    frequency, monetary, last = _window_sums(codes, inside, all_amounts, all_dates, all_positive, len(ids))
    del codes  # the window's rows are done with: only per-customer arrays from here on
    buyers = np.flatnonzero(frequency > 0)
    # sorted by id: only the buyers' distinct ids are sorted
    buyers = buyers[key_order(uniques[buyers]) if short else _sorted_order(ids.take(buyers))]
    as_of_day = np.datetime64(as_of.normalize(), "D").astype(np.int64)
    recency, frequency, monetary = as_of_day - last[buyers], frequency[buyers], monetary[buyers]
    r, r_cuts = _scores(recency, reverse=True)
    f, f_cuts = _scores(frequency)
    m, m_cuts = _scores(monetary)
    table = load_segments(segments)

    def ordered_before(days: int, among: np.ndarray) -> np.ndarray:
        """Per buyer, whether one of ``among`` has an order more than ``days`` days before as_of, in any year."""
        hit = np.zeros(len(among), dtype=bool)
        ask = np.flatnonzero(among)
        if len(ask):  # the rows of these customers only: a few thousand, found by one lookup over the column
            rows, which = _matches(hashed, uniques.take(buyers[ask]))
            earlier = all_positive[rows] & (all_dates[rows] < np.datetime64(int(as_of_day - days), "D"))
            hit[ask[which[earlier]]] = True
        return hit

    returning = _returning(ordered_before, recency, (r, f, m), table)
    names = pa.array([seg["name"] for seg in table] + ["Others"], type=pa.string())
    segment = pa.DictionaryArray.from_arrays(pa.array(_assign_codes(r, f, m, table, returning)), names)
    out = pd.DataFrame(  # built once from whole columns
        {
            "account_id": pd.array(ids.take(buyers), dtype="str"),
            "recency_days": recency,
            "frequency": frequency,
            "monetary": monetary,
            "monetary_mean": monetary / frequency,
            "r_score": r,
            "f_score": f,
            "m_score": m,
            "rfm_score": 100 * r + 10 * f + m,
            "segment": pd.array(segment.cast(pa.string()), dtype="str"),  # names taken in Arrow, not Python objects
        }
    )
    if paying is not None:
        active = out["account_id"].isin(pd.Index(paying, dtype="str")).to_numpy()
        gone = out["account_id"].isin(pd.Index([] if ended is None else ended, dtype="str")).to_numpy()
        out["subscription"] = pd.array(np.select([active, gone], ["active", "ended"], "none"), dtype="str")
    # per score 1..5: the fewest days (recency), the most orders and spend (frequency, monetary) that get it
    out.attrs["cut_points"] = {"recency_days": r_cuts, "frequency": f_cuts, "monetary": m_cuts}
    out.attrs["as_of"] = f"{as_of:%Y-%m-%d}"
    return out


def _returning(ordered_before, recency: np.ndarray, scores: tuple, segments: list[dict]) -> dict[str, np.ndarray]:
    """Per ``new`` segment, the customers it could take that have an order before its recency window: not new.

    ``ordered_before(days, among)`` tells, per customer, whether one of ``among`` has an
    order (a positive amount, even outside the scored lookback) more than ``days`` days
    before the review date; it is asked only about the customers whose R, F and M scores
    (``scores``) fall in the segment's ranges, the only ones the answer can change. A
    segment's recency window is the most days since the last purchase among the customers
    of its R scores.

    Examples
    --------
    >>> seg = [{"name": "New", "r": (5, 5), "f": (1, 1), "m": (1, 5), "new": True}]
    >>> first_order_days_ago = np.array([11, 760, 900])
    >>> def ordered_before(days, among):
    ...     return among & (first_order_days_ago > days)
    >>> scores = (np.array([5, 5, 5]), np.array([1, 1, 2]), np.array([3, 3, 3]))
    >>> _returning(ordered_before, np.array([11, 6, 2]), scores, seg)["New"].tolist()
    [False, True, False]
    """
    r, f, m = scores
    out = {}
    for seg in segments:
        if not seg.get("new"):
            continue
        inside = (r >= seg["r"][0]) & (r <= seg["r"][1])
        window = int(recency[inside].max()) if inside.any() else None  # the window's first day, days before as_of
        among = inside & (f >= seg["f"][0]) & (f <= seg["f"][1]) & (m >= seg["m"][0]) & (m <= seg["m"][1])
        out[seg["name"]] = np.zeros(len(r), dtype=bool) if window is None else ordered_before(window, among)
    return out


def _window_sums(codes, inside, amounts, dates, positive, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer code: orders, the amounts' sum and the day of the last order, over the window's rows.

    ``codes`` are the customers of the rows ``inside`` the window (-1 for none); the other
    arrays cover every row. One pass of ``bincount`` and scatters over integer codes.

    Examples
    --------
    >>> dates = pd.to_datetime(["1970-01-03", "1970-01-05", "1970-01-09"]).to_numpy()
    >>> f, m, last = _window_sums(np.array([0, 0, 1]), np.ones(3, bool), np.array([10, -4, 7]), dates,
    ...                           np.array([True, False, True]), 2)
    >>> f.tolist(), m.tolist(), last.tolist()
    ([1, 1], [6.0, 7.0], [2, 8])
    """
    amounts, dates, positive = amounts[inside].astype("float64"), dates[inside], positive[inside]
    if (codes < 0).any():  # a row without a customer belongs to nobody's scores
        counted = codes >= 0
        codes, amounts, dates, positive = codes[counted], amounts[counted], dates[counted], positive[counted]
    ordering = codes[positive]  # the customer of each order
    frequency = np.bincount(ordering, minlength=n)
    monetary = np.bincount(codes, weights=amounts, minlength=n)  # refunds in the window reduce it
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, ordering, dates[positive].view(np.int64))  # the latest date, then its day: per customer
    return frequency, monetary, _days(last.view(dates.dtype))


def _hash_customers(customers: pd.Series, rows: np.ndarray) -> tuple:
    """The customers of ``rows`` hashed: the column as hashed, each row's code, the distinct values and their ids.

    Short ids of one width are hashed as whole numbers (:func:`short_keys`), about three
    times faster than as text; the last item tells which way they were hashed.

    Examples
    --------
    >>> hashed, codes, uniques, ids, short = _hash_customers(pd.Series(["b", "a", "b"], dtype="str"), np.ones(3, bool))
    >>> codes.tolist(), ids.tolist(), short
    ([0, 1, 0], ['b', 'a'], True)
    """
    short = short_keys(customers)
    hashed = customers if short is None else short[0]
    codes, uniques = _encode(hashed, rows)
    ids = uniques if short is None else key_text(uniques, short[1])
    return hashed, codes, uniques, ids, short is not None


def _encode(values, rows: np.ndarray) -> tuple[np.ndarray, pd.Index | np.ndarray]:
    """The codes of ``values[rows]`` and the distinct values they index (as ``pd.factorize``; -1 for a missing value).

    Arrow text is filtered and hashed in Arrow, as one array: pandas' own factorize of a
    column in many chunks merges a dictionary per chunk afterwards.

    Examples
    --------
    >>> codes, ids = _encode(pd.Series(["b", "a", None, "b"], dtype="str"), np.array([True, True, True, False]))
    >>> codes.tolist(), ids.tolist()
    ([0, 1, -1], ['b', 'a'])
    >>> codes, ids = _encode(np.array([7, 3, 7]), np.array([True, True, True]))
    >>> codes.tolist(), ids.tolist()
    ([0, 1, 0], [7, 3])
    """
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        window = arrow_text(values).filter(pa.array(rows)).combine_chunks()
        encoded = pc.dictionary_encode(window)
        codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(), dtype=np.intp)
        return codes, pd.Index(pd.array(encoded.dictionary, dtype="str"))
    values = values[rows]
    keys = values.dtype == np.uint64  # short_keys: hashed as int64 (pandas' int64 table is the faster one)
    codes, uniques = pd.factorize(values.view(np.int64) if keys else values, size_hint=len(values) // 4)
    return np.asarray(codes, dtype=np.intp), uniques.view(np.uint64) if keys else uniques


def _matches(values, known) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``values`` found among the distinct ``known``, and each one's position there.

    Examples
    --------
    >>> rows, where = _matches(pd.Series(["b", "x", "a"], dtype="str"), pd.Index(["a", "b"], dtype="str"))
    >>> rows.tolist(), where.tolist()
    ([0, 2], [1, 0])
    >>> rows, where = _matches(np.array([7, 3]), np.array([3, 5]))
    >>> rows.tolist(), where.tolist()
    ([1], [0])
    """
    if isinstance(getattr(values, "dtype", None), pd.StringDtype):
        where = text_positions(values, known)
    elif values.dtype == np.uint64 and known.dtype == np.uint64:
        return key_matches(values, known)
    else:
        where = np.asarray(pd.Index(known).get_indexer(values), dtype=np.int64)
    rows = np.flatnonzero(where >= 0)
    return rows, where[rows]


def check_segments(segments: str | list | None = None) -> pd.DataFrame:
    """Problems of a segment table over all 125 R/F/M score cells: overlaps, unreachable segments, cells left to Others.

    Parameters
    ----------
    segments : str, list or None
        The segment table, as :func:`load_segments` takes it; by default the
        built-in one.

    Returns
    -------
    pandas.DataFrame
        One row per issue: ``issue`` (``unreachable``: every cell of the segment
        goes to earlier segments; ``overlap``: some do; ``others``: cells no
        segment matches), ``segment`` and ``detail``. No rows when the segments
        share out the grid without overlap. A ``new`` segment takes its cells
        only for new customers: the segments after it are checked for returning
        customers, so a returning customer left to Others counts as a gap.

    Raises
    ------
    DataValidationError
        If ``segments`` is not a valid segment table.
    """
    segs = load_segments(segments)
    cells = np.array(list(itertools.product(range(1, 6), repeat=3)))
    r, f, m = cells.T
    first = _assign(r, f, m, segs)  # every customer new: the new segments take their cells
    every = np.ones(len(r), dtype=bool)
    again = _assign(r, f, m, segs, {seg["name"]: every for seg in segs if seg["new"]})  # every customer returning
    rows = []
    for seg in segs:
        owner = first if seg["new"] else again
        inside = (
            (r >= seg["r"][0])
            & (r <= seg["r"][1])
            & (f >= seg["f"][0])
            & (f <= seg["f"][1])
            & (m >= seg["m"][0])
            & (m <= seg["m"][1])
        )
        won = inside & (owner == seg["name"])
        if inside.any() and not won.any():
            earlier = sorted(set(owner[inside]))
            rows.append(
                ("unreachable", seg["name"], f"every cell is taken by an earlier segment: {', '.join(earlier)}")
            )
        elif won.sum() < inside.sum():
            earlier = sorted(set(owner[inside & ~won]))
            rows.append(
                (
                    "overlap",
                    seg["name"],
                    f"{inside.sum() - won.sum()} of {inside.sum()} cells go to earlier segments: {', '.join(earlier)}",
                )
            )
    gaps = (again == "Others").sum()
    if gaps:
        rows.append(("others", "Others", f"{gaps} of 125 R/F/M cells match no segment"))
    return pd.DataFrame(rows, columns=["issue", "segment", "detail"])


def segment_summary(rfm: pd.DataFrame, *, segments: str | list | None = None) -> pd.DataFrame:
    """Per segment: customers, share of customers and of revenue, mean recency, frequency and spend.

    With a ``subscription`` column (:func:`rfm_table` given ``paying``), a
    segment is split where the subscription changes the action
    (:func:`segment_action`): the customers still paying in a segment marked
    ``left`` (track ``still_subscribed``), and those whose subscription ended in
    a segment that is not (track ``ended``).

    Parameters
    ----------
    rfm : pandas.DataFrame
        An RFM table (:func:`rfm_table`): ``segment``, ``recency_days``,
        ``frequency``, ``monetary`` and optionally ``subscription``.
    segments : str, list or None
        The segment table the RFM table was scored with; by default the built-in one.

    Returns
    -------
    pandas.DataFrame
        One row per segment and track present, in the segment table's order with
        ``Others`` after it (other names last), the plain track first:
        ``segment``, ``track`` (``""``, ``"still_subscribed"`` or ``"ended"``),
        ``customers``, ``paying`` (the customers paying a subscription at the
        date; 0 without a ``subscription`` column), ``mean_recency_days``,
        ``mean_frequency``, ``mean_monetary``, ``revenue`` (the sum of
        ``monetary``), ``customer_share`` and ``revenue_share``.

    Examples
    --------
    >>> rfm = pd.DataFrame({"segment": ["Lost", "Lost", "Champions", "Champions"], "recency_days": [300, 320, 5, 9],
    ...                     "frequency": [1, 1, 6, 5], "monetary": [10.0, 30.0, 40.0, 20.0],
    ...                     "subscription": ["active", "ended", "active", "ended"]})
    >>> segment_summary(rfm)[["segment", "track", "customers", "paying", "revenue_share"]]
         segment             track  customers  paying  revenue_share
    0  Champions                            1       1            0.4
    1  Champions             ended          1       0            0.2
    2       Lost                            1       0            0.3
    3       Lost  still_subscribed          1       1            0.1
    """
    table = load_segments(segments)
    left = {seg["name"] for seg in table if seg["left"]}
    sub = rfm["subscription"] if "subscription" in rfm.columns else pd.Series("none", index=rfm.index)
    track = [_track(seg in left, s) for seg, s in zip(rfm["segment"], sub)]
    d = rfm.assign(track=track, paying=(sub == "active").to_numpy())
    g = d.groupby(["segment", "track"])
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "paying": g["paying"].sum().astype("int64"),
            "mean_recency_days": g["recency_days"].mean(),
            "mean_frequency": g["frequency"].mean(),
            "mean_monetary": g["monetary"].mean(),
            "revenue": g["monetary"].sum(),
        }
    )
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    order = [s["name"] for s in table] + ["Others"]
    names = out.index.get_level_values("segment")
    rank = {name: i for i, name in enumerate(order + sorted(set(names) - set(order)))}
    out = out.reset_index()
    tracks = out["track"].map({t: i for i, t in enumerate(TRACKS)}).to_numpy()
    out = out.iloc[np.lexsort((tracks, out["segment"].map(rank).to_numpy()))]
    return out.reset_index(drop=True)


def segment_migration(transactions: pd.DataFrame, before, after, **kw) -> pd.DataFrame:
    """Transition matrix of segments between two dates: rows = segment at ``before``, columns = at ``after``.

    Counts the customers present (with an order) at both dates; each row sums to
    the customers of that segment at ``before`` who are still present at ``after``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transactions, as :func:`rfm_table` takes them.
    before, after : str or pandas.Timestamp
        The two ``as_of`` dates.
    **kw
        Passed to :func:`rfm_table` (``customer_col``, ``lookback_days``,
        ``segments``, ...).

    Returns
    -------
    pandas.DataFrame
        Customer counts: rows (named ``before``) and columns (named ``after``)
        are the same list, the segments that occur at either date in
        segment-table order with ``Others`` last, so the diagonal holds the
        customers who stayed and a move to a later segment of the table lies to
        its right.

    Raises
    ------
    DataValidationError
        If either date's window holds no order, or ``segments`` is not a valid segment table.
    """
    a = rfm_table(transactions, as_of=before, **kw).set_index("account_id")["segment"]
    b = rfm_table(transactions, as_of=after, **kw).set_index("account_id")["segment"]
    both = a.index.intersection(b.index)
    order = [s["name"] for s in load_segments(kw.get("segments"))] + ["Others"]
    m = pd.crosstab(a.loc[both].rename("before"), b.loc[both].rename("after"))
    present = set(m.index) | set(m.columns)  # one list for both axes: the diagonal is "stayed"
    names = [s for s in order if s in present] + sorted(present - set(order))
    return m.reindex(index=names, columns=names, fill_value=0).rename_axis(index="before", columns="after")
