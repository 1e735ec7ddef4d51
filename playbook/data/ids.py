"""Ids at scale: text ids as Arrow, looked up by hash, and short ids of one width read as whole numbers.

pandas' ``isin``, ``get_indexer`` and ``factorize`` on a text column turn every value
into a Python string or hash it a chunk at a time; at 200,000 accounts and millions of
rows that was most of the time of the checks and group-bys that use these instead.

- :func:`arrow_text` gives a column's text as Arrow, pandas' own buffers when it holds them;
- :func:`text_positions` finds values among known ones with one Arrow hash lookup;
- :func:`short_keys` reads ids that all have the same short width (``A000123``, ``C-0042``)
  as whole numbers, which hash about three times faster than text; :func:`key_text` gives
  the text back, :func:`key_order` sorts them as the text sorts and :func:`key_matches`
  finds the rows holding a few known ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["arrow_text", "text_positions", "short_keys", "key_text", "key_order", "key_matches"]

#: An odd 64-bit multiplier: spreads keys that differ only in a few bytes over the whole hash.
_MIX = np.uint64(0x9E3779B97F4A7C15)
#: Its inverse modulo 2**64, which gives a key back.
_UNMIX = np.uint64(pow(int(_MIX), -1, 2**64))


def arrow_text(values):
    """Text values (a column, an index or an array) as Arrow: pandas' own buffers when it holds Arrow strings.

    Parameters
    ----------
    values : pandas.Series, pandas.Index or numpy.ndarray
        Text values; anything else is written as text first.

    Returns
    -------
    pyarrow.ChunkedArray or pyarrow.Array
        The values as Arrow strings, missing values as nulls.

    Examples
    --------
    >>> arrow_text(pd.Series(["a", None], dtype="str")).to_pylist()
    ['a', None]
    """
    import pyarrow as pa

    arr = getattr(values, "array", values)
    if hasattr(arr, "__arrow_array__"):
        return pa.chunked_array(arr.__arrow_array__())
    values = pd.Series(np.asarray(values, dtype=object))
    return pa.array(values.astype("str").to_numpy(dtype=object, na_value=None), type=pa.string())


def text_positions(values, known) -> np.ndarray:
    """Each text value's position among the distinct ``known`` values: one Arrow hash lookup, no Python strings.

    Parameters
    ----------
    values : pandas.Series, pandas.Index or numpy.ndarray
        The text values to look up.
    known : pandas.Series, pandas.Index or numpy.ndarray
        The values to find them among; positions count its distinct values in order of
        first appearance (its own positions when it has no repeats).

    Returns
    -------
    numpy.ndarray
        ``int64`` positions, -1 where a value is absent from ``known`` or missing.

    Examples
    --------
    >>> text_positions(pd.Series(["b", "x", None], dtype="str"), pd.Index(["a", "b"], dtype="str")).tolist()
    [1, -1, -1]
    >>> text_positions(np.array(["b", "z"], dtype=object), pd.Series(["a", "b", "a"], dtype="str")).tolist()
    [1, -1]
    """
    import pyarrow.compute as pc

    arr = arrow_text(values)
    found = pc.index_in(arr, value_set=arrow_text(known).unique().cast(arr.type))
    return np.asarray(pc.fill_null(found, -1).to_numpy(), dtype=np.int64)


def short_keys(values: pd.Series) -> tuple[np.ndarray, int] | None:
    """Text ids that all have one width of 1 to 8 bytes, each as a whole number; None for any other column.

    Each id's bytes are read as one 64-bit number (then multiplied by an odd constant, so
    that ids differing in a few characters spread over a hash table): two ids have the same
    key exactly when they are the same text, so the keys can be factorised, counted and
    looked up in place of the text. :func:`key_text` gives the text back.

    Parameters
    ----------
    values : pandas.Series
        A text column held as Arrow strings (pandas' ``str`` dtype).

    Returns
    -------
    tuple of (numpy.ndarray, int) or None
        The ``uint64`` key of each row and the ids' width in bytes; None when the column
        is not Arrow text, is empty, has a missing value or ids of different widths or
        wider than 8 bytes.

    Examples
    --------
    >>> keys, width = short_keys(pd.Series(["A01", "B02", "A01"], dtype="str"))
    >>> width, bool(keys[0] == keys[2]), bool(keys[0] == keys[1])
    (3, True, False)
    >>> key_text(keys, width).tolist()
    ['A01', 'B02', 'A01']
    >>> short_keys(pd.Series(["A1", "A10"], dtype="str")) is None  # two widths
    True
    """
    import pyarrow as pa

    if not (isinstance(values.dtype, pd.StringDtype) and hasattr(values.array, "__arrow_array__")) or not len(values):
        return None
    keys = np.empty(len(values), dtype=np.uint64)
    width, at = None, 0
    for chunk in arrow_text(values).chunks:  # chunk by chunk: no copy of the column, small temporaries
        if not len(chunk):
            continue
        if chunk.null_count or not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return None
        _, offsets, data = chunk.buffers()
        offsets = np.frombuffer(offsets, dtype=np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        width = int(offsets[1] - offsets[0]) if width is None else width
        if not 1 <= width <= 8 or not (np.diff(offsets) == width).all():
            return None
        _read_keys(np.frombuffer(data, dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])], width, keys[at:])
        at += len(chunk)
    return keys, width


def _read_keys(raw: np.ndarray, width: int, out: np.ndarray) -> None:
    """Write the key of each of the ``width``-byte ids packed in ``raw`` into the start of ``out``.

    Each id's key is the 8 bytes ending at its last byte, read big-endian (the first byte
    highest, so keys sort as the text does), with the bytes of the ids before it masked off.
    """
    n, pad = len(raw) // width, 8 - width
    first = min(n, -(-pad // width))  # the ids whose 8 bytes would start before the data: read from a padded copy
    head = np.zeros(pad + first * width, dtype=np.uint8)
    head[pad:] = raw[: first * width]
    out[:first] = np.ndarray((first,), dtype=">u8", buffer=head, strides=(width,))
    if n > first:
        out[first:n] = np.ndarray((n - first,), dtype=">u8", buffer=raw, offset=first * width - pad, strides=(width,))
    keys = out[:n]
    keys &= np.uint64((1 << (8 * width)) - 1)
    keys *= _MIX


def key_text(keys: np.ndarray, width: int) -> pd.Index:
    """The ids :func:`short_keys` read as ``keys``, as text.

    Parameters
    ----------
    keys : numpy.ndarray
        ``uint64`` keys from :func:`short_keys` (or some of them).
    width : int
        Their ids' width in bytes, as :func:`short_keys` returned it.

    Returns
    -------
    pandas.Index
        The ids, ``str`` dtype, in the order of ``keys``.

    Examples
    --------
    >>> keys, width = short_keys(pd.Series(["東京", "大阪"], dtype="str"))  # 6 bytes of UTF-8 each
    >>> key_text(keys[::-1], width).tolist()
    ['大阪', '東京']
    """
    import pyarrow as pa

    n = len(keys)
    top_aligned = (np.asarray(keys, dtype=np.uint64) * _UNMIX) << np.uint64(64 - 8 * width)
    data = top_aligned.astype(">u8").view(np.uint8).reshape(n, 8)[:, :width]  # big-endian: the first byte first
    offsets = np.arange(n + 1, dtype=np.int64) * width
    text = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    )
    return pd.Index(pd.array(text, dtype="str"))


def key_order(keys: np.ndarray) -> np.ndarray:
    """The positions that sort :func:`short_keys` keys as their ids sort (byte by byte, as Arrow and pandas sort text).

    Parameters
    ----------
    keys : numpy.ndarray
        ``uint64`` keys from :func:`short_keys` (or some of them).

    Returns
    -------
    numpy.ndarray
        ``int64`` positions into ``keys``.

    Examples
    --------
    >>> keys, _ = short_keys(pd.Series(["B-2", "A-9", "B-1"], dtype="str"))
    >>> key_order(keys).tolist()
    [1, 2, 0]
    """
    return np.argsort(np.asarray(keys, dtype=np.uint64) * _UNMIX).astype(np.int64)  # distinct: any sort is stable


def key_matches(keys: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of :func:`short_keys` ``keys`` found among the distinct ``known`` keys, and where each was found.

    When ``known`` is small next to ``keys`` (a few thousand customers looked for among
    millions of rows), a table of the known keys' top 20 bits (a million flags) first sets
    aside the rows that cannot match, so only the rest are hashed.

    Parameters
    ----------
    keys : numpy.ndarray
        ``uint64`` keys to look up.
    known : numpy.ndarray
        Distinct ``uint64`` keys to find them among.

    Returns
    -------
    tuple of numpy.ndarray
        The ``int64`` positions in ``keys`` of the keys found, ascending, and each one's
        position in ``known``.

    Examples
    --------
    >>> keys, _ = short_keys(pd.Series(["C1", "C2", "C3", "C2"], dtype="str"))
    >>> rows, where = key_matches(keys, keys[[1, 0]])
    >>> rows.tolist(), where.tolist()
    ([0, 1, 3], [1, 0, 0])
    """
    keys, known = np.asarray(keys, dtype=np.uint64), np.asarray(known, dtype=np.uint64)
    index = pd.Index(known)
    if len(known) <= 1 << 16 and len(keys) >= 16 * len(known):
        top = np.uint64(44)  # the top bits of a multiplied key depend on all of the id's bytes
        table = np.zeros(1 << 20, dtype=bool)
        table[(known >> top).view(np.intp)] = True  # values below 2**20: the same numbers as intp, no cast
        maybe = np.flatnonzero(table[(keys >> top).view(np.intp)])
        keys = keys[maybe]
    else:
        maybe = np.arange(len(keys), dtype=np.int64)
    where = np.asarray(index.get_indexer(keys), dtype=np.int64)
    found = where >= 0
    return maybe[found], where[found]
