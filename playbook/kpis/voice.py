"""Voice of the customer: NPS, CSAT, CES, support rating, and keyword themes in comments.

Scores: NPS 0-10 (promoters 9-10, passives 7-8, detractors 0-6), CSAT 1-5
(satisfied = 4-5), CES 1-7 (easy = 5-7). Fewer than 30 responses in a month are
flagged as a small sample. A response without a score is not counted anywhere.
Themes come from editable keyword lists in English and Japanese — no black-box model.

Every score KPI comes with a 95 % interval (``ci_low``, ``ci_high``): NPS from the
multinomial variance of the promoter/passive/detractor split (adjusted Wald,
Rocks 2016, by default), the shares (CSAT, CES, support rating) from the Wilson
score interval, the mean CES from a t interval.

Comment themes
--------------
:func:`tag_themes` tags each comment with the themes it is about: ``price``, ``performance`` (speed, errors,
outages), ``support`` (the support team and its answers), ``usability``, ``missing_feature`` (a feature that is
missing, unsupported or asked for — not praise of a feature) and ``cancellation`` (intent to cancel, not renew or
switch, or a look at competitors). The first four are topics, good or bad (「サポートが丁寧」 is support too).

Japanese comments are split into words by janome (a pure-Python morphological analyser with the IPA dictionary) and
matched on dictionary forms (基本形): 高い matches 高すぎる, 高かった and 高くて. Each comment is cut into clauses at
punctuation and at が, けど, のに, ので ...; the rules apply within a clause:

* negation follows the word, possibly over particles, auxiliaries and words such as 考える or つもり: 「更新しない」
  is cancellation, 「解約は考えていません」 is not; 「問題ない」 negates nothing on any list, so it is no complaint;
* 対応 and サポート after 〜に/〜を or at the end of a compound (CSV出力に対応, 多言語対応) mean "supports X": then
  they are not the support team, and negated they are a missing feature (「CSV出力に対応していないのが不便」);
* a request (〜してほしい, 〜があれば, 〜したい), something that cannot be done (〜できない) or is absent (〜がない) is
  a missing feature when no other theme's word is in the clause: 「もっと安くしてほしい」 is price only, and
  「新機能がとても良い」 (no request, no negation) is no theme;
* a weak word (高い, 遅い, やめる) counts unless what it describes is on the theme's ``ja_not_after`` list
  (「精度が高い」 is not about the price, 「返信が遅い」 is support, not performance).

English comments are lower-cased and matched on word beginnings ("slow" matches slower, slowly), with a negation up
to three words before a word ("not renewing", "no plans to cancel", "doesn't support SSO").

The keyword file :data:`THEMES_FILE` (``playbook/kpis/themes.yaml``) holds every list; pass your own mapping or YAML
file to :func:`tag_themes` / :func:`theme_counts`. Its format:

.. code-block:: yaml

    japanese:                 # shared Japanese cues (dictionary forms)
      negation: [ない, ぬ, ん, ず]
      negation_prefixes: [未, 非]
      between: [する, いる, 考える, つもり, ...]   # may stand between a word and its negation
      clause_breaks: [が, けど, のに, ので, ...]
      requests: [ほしい, たい, ある ば, と 嬉しい, ...]
      cannot: [できる, 取れる, ...]               # negated: "cannot be done"
    english: {negation: [...], requests: [...], cannot: [...]}
    themes:
      price:
        ja: [価格, 料金, 値上げ, ...]    # mark the theme; "使う にくい" = words in a row; "*" = any verb
        ja_weak: [高い, 安い]            # count unless their subject is in ja_not_after
        ja_not_after: [精度, 満足度, ...]
        en: [price, expensive, value for money, ...]
      support:
        ja_capability: [対応, サポート]  # "supports X" use, see above
        en_capability: [support]
      missing_feature:
        ja_when_negated: [機能, 連携]    # count only when negated (機能がない)
        requests: true                   # requests with no other theme in the clause
        en_when_negated: [support, export, ...]
      cancellation:
        ja_when_negated: [更新, 継続]
        ja_negation_extra: [難しい, 迷う]   # doubt counts as negation for these (継続は難しい)
        negation_cancels: true           # a negated word is no intent (解約は考えていない)
        en_negation_extra: [whether, unsure]

A plain ``{theme: [keywords]}`` mapping works too: every keyword is a Japanese entry, and the ASCII ones English
entries as well. Missing ``japanese``/``english`` sections come from :data:`THEMES_FILE`. Measured on the labelled
comments in ``tests/data/comments_labelled.csv`` (see ``tests/test_themes.py``); a keyword list misses wordings it
does not hold, so add your customers' own phrasing to the file.
"""

