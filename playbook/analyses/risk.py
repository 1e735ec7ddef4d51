"""Churn risk: a transparent logistic regression on health components and billing signals.

For each test month t the model is trained only on observations whose outcome
window had ended by t (observation month + horizon <= t), so it never sees data
after its observation date. It is evaluated on the later months (AUC, top-decile
lift, calibration) and its coefficients are shown. Plain numpy (iteratively
reweighted least squares with a small ridge penalty): no black box, no extra dependency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.analyses.health import auc, top_decile_lift
from playbook.kpis.retention import paid_streaks

__all__ = [
    "FEATURES",
    "risk_features",
    "fit_logistic",
    "predict",
    "walk_forward",
    "calibration",
    "coefficients",
    "evaluate",
]

FEATURES = [
    "frequency_score",
    "breadth_score",
    "depth_score",
    "growth_score",
    "voice_score",
    "support_score",
    "annual",
    "log_mrr",
    "contracted_3m",
    "tenure_months",
]


def risk_features(health: pd.DataFrame, ds) -> pd.DataFrame:
    """Model inputs per account and month: health component scores (missing -> the month's mean, plus a flag) and billing signals.

    Parameters
    ----------
    health : pandas.DataFrame
        Health scores (:func:`playbook.analyses.health.health_scores`):
        ``account_id``, ``month``, ``mrr`` and the six ``<component>_score``
        columns.
    ds : Dataset
        The dataset the scores came from (for month-end MRR and billing
        periods).

    Returns
    -------
    pandas.DataFrame
        One row per row of ``health``: ``account_id``, ``month`` and

        - the six component scores / 100 (a missing score: the month's mean,
          else 0.5);
        - ``voice_missing``: 1.0 where the voice score was missing;
        - ``log_mrr``: ``log(1 + mrr) / 10``;
        - ``contracted_3m``: 1.0 when the account's MRR fell in the month or in
          one of the 2 months before;
        - ``tenure_months``: months since the current unbroken paid streak
          began, divided by 12 (so in years);
        - ``annual``: 1.0 when the account has an annual subscription (any, at
          any date).
    """
    from playbook.kpis.snapshots import dataset_snapshots

    X = health[["account_id", "month"]].copy()
    for c in FEATURES[:6]:
        col = health[c].astype("float64")
        X[c] = col.fillna(col.groupby(health["month"]).transform("mean")).fillna(50.0) / 100
    X["voice_missing"] = health["voice_score"].isna().astype(float)
    X["log_mrr"] = np.log1p(health["mrr"].astype("float64")) / 10
    snaps = dataset_snapshots(ds, health["month"].max())
    wide = snaps.pivot(index="account_id", columns="month", values="mrr").fillna(0.0)
    drop = (wide.T.diff().T < 0).T.rolling(3, min_periods=1).max().T.stack()
    drop.index.names = ["account_id", "month"]
    key = pd.MultiIndex.from_frame(X[["account_id", "month"]])
    X["contracted_3m"] = drop.reindex(key).fillna(0).to_numpy(dtype="float64")
    tenure = pd.DataFrame(paid_streaks((wide > 0).to_numpy()) / 12, index=wide.index, columns=wide.columns).stack()
    tenure.index.names = ["account_id", "month"]
    X["tenure_months"] = tenure.reindex(key).to_numpy(dtype="float64")
    annual = None
    if ds.subscriptions is not None and "billing_period" in ds.subscriptions.columns:
        annual = (
            (ds.subscriptions["billing_period"] == "annual").groupby(ds.subscriptions["account_id"]).any().astype(float)
        )
    X["annual"] = X["account_id"].map(annual).fillna(0.0).to_numpy() if annual is not None else 0.0
    return X


def _design(X: pd.DataFrame) -> np.ndarray:
    cols = FEATURES + ["voice_missing"]
    return np.column_stack([np.ones(len(X))] + [X[c].to_numpy(dtype="float64") for c in cols])


def fit_logistic(X: pd.DataFrame, y, *, ridge: float = 1e-3, iterations: int = 50) -> np.ndarray:
    """Logistic regression coefficients (intercept first) by IRLS with a small ridge penalty.

    Parameters
    ----------
    X : pandas.DataFrame
        Model inputs (:func:`risk_features`): the ``FEATURES`` columns and
        ``voice_missing``.
    y : array-like of bool
        True (or 1) where the account churned.
    ridge : float, default 1e-3
        The penalty on the squared coefficients, the intercept excepted.
    iterations : int, default 50
        The most IRLS steps; fitting stops earlier once no coefficient moves by
        1e-8 or more.

    Returns
    -------
    numpy.ndarray
        The intercept, one coefficient per ``FEATURES`` entry, then
        ``voice_missing``.
    """
    A = _design(X)
    y = np.asarray(y, dtype="float64")
    beta = np.zeros(A.shape[1])
    penalty = ridge * np.eye(A.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(A @ beta, -30, 30)))
        w = p * (1 - p) + 1e-9
        step = np.linalg.solve(A.T @ (A * w[:, None]) + penalty, A.T @ (y - p) - penalty @ beta)
        beta = beta + step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def predict(beta: np.ndarray, X: pd.DataFrame) -> np.ndarray:
    """Churn probability for each row of ``X``.

    Parameters
    ----------
    beta : numpy.ndarray
        Coefficients from :func:`fit_logistic`.
    X : pandas.DataFrame
        Model inputs with the columns :func:`fit_logistic` needs.

    Returns
    -------
    numpy.ndarray
        One probability (0-1) per row.
    """
    return 1 / (1 + np.exp(-np.clip(_design(X) @ beta, -30, 30)))


def walk_forward(
    X: pd.DataFrame, labels: pd.DataFrame, *, test_months, horizon: int = 3, min_train: int = 300
) -> pd.DataFrame:
    """Out-of-sample predictions: for each test month t, train on months s with s + horizon <= t, predict month t.

    Returns the test rows with ``risk`` and, when known, ``churned``; ``train_until`` names the last month trained on.

    Parameters
    ----------
    X : pandas.DataFrame
        Model inputs (:func:`risk_features`), with ``account_id`` and ``month``.
    labels : pandas.DataFrame
        Churn labels (:func:`playbook.analyses.health.churn_labels`):
        ``account_id``, ``month``, ``churned``.
    test_months : sequence of str or pandas.Period
        The months to predict.
    horizon : int, default 3
        The labels' horizon in months: month s is trained on for test month t
        only when ``s + horizon <= t``.
    min_train : int, default 300
        The fewest labelled training rows to fit a model. A test month with
        fewer, with one outcome only among its training rows, or without rows
        is skipped.

    Returns
    -------
    pandas.DataFrame
        The rows of ``X`` in the test months fitted, with ``churned`` (missing
        where the outcome is not known yet), ``risk`` (the predicted
        probability) and ``train_until``. No rows when no month was fitted.
    """
    d = X.merge(labels, on=["account_id", "month"], how="left")
    out = []
    for t in pd.PeriodIndex(test_months, freq="M"):  # one fit per test month
        train = d[(d["month"] + horizon <= t) & d["churned"].notna()]
        test = d[d["month"] == t]
        if len(train) < min_train or train["churned"].nunique() < 2 or test.empty:
            continue
        beta = fit_logistic(train, train["churned"].astype(bool))
        out.append(test.assign(risk=predict(beta, test), train_until=str(train["month"].max())))
    return pd.concat(out, ignore_index=True) if out else d.iloc[0:0].assign(risk=np.nan, train_until="")


def calibration(pred: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """Predicted vs observed churn by quantile bin of predicted risk (rows with known outcomes).

    Parameters
    ----------
    pred : pandas.DataFrame
        Predictions (:func:`walk_forward`): ``risk`` and ``churned``; rows
        without ``churned`` are left out.
    bins : int, default 5
        The number of bins, of equal size by rank of ``risk``.

    Returns
    -------
    pandas.DataFrame
        One row per bin, lowest risk first: ``bin`` (1, 2, ...), ``accounts``
        (rows in the bin), ``predicted`` (mean risk) and ``observed`` (churn
        rate).
    """
    p = pred.dropna(subset=["churned"])
    q = pd.qcut(p["risk"].rank(method="first"), bins, labels=False)
    g = p.groupby(q)
    return pd.DataFrame(
        {
            "bin": np.arange(1, g.ngroups + 1),
            "accounts": g.size().to_numpy(),
            "predicted": g["risk"].mean().to_numpy(),
            "observed": g["churned"].mean().astype(float).to_numpy(),
        }
    )


def coefficients(beta: np.ndarray) -> pd.DataFrame:
    """The model's coefficients by feature (positive = more risk).

    Parameters
    ----------
    beta : numpy.ndarray
        Coefficients from :func:`fit_logistic`.

    Returns
    -------
    pandas.DataFrame
        One row per coefficient: ``feature`` (``intercept``, the ``FEATURES``,
        ``voice_missing``) and ``coefficient``.
    """
    return pd.DataFrame({"feature": ["intercept"] + FEATURES + ["voice_missing"], "coefficient": beta})


def evaluate(pred: pd.DataFrame) -> dict:
    """AUC and top-decile lift of the out-of-sample predictions with known outcomes.

    Parameters
    ----------
    pred : pandas.DataFrame
        Predictions (:func:`walk_forward`): ``risk`` and ``churned``; rows
        without ``churned`` are left out.

    Returns
    -------
    dict
        ``observations`` (rows with known outcomes), ``auc``,
        ``top_decile_lift`` and ``churn_rate`` (NaN without observations).
    """
    p = pred.dropna(subset=["churned"])
    y = p["churned"].astype(bool)
    return {
        "observations": len(p),
        "auc": auc(p["risk"], y),
        "top_decile_lift": top_decile_lift(p["risk"], y),
        "churn_rate": float(y.mean()) if len(p) else float("nan"),
    }
