"""The sample company: a seeded simulation of a Japanese B2B SaaS, written as contract tables.

"Sakura Works" sells a work-management product on three plans (Starter, Standard,
Enterprise), billed monthly or annually, with two add-ons (Analytics,
Automation). The simulation runs month by month from 2023-11 to 2026-10 over
arrays of accounts (no per-account Python loops) and plants the behaviours of
``sample-company.md``:

- a latent health per account drives usage, NPS and churn; accounts that finish
  onboarding within 30 days start healthier and churn markedly less;
- usage falls in the months before an account churns;
- NPS detractors and accounts with a bad support experience churn more;
- annual plans churn at renewal; upgrades, downgrades, add-on cross-sell and a
  few reactivations move MRR;
- actions in the actions log change the data from their start date (onboarding
  webinars lift onboarding completion, chat support shortens first response, an
  add-on campaign lifts cross-sell);
- a little realistic mess: pilot accounts with usage but no subscription, a
  month missing from the ticket export, two upgrades scheduled after the data end.

``generate(seed, scale)`` returns the tables; ``write_sample(out, ...)`` writes them.
"""

from __future__ import annotations

import gzip
import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["generate", "write_sample", "FIRST_MONTH", "LAST_MONTH"]

FIRST_MONTH = pd.Period("2023-11", freq="M")
LAST_MONTH = pd.Period("2026-10", freq="M")
N_MONTHS = (LAST_MONTH - FIRST_MONTH).n + 1
DATA_END = LAST_MONTH.end_time.normalize()

PLANS = np.array(["Starter", "Standard", "Enterprise"])
SEAT_PRICE = np.array([1200, 2400, 4000])  # JPY per seat per month, monthly billing
ANNUAL_DISCOUNT = 0.85
ADDONS = np.array(["Analytics", "Automation"])
ADDON_PRICE = np.array([30000, 20000])
SIZES = np.array(["1-49", "50-249", "250-999", "1000+"])
SIZE_P = np.array([0.45, 0.32, 0.16, 0.07])
SIZE_SEATS = np.array([[3, 12], [8, 35], [20, 80], [40, 150]])
INDUSTRIES = np.array(["IT", "Manufacturing", "Retail", "Professional services", "Healthcare", "Education"])
REGIONS = np.array(["Kanto", "Kansai", "Chubu", "Kyushu", "Tohoku", "Hokkaido"])
REGION_P = np.array([0.45, 0.2, 0.15, 0.1, 0.06, 0.04])
CHANNELS = np.array(["organic", "paid_search", "referral", "partner", "outbound"])
CHANNEL_P = np.array([0.3, 0.25, 0.15, 0.18, 0.12])
CHANNEL_CAC = np.array([60000, 220000, 90000, 320000, 650000])
CHANNEL_TRIAL_CONV = np.array([0.18, 0.12, 0.35, 0.3, 0.45])
OWNERS = np.array(["Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Watanabe"])
MILESTONES = np.array(["account_setup", "first_project", "invite_team", "integration_connected"])
MILESTONE_DAYS = np.array([[0, 2], [1, 7], [3, 18], [5, 28]])
MILESTONE_DUE = np.array([3, 7, 14, 30])
FEATURES = np.array(["tasks", "projects", "calendar", "reports", "automation", "integrations", "gantt"])
FEATURE_P = np.array([0.42, 0.25, 0.12, 0.09, 0.06, 0.04, 0.02])
TICKET_CATEGORIES = np.array(["how_to", "bug", "billing", "integration", "performance"])
TICKET_CATEGORY_P = np.array([0.42, 0.22, 0.12, 0.14, 0.10])
TICKET_CHANNELS = np.array(["email", "chat", "phone"])
NAME_HEAD = np.array(
    [
        "サクラ",
        "ミドリ",
        "アオバ",
        "ヒカリ",
        "ツバサ",
        "コスモ",
        "ヤマト",
        "アサヒ",
        "ミライ",
        "ホクト",
        "Nexa",
        "Blue Peak",
        "Kizuna",
        "Orbit",
        "Tsubame",
        "Hoshi",
    ]
)
NAME_TAIL = np.array(
    ["製作所", "商事", "システムズ", "ラボ", "物流", "デザイン", "Partners", "Tech", "ホールディングス", "クリニック"]
)

# Start dates of the actions in the actions log; the simulation changes from them.
ONBOARDING_WEBINARS = pd.Timestamp("2026-04-01")
CHAT_SUPPORT = pd.Timestamp("2025-09-01")
UNDERSTAFFED = (pd.Timestamp("2025-03-01"), pd.Timestamp("2025-08-31"))
ADDON_CAMPAIGN = pd.Timestamp("2026-08-01")
TICKET_EXPORT_GAP = pd.Period("2024-08", freq="M")

COMMENTS = {
    # theme -> (negative comments, positive comments), Japanese and English mixed
    "price": (
        [
            "価格が高いと感じます",
            "料金プランが分かりにくい",
            "Too expensive for a team of our size",
            "The price went up again",
        ],
        ["価格に見合う価値があります", "Good value for the price"],
    ),
    "performance": (
        ["動作が遅い時があります", "画面の表示が重い", "The app is slow when projects get large", "Pages load slowly"],
        ["動作が速くて快適です", "Fast and reliable"],
    ),
    "support": (
        [
            "サポートの返信が遅い",
            "問い合わせへの回答に時間がかかる",
            "Support took days to reply",
            "Had to explain the issue several times to support",
        ],
        ["サポートの対応が丁寧でした", "Support was quick and helpful"],
    ),
    "usability": (
        ["操作が分かりにくい", "設定画面が複雑です", "Hard to find things in the menu", "Confusing to set up"],
        ["使いやすいです", "とても直感的に使える", "Easy to use", "Intuitive and clean"],
    ),
    "missing_feature": (
        [
            "ガントチャートの機能が欲しい",
            "Excel連携の機能がない",
            "Missing a proper reporting feature",
            "We need an API for our ERP",
        ],
        ["新機能のレポートが便利", "The new automation feature saves us hours"],
    ),
}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _month_start(t) -> np.ndarray:
    """datetime64[D] of the first day of month index t (array or scalar)."""
    base = np.datetime64(FIRST_MONTH.start_time.date(), "M")
    return (base + np.asarray(t).astype("timedelta64[M]")).astype("datetime64[D]")


def _days_in(t) -> np.ndarray:
    return (_month_start(np.asarray(t) + 1) - _month_start(t)).astype(int)


def _add_months(dates: np.ndarray, k) -> np.ndarray:
    """Same day-of-month k months later (clipped to the month end)."""
    d = dates.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    day = (d - months.astype("datetime64[D]")).astype(int)
    target = months + np.asarray(k).astype("timedelta64[M]")
    last = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(int) - 1
    return target.astype("datetime64[D]") + np.minimum(day, last).astype("timedelta64[D]")


def _ids(prefix: str, start: int, stop: int, width: int) -> np.ndarray:
    """``prefix`` + the numbers ``start..stop-1`` zero-padded to ``width`` digits, as a numpy text array.

    The same array as ``np.char.add(prefix, np.char.zfill(np.arange(start, stop).astype(str), width))``, made
    from digit arithmetic a block at a time: ``astype(str)`` alone would hold 84 bytes per number (<U21).
    """
    n = stop - start
    if n <= 0 or start < 0 or stop - 1 >= 10**width:  # empty, or numbers wider than ``width``: the plain way
        return np.char.add(prefix, np.char.zfill(np.arange(start, stop).astype(str), width))
    k = len(prefix)
    out = np.empty((n, k + width), dtype=np.uint32)  # one UCS-4 code point per character
    out[:, :k] = [ord(c) for c in prefix]
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    step = 1 << 20
    for lo in range(0, n, step):
        num = np.arange(start + lo, min(stop, start + lo + step), dtype=np.int64)
        out[lo : lo + len(num), k:] = num[:, None] // powers % 10 + ord("0")
    return out.view(f"<U{k + width}").reshape(n)


def _text(values: np.ndarray, take: np.ndarray | None = None):
    """``values`` (or ``values[take]``), a numpy text array, as the text column pandas makes of it, via Arrow.

    Equal to what ``pd.DataFrame`` makes of the numpy array (same dtype and values), without the Python string
    per row that route creates on the way (about 0.5 GB for the 5 million users at 300x).
    """
    import pyarrow as pa

    dtype = pd.Series(values[:0]).dtype
    arr = pa.array(values, type=pa.large_string())
    if take is not None:
        arr = arr.take(take)
    return arr.to_pandas(types_mapper={pa.large_string(): dtype}.get).array


class _Intervals:
    """Collects subscription intervals as arrays."""

    def __init__(self):
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, **cols):
        n = len(cols["account"])
        if n:
            self.parts.append({k: np.broadcast_to(np.asarray(v), (n,)).copy() for k, v in cols.items()})

    def frame(self) -> pd.DataFrame:
        keys = self.parts[0].keys()
        return pd.DataFrame({k: np.concatenate([p[k] for p in self.parts]) for k in keys})