from __future__ import annotations

import functools
import re
from os import PathLike
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import yaml

from playbook.kpis.ratios import SMALL_SAMPLE, month_of, ratio_table, wilson_interval

__all__ = [
    "nps",
    "nps_interval",
    "nps_group",
    "nps_monthly",
    "csat",
    "ces",
    "ces_mean",
    "support_rating",
    "THEMES",
    "THEMES_FILE",
    "load_themes",
    "tag_themes",
    "theme_counts",
]

#: The keyword file of the default themes (edit it, or pass your own to :func:`tag_themes`).
THEMES_FILE = Path(__file__).with_name("themes.yaml")

_EN_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_EN_BREAK = re.compile(r"[.,;:!?()\n]+|\bbut\b|\bhowever\b")
_JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_JA_PARTICLE, _JA_AUX, _JA_ADVERB, _JA_NOUN, _JA_PREFIX = "助詞", "助動詞", "副詞", "名詞", "接頭詞"


def load_themes(themes=None) -> dict:
    """The theme rules in full form, from :data:`THEMES_FILE`, a YAML file or a mapping.

    Parameters
    ----------
    themes : dict, str or path-like, optional
        A mapping in the format of ``themes.yaml`` (with a ``themes`` key), a mapping theme -> rules (a mapping as
        under ``themes`` in ``themes.yaml``, or simply a list of keywords), or the path of a YAML file holding either.
        Default: :data:`THEMES_FILE`.

    Returns
    -------
    dict
        ``{"japanese": {...}, "english": {...}, "themes": {theme: {...}}}``; sections missing from ``themes`` come
        from :data:`THEMES_FILE`. A list of keywords becomes ``{"ja": [...], "en": [...]}``: every keyword is a
        Japanese entry, and the ASCII ones (lower-cased) English entries too.

    Examples
    --------
    >>> sorted(load_themes()["themes"])
    ['cancellation', 'missing_feature', 'performance', 'price', 'support', 'usability']
    >>> load_themes({"billing": ["請求", "Invoice"]})["themes"]
    {'billing': {'ja': ['請求', 'Invoice'], 'en': ['invoice']}}
    """
    if themes is None or isinstance(themes, (str, PathLike)):
        path = THEMES_FILE if themes is None else Path(themes)
        themes = yaml.safe_load(path.read_text(encoding="utf-8"))
    default = _default_rules() if "themes" not in themes or "japanese" not in themes or "english" not in themes else {}
    rules = {
        "japanese": themes.get("japanese", default.get("japanese")),
        "english": themes.get("english", default.get("english")),
    }
    raw = themes.get("themes", themes)
    rules["themes"] = {
        name: (
            {"ja": list(spec), "en": [k.lower() for k in spec if k.isascii()]}
            if isinstance(spec, (list, tuple))
            else dict(spec)
        )
        for name, spec in raw.items()
    }
    return rules


@functools.cache
def _default_rules() -> dict:
    return yaml.safe_load(THEMES_FILE.read_text(encoding="utf-8"))


@functools.cache
def _tokenizer():
    """The Japanese morphological analyser (janome, IPA dictionary), created once."""
    from janome.tokenizer import Tokenizer

    return Tokenizer()


class _Tok(NamedTuple):
    base: str  # dictionary form, lower-cased
    pos: str  # part of speech (品詞)
    pos2: str  # its sub-class (品詞細分類1)
    compound: str  # the surface of the compound noun this token ends, else ""


class _Clause(list):
    """The tokens of a clause, with the positions of each dictionary form and the clause's compound nouns."""

    def __init__(self, tokens):
        super().__init__(tokens)
        self.index: dict[str, list[int]] = {}
        for i, t in enumerate(tokens):
            self.index.setdefault(t.base, []).append(i)
        self.nouns = "|".join(t.compound for t in tokens if t.compound)


def _ja_clauses(text: str, breaks) -> list[_Clause]:
    clauses, cur, noun_run = [], [], ""
    for t in _tokenizer().tokenize(text):
        pos, pos2 = t.part_of_speech.split(",")[:2]
        if pos == "記号" and pos2 in ("句点", "読点", "括弧開", "括弧閉") or t.surface in "。、！？!?\n":
            clauses.append(cur)
            cur, noun_run = [], ""
            continue
        noun_run = noun_run + t.surface if pos in (_JA_NOUN, _JA_PREFIX) else ""
        base = (t.base_form if t.base_form != "*" else t.surface).lower()
        cur.append(_Tok(base, pos, pos2, noun_run if pos == _JA_NOUN else ""))
        if pos == _JA_PARTICLE and pos2 == "接続助詞" and base in breaks:
            clauses.append(cur)
            cur, noun_run = [], ""
    clauses.append(cur)
    return [_Clause(c) for c in clauses if c]


