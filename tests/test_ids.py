"""Ids at scale: short ids read as whole numbers keep text equality and order; lookups agree with pandas."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from playbook.data.ids import key_matches, key_order, key_text, short_keys, text_positions


def _ids(width: int, n: int, seed: int) -> list[str]:
    # bytes that stress the packing: NUL, the highest ASCII byte, digits, and (for even widths) 3-byte kana
    r = random.Random(seed)
    if width % 3 == 0 and r.random() < 0.5:
        return ["".join(r.choice("アイウ") for _ in range(width // 3)) for _ in range(n)]
    return ["".join(r.choice("a\x00Z9\x7f") for _ in range(width)) for _ in range(n)]


@pytest.mark.parametrize("width", range(1, 9))
def test_short_keys_are_equal_exactly_when_the_ids_are_and_sort_as_the_text(width):
    ids = _ids(width, 300, width)
    keys, got_width = short_keys(pd.Series(ids, dtype="str"))
    assert got_width == width
    same_text = np.array(ids, dtype=object)[:, None] == np.array(ids, dtype=object)[None, :]
    assert ((keys[:, None] == keys[None, :]) == same_text).all()
    assert key_text(keys, width).tolist() == ids
    distinct = np.unique(keys)
    assert key_text(distinct[key_order(distinct)], width).tolist() == sorted(set(ids))  # byte order, as Arrow sorts


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9])
def test_short_keys_of_a_few_ids_read_no_byte_outside_them(n):
    # the first ids' 8 bytes would start before the data, the last ones' would run past it
    for width in (1, 3, 8):
        ids = [chr(65 + i) * width for i in range(n)]
        keys, _ = short_keys(pd.Series(ids, dtype="str"))
        assert key_text(keys, width).tolist() == ids


def test_short_keys_read_every_chunk_and_slice_of_the_column():
    chunks = pa.chunked_array([pa.array(["A01", "B02", "C03"]), pa.array(["X99", "A01", "B02", "D04"]).slice(1)])
    s = pd.Series(pd.arrays.ArrowStringArray(chunks))
    keys, width = short_keys(s)
    assert key_text(keys, width).tolist() == ["A01", "B02", "C03", "A01", "B02", "D04"]
    assert keys[0] == keys[3] and keys[1] == keys[4]


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(["A1", "A10"], dtype="str"),  # two widths
        pd.Series(["A01", None], dtype="str"),  # a missing id
        pd.Series(["ABCDEFGHI"], dtype="str"),  # wider than 8 bytes
        pd.Series(["A01", "A02"], dtype=object),  # not Arrow text
        pd.Series([1, 2]),
        pd.Series([], dtype="str"),
    ],
)
def test_other_ids_are_left_to_the_text_path(values):
    assert short_keys(values) is None


@pytest.mark.parametrize("found", [3, 5000, 20_000])
def test_key_matches_agree_with_a_plain_lookup_with_and_without_the_prefilter(found):
    # 200,000 rows: 3 and 5,000 known keys go through the prefilter; every distinct key (~20,000, fewer than
    # 16 rows each) is looked up directly
    rng = np.random.default_rng(found)
    ids = pd.Series([f"C{i:05d}" for i in rng.integers(0, 20_000, 200_000)], dtype="str")
    keys, _ = short_keys(ids)
    distinct = np.unique(keys)
    known = rng.permutation(distinct)[:found]
    rows, where = key_matches(keys, known)
    expected = pd.Index(known).get_indexer(keys)
    assert rows.tolist() == np.flatnonzero(expected >= 0).tolist()
    assert (where == expected[rows]).all()


def test_text_positions_finds_text_among_known_values():
    values = pd.Series(["b", "x", None, "a"], dtype="str")
    assert text_positions(values, pd.Index(["a", "b"], dtype="str")).tolist() == [1, -1, -1, 0]
