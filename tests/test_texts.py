"""The text catalogs: every key and every format field exists in both languages."""

from __future__ import annotations

import re

import pytest

from playbook.texts import LANGS, fields, text, text_keys


def test_every_key_exists_in_both_languages():
    en, ja = text_keys("en"), text_keys("ja")
    assert sorted(en - ja) == [], "keys with an English text and no Japanese one"
    assert sorted(ja - en) == [], "keys with a Japanese text and no English one"


# texts whose code passes several fields, each language using the ones it writes (Oct / 10月)
FIELDS_PASSED = {"units.month_tick": {"abbr", "month", "year"}, "units.month_tick_year": {"abbr", "month", "year"}}


@pytest.mark.parametrize("key", sorted(text_keys("en")))
def test_same_fields_in_both_languages(key):
    if key in FIELDS_PASSED:
        assert fields(key, "en") | fields(key, "ja") <= FIELDS_PASSED[key]
    else:
        assert fields(key, "en") == fields(key, "ja"), key


def test_japanese_texts_hold_no_english_sentence():
    # a ja text may keep acronyms, ids and units in Latin letters, but never three English words in a row
    english_run = re.compile(r"\b[a-z]+\s+[a-z]+\s+[a-z]+\b")
    offenders = {
        k: text(k, "ja") for k in text_keys("ja") if english_run.search(re.sub(r"\{[^}]*\}", "", text(k, "ja")))
    }
    assert offenders == {}


def test_unknown_key_is_an_error_naming_the_key():
    with pytest.raises(KeyError, match="labels.no_such_word"):
        text("labels.no_such_word", "ja")


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_language_reads_english(lang):
    assert text("labels.red", "fr") == text("labels.red", "en")