def _ja_find(clause: _Clause, term: str):
    """(start, end) token spans where ``term`` (dictionary forms separated by spaces) occurs in the clause.

    ``*`` stands for any verb. A single word of two characters or more also matches inside a compound noun.
    """
    words = _split(term)
    n = len(words)
    starts = range(len(clause) - n + 1) if words[0] == "*" else clause.index.get(words[0], ())
    exact = set()
    for i in starts:
        if i + n <= len(clause) and all(
            clause[i + k].base == w or (w == "*" and clause[i + k].pos == "動詞") for k, w in enumerate(words)
        ):
            exact.add(i)
            yield i, i + n
    if n == 1 and len(words[0]) >= 2 and words[0] in clause.nouns:
        for i, t in enumerate(clause):
            if i not in exact and t.compound and words[0] in t.compound:
                start = i
                while start > 0 and clause[start - 1].compound:
                    start -= 1
                yield start, i + 1


def _ja_negated(clause, end, ja, extra=()) -> bool:
    """Is the word ending at token ``end`` negated later in its clause (対応していない, 解約は考えていません)?"""
    for t in clause[end : end + 8]:
        if t.base in ja["negation"] and t.pos in (_JA_AUX, "形容詞") or t.base in extra:
            return True
        if not (
            t.pos in (_JA_PARTICLE, _JA_AUX, _JA_ADVERB) or t.pos2 in ("非自立", "接尾") or t.base in ja["between"]
        ):
            return False
    return False


def _ja_prefixed(clause, start, ja) -> bool:
    return start > 0 and clause[start - 1].pos == _JA_PREFIX and clause[start - 1].base in ja["negation_prefixes"]


def _ja_subject(clause, start) -> str:
    """The compound noun a predicate at ``start`` describes (画面 in 画面が重い), or "" when none precedes it."""
    for t in reversed(clause[:start]):
        if t.pos in (_JA_PARTICLE, _JA_ADVERB, "連体詞") or t.pos == _JA_AUX:
            continue
        return t.compound
    return ""


def _ja_capability(clause, start, end, support_terms) -> bool:
    """Is 対応/サポート used as "supports X" (Xに対応, Xをサポート, 多言語対応), not as the support team's work?"""
    compound = clause[end - 1].compound
    if end - start > 1 or len(compound) > len(clause[end - 1].base):  # X対応: unless X is 問い合わせ or the like
        head = compound[: -len(clause[end - 1].base)]
        return bool(head) and not any(w in head for w in support_terms)
    particles = set()
    for t in reversed(clause[:start]):
        if t.pos == _JA_PARTICLE:
            if t.pos2 != "格助詞" and t.base != "も":
                return False
            particles.add(t.base)
            continue
        return bool(particles & {"に", "を"}) and t.pos == _JA_NOUN and t.pos2 not in ("形容動詞語幹", "副詞可能")
    return False


def _ja_theme(clause: _Clause, spec: dict, ja: dict) -> tuple[bool, bool, bool]:
    """One theme in one clause: (is it there, does the clause name one of its words, is a capability missing)."""
    capability = {w.lower() for w in spec.get("ja_capability", ())}
    negated_terms, hit, missing = [], False, False
    for term in spec.get("ja", ()):
        for start, end in _ja_find(clause, term):
            if term.lower() in capability and (
                _ja_capability(clause, start, end, spec["ja"]) or _ja_prefixed(clause, start, ja)
            ):
                # Excelに対応している: not the support team; 未対応, 対応していない: a missing feature
                missing |= _ja_prefixed(clause, start, ja) or _ja_negated(clause, end, ja)
                continue
            negated_terms.append(_ja_negated(clause, end, ja))
    for term in spec.get("ja_weak", ()):
        for start, _end in _ja_find(clause, term):
            subject = _ja_subject(clause, start)
            if not any(subject.endswith(w) for w in spec.get("ja_not_after", ())):
                negated_terms.append(False)
    extra = set(spec.get("ja_negation_extra", ()))
    for term in spec.get("ja_when_negated", ()):
        for start, end in _ja_find(clause, term):
            if not clause[end - 1].compound.endswith(term) and clause[end - 1].base != term:
                continue  # 同期機能がない: the missing thing is a 機能, not the 同期
            hit |= _ja_prefixed(clause, start, ja) or _ja_negated(clause, end, ja, extra)
    if negated_terms and not (spec.get("negation_cancels") and any(negated_terms)):
        hit = True
    return hit, bool(negated_terms), missing


