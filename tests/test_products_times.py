"""Cached face products take their frame times from the recording, not from the cache file."""

from __future__ import annotations

import numpy as np
from fixtures_pulse import known_pulse_clip
from fixtures_vipl_hr import write_time_txt, write_vipl_clip

from rppg_bench.datasets.vipl_hr import load_vipl_hr
from rppg_bench.preprocessing.params import FaceParams
from rppg_bench.preprocessing.store import products_cache_file, video_products


def test_a_changed_timestamp_file_is_not_hidden_by_the_products_cache(tmp_path):
    clip = known_pulse_clip(tmp_path / "clip", fps=30.0, duration=3.0, size=(160, 120))
    folder = write_vipl_clip(tmp_path / "vipl", "p1/v1/source1", clip)
    cache = tmp_path / "cache"
    (rec,) = load_vipl_hr(tmp_path / "vipl")
    first = video_products(rec, FaceParams(), cache)
    np.testing.assert_allclose(first.times, rec.frame_times)

    stamps = np.round(clip.frame_times * 1000.0 * 1.05)  # the same frames, other times
    write_time_txt(folder / "time.txt", stamps)
    (again,) = load_vipl_hr(tmp_path / "vipl")
    assert products_cache_file(again, FaceParams(), cache) == products_cache_file(rec, FaceParams(), cache)
    second = video_products(again, FaceParams(), cache)  # read from the cache file
    np.testing.assert_allclose(second.times, stamps / 1000.0)
    np.testing.assert_array_equal(second.rgb, first.rgb)
