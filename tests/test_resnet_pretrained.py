"""Shipped weights, fine-tuning and the training recipe of the ResNet-18 + TCN model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")

import test_resnet
from test_resnet import SIZE

from rppg_bench.datasets.folder import load_folder
from rppg_bench.methods.registry import create_method
from rppg_bench.methods.resnet import extract_rppg_signal_resnet, load_checkpoint, train
from rppg_bench.methods.resnet import pretrained as shipped
from rppg_bench.methods.resnet.config import TrainConfig, scheduled_lr

video_dir = test_resnet.video_dir  # the two-video fixture

pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def trained(video_dir, tmp_path_factory) -> Path:
    """One epoch on the two test videos with the cosine schedule."""
    return train(None, epochs=1, lr=1e-3, batch=4, frames=16, size=SIZE, recordings=load_folder(video_dir),
                 out_dir=tmp_path_factory.mktemp("run"), progress=False, device="cpu", schedule="cosine")


# ---------------------------------------------------------------- the schedule
@pytest.mark.parametrize("total", [1, 7, 100, 1000])
def test_cosine_schedule_warms_up_peaks_and_decays_to_the_floor(total):
    lrs = [scheduled_lr(1e-3, s, total, schedule="cosine", warmup=0.05, final_share=0.01) for s in range(total)]
    assert max(lrs) == pytest.approx(1e-3)
    n_warm = math.ceil(0.05 * total)
    assert lrs[:n_warm] == sorted(lrs[:n_warm])  # rising warm-up
    assert lrs[n_warm - 1:] == sorted(lrs[n_warm - 1:], reverse=True)  # then never rising
    if total > n_warm + 1:
        assert lrs[-1] == pytest.approx(1e-5)
    assert all(1e-5 * 0.999 <= v <= 1e-3 for v in lrs[n_warm:])


def test_constant_schedule_and_bad_settings():
    assert {scheduled_lr(3e-4, s, 50) for s in range(50)} == {3e-4}
    with pytest.raises(ValueError, match="schedule must be one of"):
        TrainConfig(schedule="step")
    with pytest.raises(ValueError, match="warmup"):
        TrainConfig(schedule="cosine", warmup=1.5)


def test_schedule_is_recorded_in_the_checkpoint(trained):
    meta = torch.load(trained, weights_only=True)["meta"]
    assert meta["schedule"] == "cosine" and meta["warmup"] == 0.05 and meta["final_lr_share"] == 0.01


# ---------------------------------------------------------------- shipping and resolving
@pytest.fixture()
def weights_here(tmp_path, monkeypatch) -> Path:
    """The package's weights folder pointed at an empty temporary folder."""
    monkeypatch.setattr(shipped, "weights_dir", lambda: tmp_path / "weights")
    return tmp_path / "weights"


def test_ship_writes_half_precision_weights_with_their_record(trained, weights_here, video_dir):
    path = shipped.ship_checkpoint(trained, weights_here, provenance={"train_command": "train ...", "seed": 0})
    record = json.loads((weights_here / shipped.RECORD_FILE).read_text())
    assert record["sha256"] == shipped.file_sha256(path) and record["bytes"] == path.stat().st_size
    assert record["provenance"]["train_command"] == "train ..." and record["training"]["schedule"] == "cosine"
    state = torch.load(path, weights_only=True)["state_dict"]
    floats = [v for v in state.values() if v.is_floating_point()]
    assert floats and all(v.dtype == torch.float16 for v in floats)
    assert shipped.verify_pretrained() == path
    # "pretrained" resolves to it everywhere a checkpoint is accepted, and scores like the float32 original
    t, s = extract_rppg_signal_resnet(video_dir / "subject0_1.avi", "pretrained", device="cpu")
    t32, s32 = extract_rppg_signal_resnet(video_dir / "subject0_1.avi", trained, device="cpu")
    assert np.array_equal(t, t32) and np.corrcoef(s, s32)[0, 1] > 0.99
    assert load_checkpoint("pretrained").meta["provenance"]["seed"] == 0
    method = create_method("resnet", model="pretrained")
    assert method.required_crop_size == SIZE
    assert len(method.extract(video_dir / "subject1_1.avi")[1]) == len(t)