def _ja_themes(text: str, rules: dict) -> set[str]:
    ja, found = rules["japanese"], set()
    asks = {name for name, spec in rules["themes"].items() if spec.get("requests")}
    for clause in _ja_clauses(text, set(ja["clause_breaks"])):
        hits, mentioned = set(), set()
        for name, spec in rules["themes"].items():
            hit, named, missing = _ja_theme(clause, spec, ja)
            hits |= {name} if hit else set()
            mentioned |= {name} if named else set()
            found |= asks if missing else set()
        if asks and _ja_request(clause, ja):
            # a request about nothing another theme names: もっと安くしてほしい is about the price
            hits |= {name for name in asks if not (hits | mentioned) - {name}}
        found |= hits
    return found


def _ja_request(clause, ja) -> bool:
    """A request (〜してほしい, 〜があれば), something that cannot be done (〜できない) or is absent (〜がない)."""
    for term in ja["requests"]:
        for _start, end in _ja_find(clause, term):
            past = end < len(clause) and clause[end].base == "た"  # 欲しかった機能が実装された: not a request
            if not past and not _ja_negated(clause, end, ja):
                return True
    for term in ja["cannot"]:
        if any(_ja_negated(clause, end, ja) for _start, end in _ja_find(clause, term)):
            return True
    return any(
        t.base == "ない"
        and t.pos == "形容詞"
        and i >= 2
        and clause[i - 1].base in ("が", "も")
        and clause[i - 2].pos == _JA_NOUN
        for i, t in enumerate(clause)
    )


@functools.lru_cache(maxsize=4096)
def _split(term: str) -> tuple[str, ...]:
    return tuple(term.lower().split())


def _en_find(words: list[str], term: str):
    parts = _split(term)
    first, n = parts[0], len(parts)
    for i in range(len(words) - n + 1):
        if words[i].startswith(first) and all(words[i + k].startswith(p) for k, p in enumerate(parts[1:], 1)):
            yield i, i + n


def _en_negated(words, start, negation) -> bool:
    return any(w in negation or w.endswith(("n't", "n’t")) for w in words[max(0, start - 3) : start])


def _en_themes(text: str, rules: dict) -> set[str]:
    en, found = rules["english"], set()
    negation = set(en["negation"])
    for part in _EN_BREAK.split(text.lower()):
        words = _EN_WORD.findall(part)
        if not words:
            continue
        hits, mentioned, missing_cue = set(), set(), False
        for name, spec in rules["themes"].items():
            capability = set(spec.get("en_capability", ()))
            negated_terms = []
            for term in spec.get("en", ()):
                for start, end in _en_find(words, term):
                    if term in capability and (
                        _en_negated(words, start, {"not", "cannot"})
                        or (end < len(words) and words[end] == "for")
                        or (start > 0 and words[start - 1] in ("add", "adds", "added", "better"))
                    ):
                        missing_cue = True
                        continue
                    negated_terms.append(_en_negated(words, start, negation))
            doubt = negation | set(spec.get("en_negation_extra", ()))
            for term in spec.get("en_when_negated", ()):
                if any(_en_negated(words, s, doubt) for s, _e in _en_find(words, term)):
                    hits.add(name)
            if negated_terms:
                mentioned.add(name)
                if not (spec.get("negation_cancels") and any(negated_terms)):
                    hits.add(name)
        requesting = missing_cue or any(
            next(_en_find(words, term), None) is not None for term in [*en["requests"], *en["cannot"]]
        )
        for name, spec in rules["themes"].items():
            if spec.get("requests") and requesting and not (hits | mentioned) - {name}:
                hits.add(name)
        found |= hits
    return found


def _themes_of(text: str, rules: dict) -> set[str]:
    return _ja_themes(text, rules) if _JA_CHAR.search(text) else _en_themes(text, rules)


#: The default themes: theme -> its rules, as under ``themes`` in :data:`THEMES_FILE`.
THEMES: dict[str, dict] = load_themes()["themes"]


def nps_group(scores: pd.Series) -> pd.Series:
    """'promoter' (9-10), 'passive' (7-8) or 'detractor' (0-6).

    Parameters
    ----------
    scores : pandas.Series or array-like
        NPS scores from 0 to 10.

    Returns
    -------
    pandas.Series
        The group of each score (str), with the index of ``scores``. A missing score has no group (a missing value),
        so it is counted in none of the three.

    Examples
    --------
    >>> nps_group(pd.Series([6, 7, 8, 9])).tolist()
    ['detractor', 'passive', 'passive', 'promoter']
    >>> nps_group(pd.Series([10, None])).isna().tolist()
    [False, True]
    """
    s = pd.to_numeric(pd.Series(scores), errors="coerce")
    group = np.select([s >= 9, s >= 7], ["promoter", "passive"], "detractor")
    return pd.Series(group, index=s.index, dtype="str").where(s.notna())