class UsageSessions:
    """The simulated sessions, kept as compact integer pieces per month and turned into tables a month at a time.

    Sessions arrive in simulation order (chunks of :data:`SESSION_CHUNK`, then the pilot accounts) and are cut by
    month into pieces: account and user numbers, the date as days since 1970-01-01, the feature number and the
    seconds. With ``spill_dir`` every piece goes to an uncompressed ``.npz`` file there, so memory holds one
    chunk at a time, not the log (about 100 million sessions at 300x). A month is sorted by (date, account_id,
    user_id) on integers when it is read (ids are zero-padded, so their text order is their number order); a
    stable sort of a month's pieces in arrival order equals the stable sort of the whole log cut at that month.

    Parameters
    ----------
    account_ids, user_ids : numpy.ndarray
        The text ids, indexed by the account and user numbers given to :meth:`add`.
    spill_dir : str or pathlib.Path, optional
        An existing folder for the pieces (the caller removes it); ``None`` keeps them in memory.
    """

    _COLUMNS = ("acc", "user", "date", "feat", "seconds")

    def __init__(self, account_ids, user_ids, spill_dir=None):
        self.account_ids, self.user_ids = account_ids, user_ids
        self.spill_dir = None if spill_dir is None else Path(spill_dir)
        self._pieces: dict[int, list] = {}  # month number (months since 1970-01) -> pieces, in arrival order
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def months(self) -> pd.PeriodIndex:
        """The months that have sessions, in order."""
        return pd.PeriodIndex([_period(m) for m in sorted(self._pieces)], freq="M")

    def add(self, acc, user, date, feat, seconds) -> None:
        """Append sessions (equal-length arrays; ``date`` as datetime64[D]) after those already added.

        Parameters
        ----------
        acc, user : numpy.ndarray
            Account and user numbers (positions in ``account_ids`` and ``user_ids``).
        date : numpy.ndarray
            Session dates, datetime64[D].
        feat : numpy.ndarray
            Feature numbers (positions in ``FEATURES``).
        seconds : numpy.ndarray
            Session lengths in seconds.
        """
        days = np.asarray(date, dtype="datetime64[D]").view(np.int64)
        cols = {
            "acc": _compact(acc, np.int32),
            "user": _compact(user, np.int32),
            "date": _compact(days, np.int32),
            "feat": _compact(feat, np.int8),
            "seconds": _compact(seconds, np.int32),
        }
        month = np.asarray(date, dtype="datetime64[D]").astype("datetime64[M]").view(np.int64)
        order = np.argsort(month, kind="stable")  # stable: each month's rows keep their arrival order
        month = month[order]
        starts = np.flatnonzero(np.r_[True, month[1:] != month[:-1]]) if len(month) else np.array([], int)
        bounds = [*starts.tolist(), len(month)]
        for i, lo in enumerate(starts.tolist()):
            piece = {k: v[order[lo : bounds[i + 1]]] for k, v in cols.items()}
            pieces = self._pieces.setdefault(int(month[lo]), [])
            if self.spill_dir is not None:
                path = self.spill_dir / f"{int(month[lo])}-{len(pieces)}.npz"
                np.savez(path, **piece)
                piece = path
            pieces.append(piece)
        self._n += len(month)

    def _month_columns(self, month: int) -> dict[str, np.ndarray]:
        """One month's columns, its pieces concatenated in arrival order and stably sorted by (date, acc, user)."""
        parts = []
        for piece in self._pieces[month]:
            if isinstance(piece, Path):
                with np.load(piece) as npz:
                    piece = {k: npz[k] for k in self._COLUMNS}
            parts.append(piece)
        cols = {k: np.concatenate([p[k] for p in parts]) for k in self._COLUMNS}
        del parts
        order = np.lexsort((cols["user"], cols["acc"], cols["date"]))
        return {k: v[order] for k, v in cols.items()}

    def _frame(self, cols: dict[str, np.ndarray]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "account_id": self.account_ids[cols["acc"]],
                "user_id": self.user_ids[cols["user"]],
                "date": cols["date"].astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]"),
                "feature": FEATURES[cols["feat"]],
                "session_seconds": cols["seconds"].astype(np.int64),
            }
        )

    def frame(self) -> pd.DataFrame:
        """All sessions as one DataFrame sorted by (date, account_id, user_id) (for the small scales).

        Returns
        -------
        pandas.DataFrame
            Columns ``account_id``, ``user_id``, ``date``, ``feature``, ``session_seconds``.
        """
        months = [self._month_columns(m) for m in sorted(self._pieces)]
        if not months:
            months = [{k: np.zeros(0, np.int32) for k in self._COLUMNS}]
        return self._frame({k: np.concatenate([m[k] for m in months]) for k in self._COLUMNS})

    def by_month(self):
        """Each month's sessions, in month order.

        Yields
        ------
        tuple of (pandas.Period, pandas.DataFrame)
            The month and its sessions, sorted and with the columns of :meth:`frame`.
        """
        for m in sorted(self._pieces):
            yield _period(m), self._frame(self._month_columns(m))

    def arrow_by_month(self):
        """Each month's sessions as an Arrow table, in month order, without a DataFrame in between.

        The table has the schema, with its ``pandas`` metadata, that ``pyarrow.Table.from_pandas`` gives the
        month's :meth:`by_month` frame, so Parquet files written from either are the same bytes. The text ids
        are taken from Arrow arrays of the ids (no per-row Python strings).

        Yields
        ------
        tuple of (pandas.Period, pyarrow.Table)
            The month and its sessions.
        """
        import pyarrow as pa

        empty = self._frame({k: np.zeros(0, np.int32) for k in self._COLUMNS})
        schema = pa.Schema.from_pandas(empty, preserve_index=False)
        texts = {
            "acc": pa.array(self.account_ids, type=schema.field("account_id").type),
            "user": pa.array(self.user_ids, type=schema.field("user_id").type),
            "feat": pa.array(FEATURES, type=schema.field("feature").type),
        }
        for m in sorted(self._pieces):
            cols = self._month_columns(m)
            arrays = [
                texts["acc"].take(cols.pop("acc")),
                texts["user"].take(cols.pop("user")),
                pa.array(cols.pop("date").astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]")),
                texts["feat"].take(cols.pop("feat")),
                pa.array(cols.pop("seconds").astype(np.int64)),
            ]
            yield _period(m), pa.Table.from_arrays(arrays, schema=schema)