def test_a_damaged_shipped_file_fails_its_hash_check(trained, weights_here):
    path = shipped.ship_checkpoint(trained, weights_here, provenance={})
    with open(path, "r+b") as fh:
        fh.seek(-5, 2)
        fh.write(b"xxxxx")
    with pytest.raises(ValueError, match="SHA-256"):
        shipped.verify_pretrained()


def test_missing_shipped_weights_say_so(weights_here):
    with pytest.raises(FileNotFoundError, match="shipped 'pretrained' ResNet weights are missing"):
        load_checkpoint("pretrained")


# ---------------------------------------------------------------- fine-tuning
def test_fine_tuning_starts_from_the_given_weights_and_records_them(trained, video_dir, tmp_path, weights_here):
    shipped.ship_checkpoint(trained, weights_here, provenance={})
    recs = load_folder(video_dir)
    tuned = train(None, epochs=1, lr=1e-9, batch=4, frames=16, size=SIZE, recordings=recs, out_dir=tmp_path / "a",
                  progress=False, device="cpu", init="pretrained")
    meta = torch.load(tuned, weights_only=True)["meta"]
    assert meta["init"] == {"weights": "pretrained", "sha256": shipped.file_sha256(shipped.pretrained_path())}
    assert meta["epoch"] == 1 and len(meta["loss_history"]) == 1
    resumed = train(None, epochs=2, lr=1e-9, batch=4, frames=16, size=SIZE, recordings=recs,
                    out_dir=tmp_path / "a", progress=False, device="cpu", resume=tuned)
    assert torch.load(resumed, weights_only=True)["meta"]["init"] == meta["init"]  # resuming keeps the start
    # shipped in turn, the fine-tuned weights carry the whole record of the weights they started from
    first = shipped.pretrained_record()
    shipped.ship_checkpoint(tuned, tmp_path / "next", provenance={"train_command": "fine-tune"})
    chain = json.loads((tmp_path / "next" / shipped.RECORD_FILE).read_text())["provenance"]
    assert chain["train_command"] == "fine-tune"
    assert {k: chain["init_provenance"][k] for k in ("sha256", "training")} == {
        "sha256": first["sha256"], "training": first["training"]}
    assert shipped.init_provenance({"weights": "x.pth", "sha256": "0" * 64}, first, None) is None  # another start
    start = torch.load(shipped.pretrained_path(), weights_only=True)["state_dict"]
    after = torch.load(tuned, weights_only=True)["state_dict"]
    conv = "trunk.0.weight"
    assert torch.allclose(after[conv], start[conv].float(), atol=1e-4)  # a tiny lr keeps the start's weights
    with pytest.raises(ValueError, match="size=64, frames=16"):
        train(None, epochs=1, frames=20, size=SIZE, recordings=recs, out_dir=tmp_path / "b", progress=False,
              device="cpu", init="pretrained")


def test_in_run_method_fine_tunes_with_the_start_checkpoints_geometry(trained, video_dir, tmp_path):
    method = create_method("resnet", init=str(trained), epochs=1, lr=1e-9, batch=4, size=128, clip_frames=300)
    assert method.required_crop_size == SIZE  # the start checkpoint's crop size, not size=128
    fitted = method.fit(load_folder(video_dir), tmp_path, seed=0)
    meta = torch.load(fitted["model"], weights_only=True)["meta"]
    assert meta["init"]["weights"] == str(trained)
    cfg = torch.load(fitted["model"], weights_only=True)["config"]
    assert (cfg["size"], cfg["frames"]) == (SIZE, 16)


# ---------------------------------------------------------------- the weights this package ships
def test_shipped_weights_match_their_record_and_score_a_clip(video_dir):
    path = shipped.verify_pretrained()  # raises when the SHA-256 differs from pretrained.json
    record = shipped.pretrained_record()
    assert record["bytes"] == path.stat().st_size and record["dtype"] == "float16"
    provenance = record["provenance"]
    assert provenance["train_command"] and provenance["corpora"] and provenance["code_revision"]
    model = load_checkpoint("pretrained")
    assert model.size == record["config"]["size"] and model.frames == record["config"]["frames"]
    t, s = extract_rppg_signal_resnet(video_dir / "subject1_1.avi", "pretrained", device="cpu")
    assert len(t) == 60 and np.all(np.isfinite(s)) and s.min() >= 0 and s.max() <= 1 and np.ptp(s) > 0
