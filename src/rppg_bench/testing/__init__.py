"""Conformance checks for method and dataset plugins, the ones the project runs on its own.

Every check raises ``AssertionError`` with a message naming the method or
recording and the broken rule, and imports no test framework, so a plugin's
test suite can call them from pytest, unittest or a plain script::

    from rppg_bench.testing import (check_method_contract, check_recording_contract,
                                    synthetic_contract_clips)

    def test_my_method(tmp_path):
        clips = synthetic_contract_clips(tmp_path)     # one easy, one hard synthetic clip
        check_method_contract("mymethod", clips)       # a registered name, or an instance

    def test_my_loader(tmp_path):
        for rec in my_loader(MY_SMALL_ROOT):
            check_recording_contract(rec, dataset="mydataset")

The rules are in :mod:`.method_checks` (``extract(video) -> (times, signal)``)
and :mod:`.dataset_checks` (``Recording``), with the frame-time rules both share in
:mod:`.time_checks`.
"""

from .dataset_checks import check_recording_contract
from .method_checks import (
    HR_TOLERANCE_BPM,
    check_extract_output,
    check_heart_rate,
    check_method_contract,
    synthetic_contract_clips,
)
from .time_checks import FRAME_INTERVAL_RANGE_S, frame_times_problem

__all__ = [
    "FRAME_INTERVAL_RANGE_S",
    "HR_TOLERANCE_BPM",
    "check_extract_output",
    "check_heart_rate",
    "check_method_contract",
    "check_recording_contract",
    "frame_times_problem",
    "synthetic_contract_clips",
]