def _period(month: int) -> pd.Period:
    """The pandas Period of a month number (months since 1970-01)."""
    return pd.Period(year=1970 + month // 12, month=month % 12 + 1, freq="M")


def _compact(a, dtype) -> np.ndarray:
    """``a`` as the smaller integer ``dtype`` when every value fits, else as int64."""
    a = np.asarray(a)
    info = np.iinfo(dtype)
    if len(a) == 0 or (a.min() >= info.min and a.max() <= info.max):
        return a.astype(dtype)
    return a.astype(np.int64)


#: Sessions simulated per step (rows of the session index): memory holds one step's arrays, not the whole log.
SESSION_CHUNK = 4_000_000


def _session_draws(rng: np.random.Generator, n: int):
    """The random draws of ``n`` sessions, in steps of :data:`SESSION_CHUNK` rows, as if drawn in one go.

    The one-go simulation drew, in this order: six ``rng.random(n)``, ``rng.integers(0, 4, n)`` and
    ``rng.lognormal(log 540, 0.7, n)``. This yields the same values a step at a time and leaves ``rng``
    exactly where the one-go draws left it (the later tables draw from it), so every table is unchanged.

    Parameters
    ----------
    rng : numpy.random.Generator
        The simulation's generator (PCG64); advanced past the ``n`` sessions' draws once the steps are consumed.
    n : int
        Number of sessions.

    Yields
    ------
    tuple
        ``(lo, hi, uniform, ints, lognormal)`` for rows ``lo:hi``: ``uniform(j)`` draws the rows of the j-th
        ``random(n)`` (j = 0..5, when needed, so that they are not all held at once), then the integers in 0..3
        and the log-normal draws.
    """
    if n == 0:
        return
    state = rng.bit_generator.state
    # integers() reads 32-bit halves and keeps an unused half in the state: a half left by an earlier call is
    # the first one the one-go integers() took.
    pending = int(state["has_uint32"])

    def stream(skip: int, has_uint32: int = 0, uinteger: int = 0) -> np.random.Generator:
        # A copy of rng moved `skip` 64-bit outputs ahead (PCG64 jumps in O(log skip)).
        bg = np.random.PCG64()
        bg.state = state
        bg.advance(skip)
        st = bg.state
        st["has_uint32"], st["uinteger"] = has_uint32, uinteger
        bg.state = st
        return np.random.Generator(bg)

    # integers(0, 4, n) takes one 32-bit half per value (low half first; Lemire's method never rejects for a
    # range of 4), from output 6n on; log-normal (ziggurat, a variable number of outputs per value) follows the
    # last half, so it is drawn from one generator, step after step, never jumped into.
    halves = n - pending
    lognormal = stream(6 * n + (halves + 1) // 2)
    ints_gen = None
    for lo in range(0, n, SESSION_CHUNK):
        hi = min(n, lo + SESSION_CHUNK)

        def uniform(j: int, lo: int = lo, hi: int = hi) -> np.ndarray:
            # random(n) takes exactly one 64-bit output per value: the j-th random(n) starts at output j * n
            return stream(j * n + lo).random(hi - lo)

        if lo < pending:
            ints_gen = stream(6 * n, 1, state["uinteger"])
            ints = ints_gen.integers(0, 4, hi - lo)
        else:
            # a step starting on a high half draws the low half before it and drops it
            k, odd = divmod(lo - pending, 2)
            ints_gen = stream(6 * n + k)
            ints = ints_gen.integers(0, 4, hi - lo + odd)[odd:]
        yield lo, hi, uniform, ints, lognormal.lognormal(np.log(540), 0.7, hi - lo)
    # where the one-go draws left rng: after the log-normals, holding the half integers() left unused
    final = lognormal.bit_generator.state
    last = ints_gen.bit_generator.state
    final["has_uint32"], final["uinteger"] = last["has_uint32"], last["uinteger"]
    rng.bit_generator.state = final


def _simulate_sessions(
    rng, sessions: UsageSessions, am: pd.DataFrame, n_sess, active_users, h, *, user_offset, initial_plan
):
    """Simulate every account-month's sessions a step at a time and add them to ``sessions``."""
    cum = np.cumsum(n_sess)
    n = int(cum[-1]) if len(cum) else 0
    acc = am["account"].to_numpy()
    t = am["t"].to_numpy()
    day_lo, day_hi = am["day_lo"].to_numpy(), am["day_hi"].to_numpy()
    enterprise = initial_plan == "Enterprise"
    core_cut = np.cumsum(FEATURE_P)
    for lo, hi, uniform, ints, lognormal in _session_draws(rng, n):
        r = np.searchsorted(cum, np.arange(lo, hi), side="right")  # the account-month of each session
        s_acc = acc[r]
        s_user = user_offset[s_acc] + (uniform(0) * np.maximum(active_users[r], 1)).astype(int)
        lo_d = day_lo[r] - 1
        width = day_hi[r] - lo_d
        day_ = lo_d + (uniform(1) * width).astype(int)
        start = _month_start(t[r])
        date = start + day_.astype("timedelta64[D]")
        weekend = ((date.astype("datetime64[D]").view("int64") - 4) % 7) >= 5  # 1970-01-05 was a Monday
        redraw = weekend & (uniform(2) < 0.75)
        day2 = lo_d + (uniform(3) * width).astype(int)
        date = np.where(redraw, start + day2.astype("timedelta64[D]"), date)
        del lo_d, width, day_, start, weekend, redraw, day2
        adv = np.clip(0.6 + 0.5 * h[r] + 0.4 * enterprise[s_acc], 0.2, 1.6)
        feat = (uniform(4)[:, None] > core_cut[None, :]).sum(axis=1)
        use_adv = uniform(5) < 0.12 * adv
        feat = np.where(use_adv & (feat < 3), 3 + ints, feat)
        feat = np.minimum(feat, len(FEATURES) - 1)
        seconds = np.round(lognormal * np.exp(0.1 * h[r])).astype(np.int64)
        del ints, lognormal, adv, use_adv
        sessions.add(s_acc, s_user, date, feat, seconds)


def generate(  # noqa: C901 (one simulation, month by month)
    seed: int = 7, scale: float = 1.0, *, lazy_usage: bool = False, spill_dir: str | Path | None = None
) -> dict[str, pd.DataFrame | str]:
    """Simulate the sample company and return every table of the data contract.

    Returns a dict of DataFrames (keys are table names) plus ``kpi_tree.yaml`` and
    ``dataset.yaml`` as text. The same ``seed`` and ``scale`` give the same tables.
    With ``lazy_usage`` the usage table is a :class:`UsageSessions` that makes its
    DataFrame one month at a time (for the large scales); with ``spill_dir`` (an
    existing folder the caller removes afterwards) it keeps its sessions there, not
    in memory.

    Examples
    --------
    >>> tables = generate(seed=1, scale=0.2)
    >>> sorted(k for k in tables if not k.endswith(".yaml"))[:3]
    ['accounts', 'actions', 'costs']
    >>> bool(tables["subscriptions"]["mrr"].ge(0).all())
    True
    """
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    rng = np.random.default_rng(seed)
    T = N_MONTHS
    month_of_year = np.array([(FIRST_MONTH + t).month for t in range(T)])

    # ---------------------------------------------------------------- accounts
    season = np.where(np.isin(month_of_year, [3, 4]), 1.55, np.where(month_of_year == 5, 1.2, 1.0))
    new_per_month = rng.poisson(scale * 11.0 * (1 + 0.03 * np.arange(T)) * season)
    n_acc = int(new_per_month.sum())
    t0 = np.repeat(np.arange(T), new_per_month)
    signup = _month_start(t0) + rng.integers(0, _days_in(t0)).astype("timedelta64[D]")
    size = rng.choice(len(SIZES), n_acc, p=SIZE_P)
    plan_p = np.array([[0.7, 0.28, 0.02], [0.35, 0.55, 0.10], [0.1, 0.55, 0.35], [0.02, 0.38, 0.6]])
    plan = (rng.random(n_acc)[:, None] > np.cumsum(plan_p[size], axis=1)).sum(axis=1)
    lo, hi = SIZE_SEATS[size, 0], SIZE_SEATS[size, 1]
    seats = lo + (rng.random(n_acc) * (hi - lo + 1)).astype(int)
    annual = rng.random(n_acc) < np.array([0.2, 0.4, 0.75])[plan]
    channel = rng.choice(len(CHANNELS), n_acc, p=CHANNEL_P)
    industry = rng.integers(0, len(INDUSTRIES), n_acc)
    # Onboarding: completion within 30 days; webinars lift it from their start.
    p_onboard = np.array([0.5, 0.6, 0.68, 0.72])[size] + np.where(
        signup >= np.datetime64(ONBOARDING_WEBINARS.date()), 0.17, 0.0
    )
    onboarded = rng.random(n_acc) < p_onboard
    stickiness = np.array([0.0, -0.15, 0.1, 0.25])[size] + np.array([0.2, -0.1, -0.15, 0.1, 0.0, -0.05])[industry]
    health = rng.normal(-0.3, 0.8, n_acc) + 0.9 * onboarded
    cac = np.round(CHANNEL_CAC[channel] * rng.lognormal(0, 0.25, n_acc), -3)
    plan_at_signup = plan.copy()

    # ---------------------------------------------------------------- state
    active = np.zeros(n_acc, bool)
    ever_paid = np.zeros(n_acc, bool)
    base_start = np.full(n_acc, np.datetime64("NaT"), "datetime64[D]")
    contract_start = base_start.copy()
    cur_mrr = np.zeros(n_acc, np.int64)
    addon_on = np.zeros((n_acc, 2), bool)
    addon_start = np.full((n_acc, 2), np.datetime64("NaT"), "datetime64[D]")
    churn_t = np.full(n_acc, -99)
    detractor_until = np.full(n_acc, -1)
    bad_support_until = np.full(n_acc, -1)
    intervals = _Intervals()
    refunds = []
    churn_events = []  # (account, t)
    acct_months = []  # per month: account, t, seats, health, day_lo, day_hi
    tickets, nps_rows = [], []

    def price(idx):
        m = seats[idx] * SEAT_PRICE[plan[idx]] * np.where(annual[idx], ANNUAL_DISCOUNT, 1.0)
        return np.round(m).astype(np.int64)

    def close_base(idx, end):
        intervals.add(
            account=idx,
            product="Workspace",
            plan=PLANS[plan[idx]],
            billing=np.where(annual[idx], "annual", "monthly"),
            seats=seats[idx],
            mrr=cur_mrr[idx],
            start=base_start[idx],
            end=end,
        )

    def open_base(idx, start):
        base_start[idx] = start
        cur_mrr[idx] = price(idx)
        contract_start[idx] = np.where(annual[idx], start, np.datetime64("NaT"))

    def close_addons(idx, end):
        for k in range(2):
            on = idx[addon_on[idx, k]]
            intervals.add(
                account=on,
                product=ADDONS[k],
                plan="Add-on",
                billing="monthly",
                seats=0,
                mrr=ADDON_PRICE[k],
                start=addon_start[on, k],
                end=end[addon_on[idx, k]],
            )
            addon_on[on, k] = False

    for t in range(T):
        ms, dim = _month_start(t), int(_days_in(t))
        day = lambda n, ms=ms, dim=dim: ms + rng.integers(0, dim, n).astype("timedelta64[D]")
        month_ts = pd.Timestamp(ms)

        # new accounts
        new = np.flatnonzero(t0 == t)
        open_base(new, signup[new])
        active[new] = True
        ever_paid[new] = True
        day_lo = np.ones(n_acc, int)
        day_lo[new] = (signup[new] - ms).astype(int) + 1
        day_hi = np.full(n_acc, dim)

        # health of existing accounts drifts; bad support hurts it
        old = np.flatnonzero(active & (t0 < t))
        health[old] += rng.normal(-0.015, 0.2, len(old)) - 0.25 * (bad_support_until[old] >= t)

        # churn: monthly plans any month, annual plans at renewal
        logit = (
            -3.25
            - 0.85 * health[old]
            - 0.8 * onboarded[old]
            + 0.85 * (detractor_until[old] >= t)
            + 0.6 * (bad_support_until[old] >= t)
        )
        p = _sigmoid(logit)
        anniversary = _add_months(
            contract_start[old],
            12 * np.maximum(1, np.round((ms - contract_start[old]).astype(int) / 365.25).astype(int)),
        )
        renewal = annual[old] & (anniversary.astype("datetime64[M]") == ms.astype("datetime64[M]"))
        p = np.where(annual[old], np.where(renewal, 1 - (1 - p) ** 12 * 1.05, 0.0), p)
        churn = old[rng.random(len(old)) < np.clip(p, 0, 1)]
        is_ann = annual[churn]
        end = np.where(is_ann, anniversary[np.isin(old, churn)] - np.timedelta64(1, "D"), day(len(churn)))
        close_base(churn, end)
        close_addons(churn, end)
        active[churn] = False
        cur_mrr[churn] = 0
        churn_t[churn] = t
        churn_events.append((churn, np.full(len(churn), t)))
        day_hi[churn] = np.minimum(dim, (end - ms).astype(int) + 1)

        # plan and seat changes (one base change per account and month)
        stay = np.setdiff1d(old, churn)
        r = rng.random(len(stay))
        h = health[stay]
        p_up = 0.045 * _sigmoid(1.2 * h + 0.5)
        p_down = 0.03 * _sigmoid(-1.2 * h)
        p_plan_up = np.where(plan[stay] < 2, 0.012 * _sigmoid(h), 0.0)
        p_plan_down = np.where(plan[stay] > 0, 0.006 * _sigmoid(-h), 0.0)
        edges = np.cumsum(np.stack([p_up, p_down, p_plan_up, p_plan_down]), axis=0)
        event = (r[None, :] > edges).sum(axis=0)  # 0..3 = event, 4 = nothing
        moved = stay[event < 4]
        if len(moved):
            when = day(len(moved))
            when = np.maximum(when, base_start[moved] + np.timedelta64(1, "D"))
            close_base(moved, when - np.timedelta64(1, "D"))
            ev = event[event < 4]
            grow = np.ceil(seats[moved] * rng.uniform(0.1, 0.45, len(moved))).astype(int)
            shrink = np.ceil(seats[moved] * rng.uniform(0.1, 0.3, len(moved))).astype(int)
            seats[moved] = np.where(
                ev == 0, seats[moved] + grow, np.where(ev == 1, np.maximum(2, seats[moved] - shrink), seats[moved])
            )
            plan[moved] = plan[moved] + (ev == 2) - (ev == 3)
            ann = moved[annual[moved]]
            if len(ann):  # co-termed new annual contract; refund the unused months of the old one
                nxt = _add_months(
                    contract_start[ann], 12 * (1 + ((when[annual[moved]] - contract_start[ann]).astype(int) // 366))
                )
                left = np.round((nxt - when[annual[moved]]).astype(int) / 30.44).astype(int)
                refunds.append((ann, when[annual[moved]], -(cur_mrr[ann] * left)))
            open_base(moved, when)

        # add-on cross-sell and add-on cancellations
        campaign = 2.4 if month_ts >= ADDON_CAMPAIGN else 1.0
        for k in range(2):
            can = stay[(plan[stay] >= 1) & ~addon_on[stay, k]]
            buy = can[rng.random(len(can)) < 0.011 * campaign * _sigmoid(health[can] + 0.5) * 2]
            addon_on[buy, k] = True
            addon_start[buy, k] = day(len(buy))
            has = stay[addon_on[stay, k] & (addon_start[stay, k] < ms)]
            drop = has[rng.random(len(has)) < 0.015]
            if len(drop):
                when = day(len(drop))
                intervals.add(
                    account=drop,
                    product=ADDONS[k],
                    plan="Add-on",
                    billing="monthly",
                    seats=0,
                    mrr=ADDON_PRICE[k],
                    start=addon_start[drop, k],
                    end=when,
                )
                addon_on[drop, k] = False

        # reactivation, 2-12 months after churning
        gone = np.flatnonzero(~active & ever_paid & (t - churn_t >= 2) & (t - churn_t <= 12))
        back = gone[rng.random(len(gone)) < 0.018]
        if len(back):
            seats[back] = np.maximum(2, np.round(seats[back] * 0.8)).astype(int)
            annual[back] = False
            when = day(len(back))
            open_base(back, when)
            active[back] = True
            health[back] = rng.normal(0.3, 0.5, len(back))
            day_lo[back] = (when - ms).astype(int) + 1

        # record the account-month for usage
        here = np.flatnonzero(active | np.isin(np.arange(n_acc), churn))
        acct_months.append(
            np.stack(
                [
                    here,
                    np.full(len(here), t),
                    seats[here],
                    np.round(health[here] * 1000).astype(int),
                    day_lo[here],
                    day_hi[here],
                ]
            )
        )

        # support tickets; slow or repeated support hurts
        n_t = rng.poisson(0.22 + 0.012 * seats[here])
        tk_acc = np.repeat(here, n_t)
        n = len(tk_acc)
        if n:
            lo_d = np.repeat(day_lo[here], n_t) - 1
            hi_d = np.repeat(day_hi[here], n_t)
            opened = (ms + (lo_d + (rng.random(n) * (hi_d - lo_d)).astype(int)).astype("timedelta64[D]")).astype(
                "datetime64[s]"
            )
            opened = opened + (rng.integers(9 * 60, 19 * 60, n) * 60).astype("timedelta64[s]")
            cat = rng.choice(len(TICKET_CATEGORIES), n, p=TICKET_CATEGORY_P)
            median_h = (
                2.5
                if month_ts < UNDERSTAFFED[0]
                else 10.0
                if month_ts <= UNDERSTAFFED[1]
                else 1.4
                if month_ts >= CHAT_SUPPORT
                else 2.5
            )
            first_h = rng.lognormal(np.log(median_h), 0.8, n)
            resolve_h = rng.lognormal(np.log(18), 1.0, n) * np.where(np.isin(cat, [1, 4]), 2.0, 1.0)
            contacts = 1 + rng.poisson(np.where(np.isin(cat, [1, 3, 4]), 0.9, 0.35))
            reopened = rng.random(n) < 0.07
            escalated = rng.random(n) < np.where(np.isin(cat, [1, 4]), 0.14, 0.03)
            bad = (first_h > 12) | (reopened & (contacts >= 3)) | escalated & (first_h > 6)
            bad_support_until[tk_acc[bad]] = t + 2
            tickets.append(
                pd.DataFrame(
                    {
                        "account": tk_acc,
                        "opened": opened,
                        "first_h": first_h,
                        "resolve_h": resolve_h,
                        "contacts": contacts,
                        "reopened": reopened,
                        "escalated": escalated,
                        "channel": rng.choice(3, n, p=[0.5, 0.35, 0.15])
                        if month_ts >= CHAT_SUPPORT
                        else rng.choice(3, n, p=[0.75, 0.05, 0.2]),
                        "category": cat,
                        "bad": bad,
                    }
                )
            )

        # NPS survey in April and October; detractors churn more afterwards
        if month_of_year[t] in (4, 10):
            elig = np.flatnonzero(active & (t0 <= t - 2))
            n_r = rng.binomial(np.minimum(seats[elig], 6), 0.3)
            r_acc = np.repeat(elig, n_r)
            score = np.clip(np.round(7.4 + 1.6 * health[r_acc] + rng.normal(0, 1.5, len(r_acc))), 0, 10).astype(int)
            mean_score = pd.Series(score).groupby(r_acc).mean()
            detractor_until[mean_score.index[mean_score.to_numpy() <= 6.5].to_numpy()] = t + 6
            nps_rows.append(
                pd.DataFrame(
                    {
                        "account": r_acc,
                        "date": ms + rng.integers(5, 25, len(r_acc)).astype("timedelta64[D]"),
                        "score": score,
                        "user_k": (rng.random(len(r_acc)) * np.repeat(seats[elig], n_r)).astype(int),
                    }
                )
            )

    # close everything still open at the data end
    still = np.flatnonzero(active)
    nat = np.full(len(still), np.datetime64("NaT"), "datetime64[D]")
    close_base(still, nat)
    close_addons(still, nat)
    subs = intervals.frame()

    # two upgrades booked for next month (mess: dated after the data end)
    booked = still[np.argsort(-cur_mrr[still], kind="stable")[:2]]
    booked_rows = subs.index[subs["account"].isin(booked) & subs["end"].isna() & (subs["product"] == "Workspace")]
    upgrade = subs.loc[booked_rows].copy()
    subs.loc[booked_rows, "end"] = np.datetime64(DATA_END.date(), "D")
    upgrade["start"] = np.datetime64((DATA_END + pd.Timedelta(days=1)).date(), "D")
    upgrade["seats"] = upgrade["seats"] + 20
    upgrade["mrr"] = np.round(upgrade["mrr"] / (upgrade["seats"] - 20) * upgrade["seats"]).astype(np.int64)
    subs = pd.concat([subs, upgrade], ignore_index=True)

    am = np.concatenate(acct_months, axis=1)
    del acct_months
    am = pd.DataFrame(am.T, columns=["account", "t", "seats", "health", "day_lo", "day_hi"])
    am["health"] = am["health"] / 1000
    am = am.sort_values(["account", "t"], kind="stable").reset_index(drop=True)  # sorted here: one copy is held
    ch = np.concatenate([c[0] for c in churn_events]), np.concatenate([c[1] for c in churn_events])

    ids = _ids("A", 1, n_acc + 1, 6)
    tables = _tables(
        rng,
        ids=ids,
        t0=t0,
        signup=signup,
        size=size,
        subs=subs,
        refunds=refunds,
        am=am,
        churn=ch,
        tickets=tickets,
        nps_rows=nps_rows,
        industry=industry,
        channel=channel,
        cac=cac,
        onboarded=onboarded,
        stickiness=stickiness,
        initial_plan=PLANS[plan_at_signup],
        spill_dir=spill_dir,
    )
    tables["subscriptions"] = _with_contract_terms(tables["subscriptions"], seed)
    tables["kpi_tree.yaml"] = kpi_tree_yaml(scale)
    if not lazy_usage:
        tables["usage"] = tables["usage"].frame()
    return tables


#: Notice period (days before the contract end by which a cancellation must be given) per plan of an annual contract.
NOTICE_DAYS = {"Starter": 30, "Standard": 60, "Enterprise": 90}
#: Share of annual contracts that do not renew by themselves (the customer signs each renewal).
MANUAL_RENEWAL_SHARE = 0.2


def _with_contract_terms(subs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The subscriptions with their contract terms as new last columns; every other column and value unchanged.

    Made after the simulation, from the rows alone, so the random stream of everything else is untouched. An
    annual row's contract runs in 12-month terms from its start date (a plan or seat change starts a new contract);
    ``contract_end_date`` is the last day of the term in force on the row's last day (its end date, else the data
    end). ``auto_renew`` is drawn per account by a generator of its own; ``notice_days`` follows the plan. Monthly
    rows have no contract terms (empty cells).
    """
    out = subs.copy()
    annual = (out["billing_period"] == "annual").to_numpy()
    start = out["start_date"].to_numpy().astype("datetime64[D]")
    last = out["end_date"].fillna(DATA_END).to_numpy().astype("datetime64[D]")
    last = np.maximum(last, start)  # a row booked after the data end: its first term
    # the first k >= 1 whose term end (the day before the k-th anniversary) is on or after the row's last day
    k = np.maximum(1, ((last - start).astype(int) // 365))
    k = np.where(annual, k, 1)
    for _ in range(2):  # the 365-day guess is at most one year short
        end = _add_months(start, 12 * k) - np.timedelta64(1, "D")
        k = np.where(end < last, k + 1, k)
    end = _add_months(start, 12 * k) - np.timedelta64(1, "D")
    out["contract_end_date"] = pd.Series(end.astype("datetime64[ns]"), index=out.index).where(annual)
    accounts = np.sort(out["account_id"].unique())
    manual = dict(zip(accounts, np.random.default_rng([seed, 14]).random(len(accounts)) < MANUAL_RENEWAL_SHARE))
    auto = np.where(out["account_id"].map(manual).to_numpy(dtype=bool), "false", "true")
    out["auto_renew"] = pd.Series(auto, index=out.index, dtype=object).where(annual, None)
    out["notice_days"] = pd.array(out["plan"].map(NOTICE_DAYS).where(annual), dtype="Int64")
    return out


def _tables(
    rng,
    *,
    ids,
    t0,
    signup,
    size,
    subs,
    refunds,
    am,
    churn,
    tickets,
    nps_rows,
    industry,
    channel,
    cac,
    onboarded,
    stickiness,
    initial_plan,
    spill_dir=None,
) -> dict:
    n_acc = len(ids)
    T = N_MONTHS
    out: dict = {}

    # ------------------------------------------------------------ accounts (+ 4 pilots, mess)
    n_pilot = 4
    pilot_t = np.array([T - 5, T - 4, T - 4, T - 3])[:n_pilot]
    pilot_ids = _ids("A", n_acc + 1, n_acc + n_pilot + 1, 6)
    all_ids = np.concatenate([ids, pilot_ids])
    all_signup = np.concatenate([signup, _month_start(pilot_t) + np.array([3, 10, 17, 8]).astype("timedelta64[D]")])
    names = np.char.add(
        np.char.add("株式会社", rng.choice(NAME_HEAD, len(all_ids))), rng.choice(NAME_TAIL, len(all_ids))
    )
    all_size = np.concatenate([size, np.zeros(n_pilot, int)])
    out["accounts"] = pd.DataFrame(
        {
            "account_id": all_ids,
            "signup_date": all_signup,
            "name": names,
            "industry": INDUSTRIES[np.concatenate([industry, np.zeros(n_pilot, int)])],
            "company_size": SIZES[all_size],
            "region": REGIONS[rng.choice(len(REGIONS), len(all_ids), p=REGION_P)],
            "plan": np.concatenate([initial_plan, np.full(n_pilot, "Starter")]),
            "acquisition_channel": CHANNELS[np.concatenate([channel, np.zeros(n_pilot, int)])],
            "acquisition_cost": np.concatenate([cac, np.zeros(n_pilot)]).astype(np.int64),
            "owner": OWNERS[rng.integers(0, len(OWNERS), len(all_ids))],
        }
    )

    # ------------------------------------------------------------ subscriptions
    subs = subs.sort_values(["start", "account", "product"], kind="stable").reset_index(drop=True)
    out["subscriptions"] = pd.DataFrame(
        {
            "subscription_id": _text(_ids("S", 1, len(subs) + 1, 7)),
            "account_id": ids[subs["account"].to_numpy()],
            "product": subs["product"].to_numpy(),
            "plan": subs["plan"].to_numpy(),
            "billing_period": subs["billing"].to_numpy(),
            "seats": subs["seats"].to_numpy(),
            "mrr": subs["mrr"].to_numpy().astype(np.int64),
            "start_date": subs["start"].to_numpy(),
            "end_date": subs["end"].to_numpy(),
        }
    )

    # ------------------------------------------------------------ mrr_monthly (month-end snapshots)
    months = pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M")
    s = out["subscriptions"]
    m_first = s["start_date"].dt.to_period("M")
    end = s["end_date"].fillna(DATA_END)
    m_last = end.dt.to_period("M") - (end < end.dt.to_period("M").dt.end_time.dt.normalize()).astype(int)
    n = np.maximum(m_last.array.asi8 - m_first.array.asi8, -1) + 1  # months between, on the periods' ordinals
    n = np.where(s["start_date"] > DATA_END, 0, n)
    rows = np.repeat(np.arange(len(s)), n)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n)
    mm = pd.DataFrame(
        {
            "account_id": s["account_id"].to_numpy()[rows],
            "product": s["product"].to_numpy()[rows],
            # on the periods' ordinals, not Period objects one by one
            "month": pd.PeriodIndex.from_ordinals(m_first.array.asi8[rows] + offset, freq="M") if len(rows) else [],
            "mrr": s["mrr"].to_numpy()[rows],
        }
    )
    mm = mm[mm["month"].isin(months)]
    mm = mm.groupby(["account_id", "month", "product"], as_index=False)["mrr"].sum()
    out["mrr_monthly"] = mm.sort_values(["month", "account_id", "product"]).reset_index(drop=True)
    del s, m_first, end, m_last, n, rows, offset, mm

    # ------------------------------------------------------------ churn distance for usage decline
    acc_c, t_c = churn
    ckey = np.sort(acc_c.astype(np.int64) * 1000 + t_c)
    # ------------------------------------------------------------ users
    key_sorted = am["account"].to_numpy().astype(np.int64) * 1000 + am["t"].to_numpy()
    pos = np.searchsorted(ckey, key_sorted)
    found = pos < len(ckey)
    nxt = np.where(found, ckey[np.minimum(pos, len(ckey) - 1)], -1)
    same = found & (nxt // 1000 == am["account"].to_numpy())
    dist = np.where(same, nxt % 1000 - am["t"].to_numpy(), 99)
    decline = np.select([dist == 0, dist == 1, dist == 2, dist == 3], [0.3, 0.45, 0.62, 0.8], 1.0)
    cummax = am.groupby("account")["seats"].cummax().to_numpy()
    prev = np.concatenate([[0], cummax[:-1]])
    first_row = np.concatenate([[True], am["account"].to_numpy()[1:] != am["account"].to_numpy()[:-1]])
    prev[first_row] = 0
    created_n = cummax - prev
    u_acc = np.repeat(am["account"].to_numpy(), created_n)
    u_t = np.repeat(am["t"].to_numpy(), created_n)
    u_day = np.repeat(am["day_lo"].to_numpy(), created_n) - 1
    n_users_acc = np.bincount(u_acc, minlength=n_acc)
    user_offset = np.concatenate([[0], np.cumsum(n_users_acc)[:-1]])
    u_order = np.lexsort((u_t, u_acc))
    u_acc, u_t, u_day = u_acc[u_order], u_t[u_order], u_day[u_order]
    created = _month_start(u_t) + u_day.astype("timedelta64[D]")
    by_acc = out["subscriptions"].groupby("account_id")["end_date"]
    ended = by_acc.max().where(by_acc.count().eq(by_acc.size()))  # NaT while any interval is open
    n_users = len(u_acc)
    user_ids = _ids("U", 1, n_users + 1, 7)
    deact = ended.reindex(ids).to_numpy()[u_acc]  # per account, then per user: no text index of every user
    role = np.where(np.arange(n_users) - user_offset[u_acc] == 0, "admin", "member")
    pilot_users = _ids("U", n_users + 1, n_users + 3 * n_pilot + 1, 7)
    out["users"] = pd.DataFrame(
        {
            "account_id": _text(all_ids, np.concatenate([u_acc, np.repeat(np.arange(n_acc, n_acc + n_pilot), 3)])),
            "user_id": _text(np.concatenate([user_ids, pilot_users])),
            "created_date": np.concatenate([created, np.repeat(all_signup[n_acc:], 3).astype("datetime64[D]")]),
            "role": _text(np.concatenate([role, np.tile(["admin", "member", "member"], n_pilot)])),
            "deactivated_date": np.concatenate([deact, np.full(3 * n_pilot, np.datetime64("NaT"))]).astype(
                "datetime64[ns]"
            ),
        }
    )
    del key_sorted, pos, found, nxt, same, dist, cummax, prev, first_row, created_n
    del u_acc, u_t, u_day, u_order, created, by_acc, ended, deact, role

    # ------------------------------------------------------------ usage sessions
    h = am["health"].to_numpy()
    acc = am["account"].to_numpy()
    util = _sigmoid(0.3 + 0.9 * h + stickiness[acc]) * decline
    active_users = rng.binomial(am["seats"].to_numpy(), np.clip(util, 0, 1))
    span = (am["day_hi"] - am["day_lo"] + 1).to_numpy() / _days_in(am["t"].to_numpy())
    lam = 2.4 * np.exp(0.3 * h + 0.8 * stickiness[acc]) * decline * span
    n_sess = rng.poisson(active_users * lam)
    usage = UsageSessions(
        np.concatenate([ids, pilot_ids]), np.concatenate([user_ids, pilot_users]), spill_dir=spill_dir
    )
    _simulate_sessions(rng, usage, am, n_sess, active_users, h, user_offset=user_offset, initial_plan=initial_plan)
    del h, acc, util, active_users, span, lam, n_sess, decline
    # pilot accounts: a trickle of usage, never a subscription (mess: warning)
    for i in range(len(pilot_ids)):
        k = 25 + 5 * i
        d0 = np.datetime64(pd.Timestamp(all_signup[n_acc + i]).date(), "D")
        span_days = int((np.datetime64(DATA_END.date(), "D") - d0).astype(int)) + 1
        p_user = n_users + 3 * i + rng.integers(0, 3, k)
        p_date = d0 + rng.integers(0, span_days, k).astype("timedelta64[D]")
        p_feat = rng.integers(0, 3, k)
        usage.add(
            np.full(k, n_acc + i),
            p_user,
            p_date,
            p_feat,
            np.round(rng.lognormal(np.log(400), 0.6, k)).astype(np.int64),
        )
    out["usage"] = usage

    # ------------------------------------------------------------ onboarding milestones
    m_idx = np.tile(np.arange(len(MILESTONES)), n_acc)
    o_acc = np.repeat(np.arange(n_acc), len(MILESTONES))
    lo_m, hi_m = MILESTONE_DAYS[m_idx, 0], MILESTONE_DAYS[m_idx, 1]
    days = lo_m + (rng.random(len(m_idx)) * (hi_m - lo_m + 1)).astype(int)
    # accounts that did not finish in 30 days miss one or two late milestones (late or never)
    failing = ~onboarded[o_acc]
    miss_from = rng.integers(1, 4, n_acc)[o_acc]
    missed = failing & (m_idx >= miss_from)
    never = missed & (rng.random(len(m_idx)) < 0.55)
    days = np.where(missed, 31 + rng.integers(0, 90, len(m_idx)), days)
    done = signup[o_acc] + days.astype("timedelta64[D]")
    done = np.where(never | (done > np.datetime64(DATA_END.date(), "D")), np.datetime64("NaT"), done)
    out["onboarding"] = pd.DataFrame(
        {
            "account_id": ids[o_acc],
            "milestone": MILESTONES[m_idx],
            "completed_date": done.astype("datetime64[ns]"),
            "due_days": MILESTONE_DUE[m_idx],
        }
    )

    # ------------------------------------------------------------ tickets
    tk = pd.concat(tickets, ignore_index=True)
    tickets.clear()  # the caller's list: its monthly frames are not needed any more
    tk = tk.sort_values(["opened", "account"], kind="stable").reset_index(drop=True)
    first = tk["opened"] + pd.to_timedelta(np.round(tk["first_h"] * 60), unit="min")
    resolved = first + pd.to_timedelta(np.round(tk["resolve_h"] * 60), unit="min")
    end_ts = DATA_END + pd.Timedelta(hours=23, minutes=59)
    first = first.where(first <= end_ts)
    resolved = resolved.where(resolved <= end_ts)
    tickets_df = pd.DataFrame(
        {
            "ticket_id": _text(_ids("T", 1, len(tk) + 1, 6)),
            "account_id": ids[tk["account"].to_numpy()],
            "opened_at": tk["opened"],
            "first_response_at": first,
            "resolved_at": resolved,
            "contacts": tk["contacts"].astype("Int64").where(resolved.notna()),
            "reopened": tk["reopened"],
            "escalated": tk["escalated"],
            "channel": TICKET_CHANNELS[tk["channel"].to_numpy()],
            "category": TICKET_CATEGORIES[tk["category"].to_numpy()],
        }
    )
    gap = tickets_df["opened_at"].dt.to_period("M") == TICKET_EXPORT_GAP
    out["tickets"] = tickets_df[~gap].reset_index(drop=True)
    del tickets_df, gap, first

    # ------------------------------------------------------------ surveys: NPS, CSAT after tickets, CES after onboarding
    nps = pd.concat(nps_rows, ignore_index=True)
    nps_rows.clear()
    nps_df = pd.DataFrame(
        {
            "account_id": ids[nps["account"].to_numpy()],
            "date": nps["date"].to_numpy(),
            "survey": "nps",
            "score": nps["score"].to_numpy(),
            "user_id": user_ids[
                np.minimum(user_offset[nps["account"].to_numpy()] + nps["user_k"].to_numpy(), n_users - 1)
            ],
            "touchpoint": "relationship",
        }
    )
    answered = tk[(resolved.notna()).to_numpy() & (rng.random(len(tk)) < 0.45)]
    csat = np.clip(
        np.round(4.4 - 1.4 * answered["bad"] - 0.3 * (answered["contacts"] - 1) + rng.normal(0, 0.7, len(answered))),
        1,
        5,
    ).astype(int)
    csat_df = pd.DataFrame(
        {
            "account_id": ids[answered["account"].to_numpy()],
            "date": (
                resolved[answered.index].dt.normalize() + pd.to_timedelta(rng.integers(0, 3, len(answered)), unit="D")
            ).to_numpy(),
            "survey": "csat",
            "score": csat.to_numpy(),
            "user_id": pd.NA,
            "touchpoint": "support",
        }
    )
    ces_acc = np.flatnonzero(rng.random(n_acc) < 0.6)
    ces_date = signup[ces_acc] + np.timedelta64(35, "D")
    keep = ces_date <= np.datetime64(DATA_END.date(), "D")
    ces_acc, ces_date = ces_acc[keep], ces_date[keep]
    ces = np.clip(np.round(4.3 + 1.6 * onboarded[ces_acc] + rng.normal(0, 1.0, len(ces_acc))), 1, 7).astype(int)
    ces_df = pd.DataFrame(
        {
            "account_id": ids[ces_acc],
            "date": ces_date,
            "survey": "ces",
            "score": ces,
            "user_id": pd.NA,
            "touchpoint": "onboarding",
        }
    )
    surveys = pd.concat([nps_df, csat_df, ces_df], ignore_index=True)
    del tk, resolved, nps, nps_df, answered, csat, csat_df, ces_acc, ces_date, ces, ces_df
    surveys = surveys[surveys["date"] <= DATA_END].copy()
    surveys["comment"] = _comments(rng, surveys)
    surveys = surveys.sort_values(["date", "account_id", "survey"], kind="stable").reset_index(drop=True)
    surveys.insert(0, "response_id", _text(_ids("R", 1, len(surveys) + 1, 6)))
    out["surveys"] = surveys[
        ["response_id", "account_id", "user_id", "date", "survey", "score", "touchpoint", "comment"]
    ]
    del surveys

    # ------------------------------------------------------------ trials (converted ones are the accounts)
    conv_p = CHANNEL_TRIAL_CONV
    converted = np.bincount(channel * T + t0, minlength=len(CHANNELS) * T)
    n_lost = rng.poisson(converted * (1 / conv_p.repeat(T) - 1))
    lost_ch, lost_t = np.divmod(np.repeat(np.arange(len(CHANNELS) * T), n_lost), T)
    trial_start = np.concatenate(
        [
            signup - rng.integers(10, 31, n_acc).astype("timedelta64[D]"),
            _month_start(lost_t) + rng.integers(0, 28, len(lost_t)).astype("timedelta64[D]"),
        ]
    )
    trials = pd.DataFrame(
        {
            "start_date": trial_start,
            "converted_date": np.concatenate([signup, np.full(len(lost_t), np.datetime64("NaT"), "datetime64[D]")]),
            "account_id": np.concatenate([ids, np.full(len(lost_t), None)]),
            "source": CHANNELS[np.concatenate([channel, lost_ch])],
        }
    )
    trials = (
        trials[trials["start_date"] >= FIRST_MONTH.start_time]
        .sort_values(["start_date", "source"], kind="stable")
        .reset_index(drop=True)
    )
    trials.insert(0, "trial_id", _text(_ids("TR", 1, len(trials) + 1, 6)))
    out["trials"] = trials

    # ------------------------------------------------------------ funnel per month and channel
    f_month = months.repeat(len(CHANNELS))
    f_ch = np.tile(CHANNELS, len(months))
    tr_counts = trials.assign(m=trials["start_date"].dt.to_period("M")).groupby(["m", "source"]).size()
    new_counts = (
        pd.Series(
            1,
            index=pd.MultiIndex.from_arrays(
                [pd.PeriodIndex(pd.DatetimeIndex(signup).to_period("M")), CHANNELS[channel]]
            ),
        )
        .groupby(level=[0, 1])
        .sum()
    )
    idx = pd.MultiIndex.from_arrays([f_month, f_ch])
    n_trials = tr_counts.reindex(idx, fill_value=0).to_numpy()
    n_new = new_counts.reindex(idx, fill_value=0).to_numpy()
    leads = np.round(n_trials / rng.uniform(0.25, 0.4, len(idx))).astype(int) + rng.integers(0, 5, len(idx))
    visitors = np.round(leads / rng.uniform(0.02, 0.05, len(idx))).astype(int)
    stages = ["visitors", "leads", "trials", "new_customers"]
    out["funnel"] = pd.DataFrame(
        {
            "month": np.repeat(f_month.astype(str), 4),
            "stage": np.tile(stages, len(idx)),
            "channel": np.repeat(f_ch, 4),
            "count": np.stack([visitors, leads, n_trials, n_new], axis=1).ravel(),
        }
    )

    # ------------------------------------------------------------ transactions
    out["transactions"] = _transactions(rng, out["subscriptions"], refunds, ids, am, initial_plan)

    # ------------------------------------------------------------ costs per month
    mrr_m = out["mrr_monthly"].groupby("month")["mrr"].sum().reindex(months, fill_value=0).to_numpy()
    paying = (
        out["mrr_monthly"][out["mrr_monthly"]["mrr"] > 0]
        .groupby("month")["account_id"]
        .nunique()
        .reindex(months, fill_value=0)
        .to_numpy()
    )
    sm = (
        pd.Series(cac, index=pd.PeriodIndex(pd.DatetimeIndex(signup).to_period("M")))
        .groupby(level=0)
        .sum()
        .reindex(months, fill_value=0)
        .to_numpy()
    )
    cs = 1_200_000 + 9_000 * paying + rng.integers(-50, 50, len(months)) * 1000
    cor = np.round(0.21 * mrr_m + 350_000 + rng.integers(-30, 30, len(months)) * 1000)
    out["costs"] = pd.DataFrame(
        {
            "month": np.repeat(months.astype(str), 3),
            "category": np.tile(["customer_success", "sales_marketing", "cost_of_revenue"], len(months)),
            "amount": np.stack([cs, sm, cor], axis=1).ravel().astype(np.int64),
        }
    )

    out["actions"] = pd.DataFrame(
        [
            (
                "ACT-01",
                "first_response_hours",
                "Add chat support and a second support shift",
                "Suzuki",
                "2025-09-01",
                "2025-12-31",
                "done",
                "Response times doubled during the spring 2025 hiring gap",
            ),
            (
                "ACT-02",
                "nps",
                "Call every NPS detractor within a week",
                "Tanaka",
                "2025-11-01",
                "2026-03-31",
                "dropped",
                "Stopped after two survey rounds: too few calls completed",
            ),
            (
                "ACT-03",
                "onboarding_completion_rate",
                "Weekly onboarding webinar for new accounts",
                "Sato",
                "2026-04-01",
                "2026-12-31",
                "open",
                "Invite sent on signup; recording for no-shows",
            ),
            (
                "ACT-04",
                "logo_churn_rate",
                "Health-check call for every red account",
                "Takahashi",
                "2026-06-01",
                "2026-12-31",
                "open",
                "",
            ),
            (
                "ACT-05",
                "cross_sell_rate",
                "Add-on bundle campaign for Standard and Enterprise",
                "Ito",
                "2026-08-01",
                "2026-11-30",
                "open",
                "Analytics + Automation bundle at 15% off",
            ),
        ],
        columns=["action_id", "kpi", "action", "owner", "start_date", "due_date", "status", "note"],
    )

    out["kpi_tree.yaml"] = KPI_TREE_YAML  # generate() grows its target with the scale
    out["dataset.yaml"] = DATASET_YAML
    return out


def _comments(rng, surveys: pd.DataFrame) -> np.ndarray:
    n = len(surveys)
    themes = list(COMMENTS)
    score = surveys["score"].to_numpy()
    survey = surveys["survey"].to_numpy()
    negative = np.where(survey == "nps", score <= 6, np.where(survey == "csat", score <= 2, score <= 3))
    positive = np.where(survey == "nps", score >= 9, np.where(survey == "csat", score >= 5, score >= 6))
    has = rng.random(n) < np.where(negative, 0.55, 0.22)
    theme = rng.integers(0, len(themes), n)
    theme = np.where((survey == "csat") & (rng.random(n) < 0.7), themes.index("support"), theme)
    theme = np.where((survey == "ces") & (rng.random(n) < 0.6), themes.index("usability"), theme)
    pick = rng.random(n)
    out = np.full(n, None, dtype=object)
    for i, th in enumerate(themes):
        neg, pos = COMMENTS[th]
        sel = has & (theme == i)
        out[sel & negative] = np.array(neg, dtype=object)[(pick[sel & negative] * len(neg)).astype(int)]
        mid = sel & ~negative
        out[mid] = np.array(pos, dtype=object)[(pick[mid] * len(pos)).astype(int)]
    out[has & ~negative & ~positive & (rng.random(n) < 0.5)] = None
    return out


def _transactions(rng, subs: pd.DataFrame, refunds, ids, am, initial_plan) -> pd.DataFrame:
    end = subs["end_date"].fillna(DATA_END)
    # monthly billing: an invoice on the subscription's day of month, every month it is active that day
    monthly = subs[(subs["billing_period"] == "monthly") & (subs["start_date"] <= DATA_END)]
    end_m = end[monthly.index]
    n = (
        (end_m.dt.year - monthly["start_date"].dt.year) * 12 + end_m.dt.month - monthly["start_date"].dt.month + 1
    ).to_numpy()
    rows = np.repeat(np.arange(len(monthly)), n)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n)
    start = monthly["start_date"].to_numpy().astype("datetime64[D]")[rows]
    date = _add_months(start, k)
    ok = date <= end_m.to_numpy().astype("datetime64[D]")[rows]
    rows = rows[ok]
    inv_m = pd.DataFrame(  # text columns taken as they are (Arrow), not as Python strings
        {
            "account_id": monthly["account_id"].array.take(rows),
            "date": date[ok],
            "amount": monthly["mrr"].to_numpy()[rows],
            "product": monthly["product"].array.take(rows),
        }
    )
    # annual billing: 12 x MRR at the start and at each anniversary inside the interval
    annual = subs[(subs["billing_period"] == "annual") & (subs["start_date"] <= DATA_END)]
    end_a = end[annual.index]
    n = ((end_a - annual["start_date"]).dt.days // 365 + 1).to_numpy()
    rows = np.repeat(np.arange(len(annual)), n)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n)
    date = _add_months(annual["start_date"].to_numpy().astype("datetime64[D]")[rows], 12 * k)
    ok = date <= end_a.to_numpy().astype("datetime64[D]")[rows]
    rows = rows[ok]
    inv_a = pd.DataFrame(
        {
            "account_id": annual["account_id"].array.take(rows),
            "date": date[ok],
            "amount": 12 * annual["mrr"].to_numpy()[rows],
            "product": annual["product"].array.take(rows),
        }
    )
    parts = [inv_m.assign(kind="subscription"), inv_a.assign(kind="subscription")]
    if refunds:
        r_acc = np.concatenate([r[0] for r in refunds])
        parts.append(
            pd.DataFrame(
                {
                    "account_id": ids[r_acc],
                    "date": np.concatenate([r[1] for r in refunds]),
                    "amount": np.concatenate([r[2] for r in refunds]),
                    "product": "Workspace",
                    "kind": "subscription",
                }
            )
        )
    # one-off purchases: training and consulting, more likely for healthy and large accounts
    acc = am["account"].to_numpy()
    p = 0.02 + 0.035 * (initial_plan[acc] == "Enterprise") + 0.015 * (am["health"].to_numpy() > 0.5)
    buy = rng.random(len(am)) < p
    b = am[buy]
    what = rng.choice(3, len(b), p=[0.55, 0.3, 0.15])
    amount = np.choose(
        what, [np.full(len(b), 80000), np.full(len(b), 150000), np.round(rng.uniform(300, 900, len(b))) * 1000]
    )
    lo_d = b["day_lo"].to_numpy() - 1
    day_ = lo_d + (rng.random(len(b)) * (b["day_hi"].to_numpy() - lo_d)).astype(int)
    parts.append(
        pd.DataFrame(
            {
                "account_id": ids[b["account"].to_numpy()],
                "date": _month_start(b["t"].to_numpy()) + day_.astype("timedelta64[D]"),
                "amount": amount.astype(np.int64),
                "product": np.array(["Training (basic)", "Training (advanced)", "Consulting"])[what],
                "kind": "one_off",
            }
        )
    )
    tx = pd.concat(parts, ignore_index=True)
    tx["date"] = pd.to_datetime(tx["date"])
    tx = tx[(tx["date"] <= DATA_END) & (tx["amount"] != 0)]
    # the stable sort by (date, account_id, kind, product), on integer codes in text order: no string sort
    codes = [pd.factorize(tx[col], sort=True)[0] for col in ("product", "kind", "account_id")]
    tx = tx.take(np.lexsort([*codes, tx["date"].to_numpy().view(np.int64)])).reset_index(drop=True)
    del codes
    tx.insert(0, "transaction_id", _text(_ids("X", 1, len(tx) + 1, 7)))
    tx["amount"] = tx["amount"].astype(np.int64)
    return tx[["transaction_id", "account_id", "date", "amount", "kind", "product"]]


def kpi_tree_yaml(scale: float = 1.0) -> str:
    """The sample's KPI tree; at another scale the KGI's ARR target grows with the company (the rates stay).

    At scale 1 it is :data:`KPI_TREE_YAML` as committed; at 300x the target is 150,000M JPY (1500億円), so
    a large review's KGI is judged against a goal its own size, not the 1x company's.

    Examples
    --------
    >>> kpi_tree_yaml(1) == KPI_TREE_YAML
    True
    >>> [line.strip() for line in kpi_tree_yaml(300).splitlines()[4:8]]
    ['name: ARR reaches 150,000M JPY by the end of FY2026', 'name_ja: 2027年3月までにARR 1500億円', 'metric: arr', 'target: 150000000000']
    """
    if scale == 1:
        return KPI_TREE_YAML
    target = int(round(500_000_000 * scale, -6))  # whole millions of yen
    man = target / 10_000  # 万円
    oku, rest = divmod(int(man), 10_000)
    ja = (f"{oku}億" if oku else "") + (f"{rest}万円" if rest else "円")
    return (
        KPI_TREE_YAML.replace("ARR reaches 500M JPY", f"ARR reaches {target // 1_000_000:,}M JPY", 1)
        .replace("ARR 5億円", f"ARR {ja}", 1)
        .replace("target: 500000000\n", f"target: {target}\n", 1)
    )


KPI_TREE_YAML = """\
# The KPI tree of the sample company (see ../shared/spec/goals-and-review.md).
# KGI -> KFS -> KPI; every metric id is a KPI id of the playbook's catalog.
kgi:
  id: arr_goal
  name: ARR reaches 500M JPY by the end of FY2026
  name_ja: 2027年3月までにARR 5億円
  metric: arr
  target: 500000000
  deadline: 2027-03
plan_start: 2026-04  # FY2026: targets without a path ramp from the March 2026 value to the KPI's target
kfs:
  - id: onboarding
    name: New customers reach first value during onboarding
    name_ja: 新規顧客がオンボーディング中に価値を実感する
    kpis:
      - id: onboarding_done
        metric: onboarding_completion_rate
        target: 0.80
        direction: higher
        owner: Sato
        deadline: 2026-12
        cadence: weekly
        path: {start: 0.62, start_month: 2026-04}
  - id: retention
    name: Customers stay and renew
    name_ja: 顧客が継続・更新する
    kpis:
      - id: logo_churn
        metric: logo_churn_rate
        target: 0.02
        direction: lower
        owner: Takahashi
        deadline: 2027-03
        cadence: monthly
      - id: grr
        metric: grr
        target: 0.98
        direction: higher
        owner: Takahashi
        deadline: 2027-03
        cadence: monthly
  - id: expansion
    name: Customers grow with us
    name_ja: 顧客の利用が拡大する
    kpis:
      - id: nrr
        metric: nrr
        target: 1.01
        direction: higher
        owner: Ito
        deadline: 2027-03
        cadence: monthly
      - id: cross_sell
        metric: cross_sell_rate
        target: 0.03
        direction: higher
        owner: Ito
        deadline: 2026-12
        cadence: monthly
  - id: voice
    name: Customers are heard and helped quickly
    name_ja: 顧客の声に迅速に応える
    kpis:
      - id: first_response
        metric: first_response_hours
        target: 2.0
        direction: lower
        owner: Suzuki
        deadline: 2026-12
        cadence: weekly
      - id: nps
        metric: nps
        target: 30
        direction: higher
        owner: Tanaka
        deadline: 2027-03
        cadence: monthly
status_thresholds:
  # attainment (actual / target, or target / actual when lower is better)
  achieved: 1.0
  on_track: 0.95
  at_risk: 0.85
limits:
  max_kpis: 7
"""

DATASET_YAML = """\
# Settings of this data folder (optional file).
name: Sakura Works K.K. (sample company)
currency: JPY
timezone: Asia/Tokyo
as_of: 2026-10-31  # the export date: months up to 2026-10 are complete
fiscal_year_start: 4  # the fiscal year (年度) starts in April: 2026年度 = 2026-04 .. 2027-03
"""


def _fmt_dates(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            s = pd.to_datetime(out[col])
            has_time = (s.dropna() != s.dropna().dt.normalize()).any() or col.endswith("_at")
            fmt = "%Y-%m-%dT%H:%M:%S+09:00" if has_time else "%Y-%m-%d"
            out[col] = s.dt.strftime(fmt).astype(object).where(s.notna(), None)
    return out


def write_sample(
    out: str | Path, *, seed: int = 7, scale: float = 1.0, fmt: str = "csv", force: bool = False
) -> list[Path]:
    """Generate the sample company and write one file per table into ``out``.

    ``fmt="csv"`` writes UTF-8 CSV (the usage table gzip'd, with a fixed gzip
    timestamp so the bytes are reproducible); ``fmt="parquet"`` writes Parquet,
    the usage table as a folder ``usage/month=YYYY-MM/part-0.parquet``.
    Refuses to write into a folder that already holds files unless ``force``.
    """
    out = Path(out)
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    if out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} already holds files; choose an empty folder or pass --force")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sample-usage-") as spill:
        tables = generate(seed=seed, scale=scale, lazy_usage=True, spill_dir=spill)
        return _write_tables(out, tables, fmt)


def _write_tables(out: Path, tables: dict, fmt: str) -> list[Path]:
    """Write every table into ``out``, taking each out of ``tables``; the paths in the tables' order.

    The usage table goes last, when the other tables are written and freed: its months are made then.
    """
    import pyarrow.parquet as pq

    names = list(tables)
    written = {}
    for name in sorted(names, key=lambda name: name == "usage"):
        table = tables.pop(name)
        if isinstance(table, str):
            path = out / name
            path.write_text(table, encoding="utf-8")
        elif name == "usage" and fmt == "parquet":  # a folder, one Parquet file per month, written a month at a time
            path = out / "usage"
            for old in (out / "usage.csv", out / "usage.csv.gz", out / "usage.parquet"):
                old.unlink(missing_ok=True)
            if path.exists():
                shutil.rmtree(path)
            for month, arrow in table.arrow_by_month():
                (path / f"month={month}").mkdir(parents=True)
                # what DataFrame.to_parquet(index=False) writes, from Arrow directly: the same bytes
                pq.write_table(arrow, path / f"month={month}" / "part-0.parquet", row_group_size=1 << 20)
        elif fmt == "parquet":
            path = out / f"{name}.parquet"
            for old in (out / f"{name}.csv", out / f"{name}.csv.gz"):
                old.unlink(missing_ok=True)
            table.to_parquet(path, index=False)
        elif name == "usage":
            path = out / f"{name}.csv.gz"
            text = _fmt_dates(table.frame()).to_csv(index=False, lineterminator="\n")
            buf = io.BytesIO()
            with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
                gz.write(text.encode("utf-8"))
            path.write_bytes(buf.getvalue())
        else:
            path = out / f"{name}.csv"
            path.write_text(_fmt_dates(table).to_csv(index=False, lineterminator="\n"), encoding="utf-8", newline="")
        written[name] = path
        del table
    return [written[name] for name in names]
