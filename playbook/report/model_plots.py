"""Charts of the forward-looking models: projected retention, observed and projected never mixed up.

``plot_x(data, *, ax=None, lang="en", ...) -> Axes``; they draw on the axes given and never show or save.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from playbook.texts import text

__all__ = ["plot_retention_projection", "OBSERVED_COLOR", "PROJECTED_COLOR", "PROJECTED_HATCH"]

OBSERVED_COLOR = "#1f4e79"
PROJECTED_COLOR = "#d9822b"
PROJECTED_HATCH = "///"


def _t(key: str, lang: str, **values) -> str:
    return text(f"models.{key}", lang, **values)


def plot_retention_projection(
    curve: pd.DataFrame | None,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    title: str = "",
    note: str | None = None,
) -> Axes:
    """Observed survival (solid steps) and the sBG projection (dashed, another colour, hatched band and area).

    The projected months sit on a hatched, shaded background with a vertical line where observation
    ends, and the legend names them "projected" / "予測", so a projected value can never be read as
    observed data.

    Parameters
    ----------
    curve : pandas.DataFrame or None
        :func:`playbook.analyses.retention_projection.project_survival`'s table (``observed``, ``model``,
        ``lower``, ``upper``, ``projected``, indexed by months since start).
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the labels and legend.
    title : str, default ""
        The chart title.
    note : str, optional
        The text shown instead when ``curve`` is None (why there is no projection).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; its legend's labels include the "projected" text of ``lang``.

    Examples
    --------
    >>> from playbook.analyses.retention_projection import project_survival
    >>> ax = plot_retention_projection(project_survival([1000, 631, 468, 382], periods=4, n_boot=20))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['observed', 'model fit (observed months)', 'projected, with 90% band (hatched)']
    >>> plt.close("all")
    """
    ax = ax or plt.gca()
    ax.set_title(title)
    if curve is None or curve.empty:
        ax.text(
            0.5, 0.5, textwrap.fill(note or _t("retention.no_curve", lang), 60),
            ha="center", va="center", transform=ax.transAxes, color="0.4",
        )  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        return ax
    k = curve.index.to_numpy(dtype=float)
    projected = curve["projected"].to_numpy(dtype=bool)
    last_obs = k[~projected].max()
    obs = curve.loc[~projected, "observed"].to_numpy(dtype=float)
    # the projected zone: hatched and shaded, behind everything
    ax.axvspan(last_obs, k.max() + 0.5, facecolor=PROJECTED_COLOR, alpha=0.08, hatch=PROJECTED_HATCH,
               edgecolor=PROJECTED_COLOR, linewidth=0, zorder=0)  # fmt: skip
    ax.axvline(last_obs, color="0.35", linestyle=":", linewidth=1)
    ax.step(k[~projected], obs, where="post", color=OBSERVED_COLOR, linewidth=2, label=_t("chart.observed", lang))
    ax.plot(k[~projected], curve.loc[~projected, "model"], color="0.45", linewidth=1, linestyle="--",
            label=_t("chart.fit", lang))  # fmt: skip
    # the projection starts at the last observed point, so the two lines join without a gap
    proj = curve.loc[projected]
    start = float(curve.loc[~projected, "observed"].iloc[-1])
    kp = np.concatenate([[last_obs], proj.index.to_numpy(dtype=float)])
    yp = np.concatenate([[start], proj["projection"].to_numpy(dtype=float)])
    if proj[["lower", "upper"]].notna().all().all():
        lo = np.concatenate([[start], proj["lower"].to_numpy(dtype=float)])
        hi = np.concatenate([[start], proj["upper"].to_numpy(dtype=float)])
        ax.fill_between(kp, lo, hi, facecolor="none", edgecolor=PROJECTED_COLOR,
                        hatch=PROJECTED_HATCH, linewidth=0, alpha=0.9)  # fmt: skip
    ax.plot(kp, yp, color=PROJECTED_COLOR, linewidth=2.2, linestyle="--", marker="o", markersize=2.5)
    handles, labels = ax.get_legend_handles_labels()
    level = curve.attrs.get("level")
    band = _t("chart.projected_band", lang, level=level) if level else _t("chart.projected", lang)
    handles.append(Patch(facecolor="white", edgecolor=PROJECTED_COLOR, hatch=PROJECTED_HATCH))
    labels.append(band)
    ax.legend(handles, labels, fontsize=8, frameon=False, loc="upper right")
    ax.text(last_obs + 0.5, 0.03, _t("chart.projected_zone", lang), color=PROJECTED_COLOR, fontsize=8, va="bottom")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(0, k.max() + 0.5)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel(_t("chart.months", lang))
    ax.set_ylabel(_t("chart.survival", lang))
    if np.isfinite(last_obs):
        ax.margins(x=0)
    return ax