def nps_interval(promoters, passives, detractors, *, z: float = 1.96, method: str = "adjusted"):
    """Confidence interval of an NPS, in points, from the multinomial variance of the three groups.

    Scoring each answer +1 (promoter), 0 (passive) or -1 (detractor), NPS / 100 is the mean of the scores, and its
    variance is ``Var = [p_prom + p_det - (p_prom - p_det)**2] / n``. The interval is ``NPS +- z * sqrt(Var)``
    (normal approximation), in points and clipped to [-100, 100].

    ``method="adjusted"`` (the default) is the adjusted Wald interval (Rocks 2016, *The American Statistician*
    70(4)): 3/4 is added to the promoters and to the detractors and 3 to ``n`` (so 3/2 to the passives) before the
    formula above, which keeps the interval from collapsing to a point when every answer falls in one group and has
    closer to 95 % coverage for small samples; the interval is widened where needed so that it always contains the
    observed NPS. ``method="wald"`` is the plain formula on the observed shares. Both agree closely from about 100
    answers.

    Parameters
    ----------
    promoters, passives, detractors : array-like of int
        The answers in each group (one entry per NPS, e.g. per month).
    z : float, default 1.96
        The normal quantile of the confidence level (1.96 for 95 %).
    method : {"adjusted", "wald"}, default "adjusted"
        The adjusted Wald interval or the plain one.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper bounds in points, within -100 and 100; NaN where there are no answers.

    Raises
    ------
    ValueError
        When ``method`` is not "adjusted" or "wald".

    Examples
    --------
    6 promoters, 2 passives, 2 detractors: NPS 40, Var = (0.6 + 0.2 - 0.4**2) / 10 = 0.064.

    >>> lo, hi = nps_interval([6], [2], [2], method="wald")
    >>> round(float(lo[0]), 1), round(float(hi[0]), 1)
    (-9.6, 89.6)
    >>> lo, hi = nps_interval([6], [2], [2])
    >>> round(float(lo[0]), 1), round(float(hi[0]), 1)
    (-12.6, 74.1)
    """
    if method not in ("adjusted", "wald"):
        raise ValueError(f"method must be 'adjusted' or 'wald'; got {method!r}")
    prom = np.asarray(promoters, dtype="float64")
    det = np.asarray(detractors, dtype="float64")
    n = prom + np.asarray(passives, dtype="float64") + det
    add, add_n = (0.75, 3.0) if method == "adjusted" else (0.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (prom - det) / n
        p, d, m = (prom + add) / (n + add_n), (det + add) / (n + add_n), n + add_n
        centre = p - d
        half = z * np.sqrt(np.clip(p + d - centre**2, 0, None) / m)
        lo, hi = np.minimum(centre - half, estimate), np.maximum(centre + half, estimate)
    lo, hi = 100 * np.clip(lo, -1, 1), 100 * np.clip(hi, -1, 1)
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def _mean_interval(total, squares, n, *, level: float = 0.95, scale: tuple[float, float] = (1.0, 7.0)):
    """t interval of a mean from the sum and the sum of squares of the scores, clipped to the score scale.

    NaN where there are fewer than 2 scores (no spread to estimate).
    """
    from scipy.stats import t as student_t

    total, squares, n = (np.asarray(a, dtype="float64") for a in (total, squares, n))
    ok = n >= 2
    safe_n = np.where(ok, n, 2.0)
    mean = total / safe_n
    sd = np.sqrt(np.clip((squares - safe_n * mean**2) / (safe_n - 1), 0, None))
    half = student_t.ppf(0.5 + level / 2, safe_n - 1) * sd / np.sqrt(safe_n)
    lo, hi = np.clip(mean - half, *scale), np.clip(mean + half, *scale)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def _with_interval(table: pd.DataFrame, lo, hi) -> pd.DataFrame:
    return table.assign(ci_low=np.asarray(lo, dtype="float64"), ci_high=np.asarray(hi, dtype="float64"))


def nps(responses: pd.DataFrame, *, score_col: str = "score", by: str | list[str] | None = None) -> pd.DataFrame:
    """Net Promoter Score, overall or per group.

    Share of promoters (9-10) minus share of detractors (0-6), in points from
    -100 to 100. Passives (7-8) count in the denominator only.

    Returns one row per group with ``responses``, ``promoters``,
    ``passives``, ``detractors``, ``nps`` and its 95 % interval.

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per response, with the score column and any ``by`` columns.
    score_col : str, default "score"
        The column holding the 0-10 score.
    by : str or list of str, optional
        The column or columns to group by. Default: one row for all responses.

    Returns
    -------
    pandas.DataFrame
        One row, or one per group (with the ``by`` columns first, sorted by them): ``responses``, ``promoters``,
        ``passives``, ``detractors``, ``nps`` (NaN when there are no responses), and ``ci_low`` and ``ci_high``, the
        95 % interval of :func:`nps_interval` (adjusted Wald) in points. A response with a missing score is not
        counted at all.

    Examples
    --------
    >>> nps(pd.DataFrame({"score": [10, 9, 8, 3]}))["nps"].item()
    25.0
    """
    s = pd.to_numeric(responses[score_col], errors="coerce")
    parts = pd.DataFrame(
        {
            "responses": s.notna().astype(int),
            "promoters": (s >= 9).astype(int),
            "passives": s.between(7, 8).astype(int),
            "detractors": (s <= 6).astype(int),
        },
        index=responses.index,
    )
    if by is None:
        out = parts.sum().to_frame().T
    else:
        out = (
            parts.groupby([responses[b] for b in ([by] if isinstance(by, str) else by)], sort=True).sum().reset_index()
        )
    out["nps"] = np.where(
        out["responses"] > 0,
        100 * (out["promoters"] - out["detractors"]) / out["responses"].where(out["responses"] > 0, 1),
        np.nan,
    )
    out["ci_low"], out["ci_high"] = nps_interval(out["promoters"], out["passives"], out["detractors"])
    return out


def _survey_rows(
    surveys, survey, months, date_col, survey_col, touchpoint=None, touchpoint_col="touchpoint", score_col="score"
):
    s = surveys[(surveys[survey_col] == survey) & surveys[score_col].notna()]  # an answer without a score is not one
    if touchpoint is not None:
        s = s[s[touchpoint_col] == touchpoint] if touchpoint_col in s.columns else s.iloc[0:0]
    m = month_of(s[date_col])
    keep = m.isin(pd.PeriodIndex(months, freq="M"))
    return s[keep], m[keep]


def nps_monthly(
    surveys: pd.DataFrame, months, *, date_col: str = "date", survey_col: str = "survey", score_col: str = "score"
) -> pd.DataFrame:
    """NPS of the responses dated in each month: numerator = promoters - detractors, denominator = responses.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime) and score, in the columns named below; the rows of survey
        ``"nps"`` are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    date_col, survey_col, score_col : str
        The columns holding the response date, the survey type and the score.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``,
        ``ci_high``. ``value`` is 100 x ``numerator`` / ``denominator``, with ``numerator`` the promoters minus the
        detractors and ``denominator`` (also ``n``) the responses with a score. ``value`` is NaN, with the reason in
        ``note``, when there were no responses; fewer than 30 responses are flagged in ``note`` as a small sample.
        ``ci_low`` and ``ci_high`` are the 95 % interval of :func:`nps_interval` (adjusted Wald), in points; NaN
        without responses.

    Examples
    --------
    >>> s = pd.DataFrame({"survey": "nps", "score": [10, 9, 9, 9, 9, 9, 8, 7, 3, 0],
    ...                   "date": pd.to_datetime(["2026-01-10"] * 10)})
    >>> nps_monthly(s, ["2026-01"])[["value", "n", "ci_low", "ci_high"]].round(1)
       value   n  ci_low  ci_high
    0   40.0  10   -12.6     74.1
    """
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, "nps", months, date_col, survey_col, score_col=score_col)
    groups = pd.crosstab(m, nps_group(s[score_col])).reindex(
        index=months, columns=["promoter", "passive", "detractor"], fill_value=0
    )
    out = ratio_table(
        months,
        groups["promoter"] - groups["detractor"],
        groups.sum(axis=1),
        scale=100.0,
        zero_reason="no NPS responses in the month",
        small_sample=SMALL_SAMPLE,
    )
    return _with_interval(out, *nps_interval(groups["promoter"], groups["passive"], groups["detractor"]))


