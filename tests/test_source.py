"""The project's copy of the source article is the shared one, byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from guian_kg.resources import corpus

# sha256 of shared/sources/guian-national-designations.zh.txt: checked even where shared/ is absent.
SOURCE_SHA256 = "3b47f0d841200e783b2e21fb5aba90d31f83d3df33f77da8e3badc0e4320d7f1"
ARTICLE = corpus().articles[0]
SHARED = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "sources"
    / "guian-national-designations.zh.txt"
)


def test_the_copy_has_the_pinned_checksum():
    assert hashlib.sha256(ARTICLE.source_path.read_bytes()).hexdigest() == SOURCE_SHA256


def test_the_copy_is_byte_identical_to_the_shared_source():
    if not SHARED.is_file():  # the pinned checksum above still holds the copy to the shared bytes
        pytest.skip(f"no shared source at {SHARED}")
    assert ARTICLE.source_path.read_bytes() == SHARED.read_bytes()


def test_offsets_count_code_points_of_the_file_as_stored():
    text = ARTICLE.text()
    assert len(text) == 3792  # code points (10607 bytes of UTF-8)
    assert text.startswith("\n\n牢记嘱托贵安大变样")
    assert "社会事业管\n\n理局" in text and "创新创业高质\n\n量发展" in text
