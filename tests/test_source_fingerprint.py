"""``source_fingerprint``: file sources keyed by their bytes, sources with ``content_key`` by that key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from rppg_bench.datasets import recording
from rppg_bench.datasets.recording import ImageSequence, VideoFile, source_fingerprint


@pytest.fixture(autouse=True)
def fresh_memo(monkeypatch):
    monkeypatch.setattr(recording, "_FINGERPRINTS", {})


def test_file_sources_keep_the_hash_of_their_bytes(tmp_path):
    """The key of a file source is the sha256 of its files' bytes in order, as in every cache
    and report written so far (``input_sha256``)."""
    video = tmp_path / "vid.avi"
    video.write_bytes(b"video bytes")
    frames = [tmp_path / "0.png", tmp_path / "1.png"]
    frames[0].write_bytes(b"first")
    frames[1].write_bytes(b"second")
    assert source_fingerprint(VideoFile(video)) == hashlib.sha256(b"video bytes").hexdigest()[:24]
    sequence = ImageSequence(tmp_path, tuple(frames), (0.0, 0.04))
    assert source_fingerprint(sequence) == hashlib.sha256(b"firstsecond").hexdigest()[:24]


@dataclass(frozen=True)
class KeyedSource:
    path: Path
    key: str

    def content_key(self) -> str:
        return self.key


@dataclass(frozen=True)
class OtherKeyedSource(KeyedSource):
    pass


def test_content_key_replaces_the_file_hash(tmp_path):
    missing = tmp_path / "not-there.zip"  # never opened
    a, b = KeyedSource(missing, "a"), KeyedSource(missing, "b")
    assert source_fingerprint(a) != source_fingerprint(b)
    assert source_fingerprint(a) == source_fingerprint(KeyedSource(tmp_path / "moved.zip", "a"))
    assert source_fingerprint(a) != source_fingerprint(OtherKeyedSource(missing, "a"))
    assert len(source_fingerprint(a)) == 24