def _share(surveys, survey, low, months, date_col, survey_col, score_col, reason, touchpoint=None):
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, survey, months, date_col, survey_col, touchpoint, score_col=score_col)
    good = (s[score_col] >= low).groupby(m).sum().reindex(months, fill_value=0)
    n = m.value_counts().reindex(months, fill_value=0)
    out = ratio_table(months, good, n, zero_reason=reason, small_sample=SMALL_SAMPLE)
    return _with_interval(out, *wilson_interval(good.to_numpy(), n.to_numpy()))


def csat(
    surveys: pd.DataFrame,
    months,
    *,
    touchpoint: str | None = None,
    date_col: str = "date",
    survey_col: str = "survey",
    score_col: str = "score",
) -> pd.DataFrame:
    """CSAT: share of CSAT responses scoring 4-5 (of 1-5), optionally for one touchpoint.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime) and score, in the columns named below, and optionally
        ``touchpoint``; the rows of survey ``"csat"`` are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    touchpoint : str, optional
        Only the responses with this value in the ``touchpoint`` column (none when the table has no such column).
        Default: all responses.
    date_col, survey_col, score_col : str
        The columns holding the response date, the survey type and the score.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``,
        ``ci_high``. ``numerator`` is the responses scoring 4 or more and ``denominator`` (also ``n``) all responses
        with a score. ``value`` is NaN, with the reason in ``note``, when there were no responses; fewer than 30
        responses are flagged in ``note`` as a small sample. ``ci_low`` and ``ci_high`` are the 95 % Wilson interval
        of the share (:func:`playbook.kpis.ratios.wilson_interval`); NaN without responses.

    Examples
    --------
    >>> s = pd.DataFrame({"survey": ["csat"] * 4, "score": [5, 4, 3, 1], "date": pd.to_datetime(["2026-01-10"] * 4)})
    >>> csat(s, pd.PeriodIndex(["2026-01", "2026-02"], freq="M"))[["value", "ci_low", "ci_high", "note"]].round(3)
       value  ci_low  ci_high                                                note
    0    0.5    0.15     0.85                             small sample (n=4 < 30)
    1    NaN     NaN      NaN                      no CSAT responses in the month
    """
    return _share(
        surveys,
        "csat",
        4,
        months,
        date_col,
        survey_col,
        score_col,
        "no CSAT responses in the month" if touchpoint is None else f"no CSAT responses for {touchpoint} in the month",
        touchpoint,
    )


def support_rating(surveys: pd.DataFrame, months, **kw) -> pd.DataFrame:
    """CSAT over responses with touchpoint ``support``.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table, as for :func:`csat`, with a ``touchpoint`` column.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    **kw
        Column names passed on to :func:`csat` (``date_col``, ``survey_col``, ``score_col``).

    Returns
    -------
    pandas.DataFrame
        The table of :func:`csat` for ``touchpoint="support"``: one row per month with ``month``, ``value``,
        ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``, ``ci_high`` (95 % Wilson interval).
    """
    return csat(surveys, months, touchpoint="support", **kw)


def ces(
    surveys: pd.DataFrame, months, *, date_col: str = "date", survey_col: str = "survey", score_col: str = "score"
) -> pd.DataFrame:
    """CES: share of CES responses scoring 5-7 (of 1-7; 7 = "the company made it easy").

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime) and score, in the columns named below; the rows of survey
        ``"ces"`` are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    date_col, survey_col, score_col : str
        The columns holding the response date, the survey type and the score.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``,
        ``ci_high``. ``numerator`` is the responses scoring 5 or more and ``denominator`` (also ``n``) all responses
        with a score. ``value`` is NaN, with the reason in ``note``, when there were no responses; fewer than 30
        responses are flagged in ``note`` as a small sample. ``ci_low`` and ``ci_high`` are the 95 % Wilson interval
        of the share; NaN without responses.
    """
    return _share(surveys, "ces", 5, months, date_col, survey_col, score_col, "no CES responses in the month")


def ces_mean(
    surveys: pd.DataFrame, months, *, date_col: str = "date", survey_col: str = "survey", score_col: str = "score"
) -> pd.DataFrame:
    """Mean CES score (1-7) of the responses in the month.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime) and score, in the columns named below; the rows of survey
        ``"ces"`` are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    date_col, survey_col, score_col : str
        The columns holding the response date, the survey type and the score.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``,
        ``ci_high``. ``numerator`` is the sum of the scores and ``denominator`` (also ``n``) the responses with a
        score. ``value`` is NaN, with the reason in ``note``, when there were no responses; fewer than 30 responses
        are flagged in ``note`` as a small sample. ``ci_low`` and ``ci_high`` are the 95 % t interval of the mean
        (mean +- t(0.975, n - 1) x sd / sqrt(n)), clipped to the 1-7 scale; NaN with fewer than 2 responses.

    Examples
    --------
    >>> s = pd.DataFrame({"survey": "ces", "score": [7, 5, 4, 6], "date": pd.to_datetime(["2026-01-10"] * 4)})
    >>> ces_mean(s, ["2026-01"])[["value", "n", "ci_low", "ci_high"]].round(2)
       value  n  ci_low  ci_high
    0    5.5  4    3.45     7.0
    """
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, "ces", months, date_col, survey_col, score_col=score_col)
    score = s[score_col].astype("float64")
    total = score.groupby(m).sum().reindex(months, fill_value=0.0)
    squares = (score**2).groupby(m).sum().reindex(months, fill_value=0.0)
    n = m.value_counts().reindex(months, fill_value=0)
    out = ratio_table(months, total, n, zero_reason="no CES responses in the month", small_sample=SMALL_SAMPLE)
    return _with_interval(out, *_mean_interval(total.to_numpy(), squares.to_numpy(), n.to_numpy()))


def tag_themes(comments: pd.Series, themes: dict | str | PathLike | None = None) -> pd.DataFrame:
    """One boolean column per theme: is the comment about it? A comment can carry several themes.

    Japanese comments are split into words by a morphological analyser (janome) and matched on dictionary forms, so
    「高すぎる」「高かった」「高くて」 all match 高い; English comments on lower-cased word beginnings. Negation, requests
    and praise are told apart as described in the module docstring; the keyword lists are in :data:`THEMES_FILE`.
    Each distinct comment is analysed once.

    Parameters
    ----------
    comments : pandas.Series
        The comment texts; missing ones are dropped.
    themes : dict, str or path-like, optional
        The themes' rules: a mapping or the path of a YAML file, in the format of :data:`THEMES_FILE` (see
        :func:`load_themes`; a plain ``{theme: [keywords]}`` works too). Default: :data:`THEMES_FILE`.

    Returns
    -------
    pandas.DataFrame
        One row per non-missing comment, with its index, and one boolean column per theme, in the order of the rules.

    Examples
    --------
    >>> c = pd.Series(["月額が高すぎる", "サポートの返信が遅い", "CSV出力に対応していないのが不便",
    ...                "新機能がとても良い", "解約は考えていません", "Thinking of switching to a cheaper tool", None])
    >>> tag_themes(c).astype(int)
       price  performance  support  usability  missing_feature  cancellation
    0      1            0        0          0                0             0
    1      0            0        1          0                0             0
    2      0            0        0          0                1             0
    3      0            0        0          0                0             0
    4      0            0        0          0                0             0
    5      1            0        0          0                0             1
    """
    rules = _default_rules_full() if themes is None else load_themes(themes)
    text = pd.Series(comments).dropna().astype("str")
    unique = pd.unique(text)
    found = [_themes_of(t, rules) for t in unique]
    names = list(rules["themes"])
    table = pd.DataFrame([[n in f for n in names] for f in found], index=unique, columns=names, dtype=bool)
    return pd.DataFrame(table.loc[text.to_numpy()].to_numpy(), index=text.index, columns=names, dtype=bool)


@functools.cache
def _default_rules_full() -> dict:
    return load_themes()


def theme_counts(
    surveys: pd.DataFrame,
    *,
    months=None,
    themes: dict | str | PathLike | None = None,
    date_col: str = "date",
    survey_col: str = "survey",
    score_col: str = "score",
    comment_col: str = "comment",
) -> pd.DataFrame:
    """Comments per NPS group and theme (NPS responses with a comment), with the share of the group's comments.

    Columns: ``group``, ``theme``, ``comments`` (mentioning the theme), ``of`` (comments in the group), ``share``.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime), score and comment, in the columns named below; the rows of
        survey ``"nps"`` with a comment are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex, optional
        Only the responses dated in these months. Default: all responses.
    themes : dict, str or path-like, optional
        The themes' rules, or the path of a YAML file of them, as for :func:`tag_themes`. Default:
        :data:`THEMES_FILE`.
    date_col, survey_col, score_col, comment_col : str
        The columns holding the response date, the survey type, the score and the comment.

    Returns
    -------
    pandas.DataFrame
        One row per NPS group that has comments and per theme, sorted by group and then by ``comments``, most first:
        ``group``, ``theme``, ``comments``, ``of`` and ``share`` (``comments`` / ``of``).
    """
    s = surveys[(surveys[survey_col] == "nps") & surveys[comment_col].notna()]
    if months is not None:
        s = s[month_of(s[date_col]).isin(pd.PeriodIndex(months, freq="M"))]
    tags = tag_themes(s[comment_col], themes)
    group = nps_group(s[score_col])
    counts = tags.groupby(group).sum()
    of = group.value_counts()
    out = counts.stack().rename("comments").reset_index()
    out.columns = ["group", "theme", "comments"]
    out["of"] = out["group"].map(of).astype("int64")
    out["share"] = out["comments"] / out["of"]
    return out.sort_values(["group", "comments"], ascending=[True, False], kind="stable").reset_index(drop=True)
