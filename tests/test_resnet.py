"""ResNet-18 + TCN: model shapes, loss, training, checkpoints, inference, published API.

CPU only and small (64x64 crops, clips of 16-40 frames, videos of a few
seconds made from ``skimage.data.astronaut()``). torch runs on one thread here:
on such tiny tensors threading overhead dominates, and it makes the timings
stable on a busy machine.
"""

from __future__ import annotations

import inspect
import math
import re
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")

from rppg_bench.datasets.folder import load_folder
from rppg_bench.datasets.splits import subject_folds
from rppg_bench.methods.registry import create_method, method_info
from rppg_bench.methods.resnet import (
    ResNetTCN,
    extract_rppg_signal_resnet,
    load_checkpoint,
    process_all_videos_resnet,
    train,
)
from rppg_bench.methods.resnet.checkpoint import make_config, save_checkpoint
from rppg_bench.methods.resnet.data import (
    ClipDataset,
    Jitter,
    augment_clip,
    clip_starts,
    recording_arrays,
    recording_subject,
)
from rppg_bench.methods.resnet.infer import (
    TRUNK_FRAMES,
    chunk_starts,
    extract_with_model,
    overlap_weights,
    predict_crop_stream,
    predict_crops,
)
from rppg_bench.methods.resnet.loss import peak_hr, rppg_loss, soft_hr, zscore
from rppg_bench.methods.resnet.model import (
    clip_moments,
    normalize_clip,
    standardize,
)

FPS = 30.0
SIZE = 64


pytestmark = pytest.mark.usefixtures("torch_one_thread")


def face_video(path: Path, hr_bpm: float, n_frames: int = 60, seed: int = 0) -> Path:
    """Astronaut face (160x120) whose skin darkens by ~1 % with a sinusoidal pulse, MJPG .avi,
    plus a same-stem ``.txt`` (PPG, empty HR line, times); returns the video path."""
    from skimage import data

    img = cv2.resize(data.astronaut(), (160, 120), interpolation=cv2.INTER_AREA).astype(float)
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / FPS
    ppg = np.sin(2 * np.pi * hr_bpm / 60 * t)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (160, 120))
    for p in ppg:
        frame = img * (1 - 0.01 * p * np.array([0.33, 0.77, 0.53])) + rng.normal(0, 1, img.shape)
        writer.write(cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR))
    writer.release()
    path.with_suffix(".txt").write_text(" ".join(map(repr, ppg)) + "\n\n" + " ".join(map(repr, t)) + "\n")
    return path


@pytest.fixture(scope="module")
def video_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("resnet_videos")
    for k, hr in enumerate((66.0, 96.0)):
        face_video(root / f"subject{k}_1.avi", hr, seed=k)
    return root


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """An untrained model saved as a checkpoint (64 px, 16-frame clips)."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("ckpt") / "ckpt_ep0.pth"
    config = make_config(size=SIZE, frames=16, dropout=0.1, batch_norm=True, hr_weight=0.1,
                         band=(0.7, 3.0), temperature=0.05)
    return save_checkpoint(path, ResNetTCN(), config, {"epoch": 0})


def pulse_clips(b: int = 2, t: int = 32, size: int = SIZE, hrs=(60.0, 100.0), seed: int = 0):
    """Random-texture crops whose green channel follows a sinusoid; (clips uint8, ppg, fps)."""
    rng = np.random.default_rng(seed)
    time = np.arange(t) / FPS
    ppg = np.stack([np.sin(2 * np.pi * hrs[i % len(hrs)] / 60 * time) for i in range(b)])
    base = rng.uniform(60, 200, (b, 1, size, size, 3))
    gain = 1 + 0.02 * ppg[:, :, None, None, None] * np.array([0.3, 1.0, 0.5])
    clips = np.clip(base * gain + rng.normal(0, 0.5, (b, t, size, size, 3)), 0, 255).astype(np.uint8)
    return (torch.from_numpy(clips).permute(0, 1, 4, 2, 3).contiguous(),
            torch.tensor(ppg, dtype=torch.float32), torch.full((b,), FPS))


# ---------------------------------------------------------------- model
@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return ResNetTCN().eval()


@pytest.mark.parametrize("size,frames", [(64, 16), (64, 40), (96, 16), (96, 40), (128, 8)])
def test_output_has_one_value_per_frame(model, size, frames):
    x = torch.randint(0, 256, (2, frames, 3, size, size), dtype=torch.uint8)
    with torch.inference_mode():
        y = model(x)
    assert y.shape == (2, frames)
    assert torch.isfinite(y).all()


def test_trunk_in_slices_gives_the_same_output(model):
    x = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (2, 20, 3, SIZE, SIZE), dtype=np.uint8))
    model.eval()
    with torch.inference_mode():
        torch.testing.assert_close(model(x, frames_per_pass=7), model(x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("frames_per_pass", [1, 7, 32])
def test_memory_lean_path_equals_forward_on_the_whole_clip(model, frames_per_pass):
    """forward(x, frames_per_pass): moments accumulated and frames normalised and run through the trunk
    slice by slice (what inference uses) -- the same numbers as normalising the whole clip at once."""
    x = torch.from_numpy(np.random.default_rng(1).integers(0, 256, (1, 20, 3, SIZE, SIZE), dtype=np.uint8))
    with torch.inference_mode():
        whole = model.temporal(model.frame_features(normalize_clip(x))).squeeze(1)
        torch.testing.assert_close(model(x, frames_per_pass=frames_per_pass), whole, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(model(x), whole, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("frames_per_pass", [None, 1, 6, 24])
def test_clip_moments_in_slices_are_the_clip_mean_and_std(frames_per_pass):
    x, _, _ = pulse_clips(b=2, t=24)
    mean, std = clip_moments(x, frames_per_pass)
    xf = x.double() / 255
    assert mean.dtype == std.dtype == torch.float32 and mean.shape == std.shape == (2, 1, 3, SIZE, SIZE)
    torch.testing.assert_close(mean.double(), xf.mean(dim=1, keepdim=True), atol=1e-6, rtol=0)
    torch.testing.assert_close(std.double(), xf.std(dim=1, keepdim=True, correction=0), atol=1e-6, rtol=0)
    sliced = torch.cat([standardize(x[:, i:i + 5], mean, std) for i in range(0, 24, 5)], dim=1)
    torch.testing.assert_close(sliced, normalize_clip(x), atol=1e-4, rtol=1e-5)


def test_model_rejects_wrong_input_shape(model):
    with pytest.raises(ValueError, match=r"\(B, T, 3, S, S\)"):
        model(torch.zeros(2, 3, SIZE, SIZE))


def test_normalize_clip_standardises_each_pixel_over_time():
    x, _, _ = pulse_clips(b=1, t=24)
    z = normalize_clip(x)
    assert z.dtype == torch.float32 and z.shape == x.shape
    assert torch.allclose(z.mean(dim=1), torch.zeros(()), atol=1e-4)
    xf = x.float() / 255
    expected = (xf - xf.mean(dim=1, keepdim=True)) / (xf.std(dim=1, keepdim=True, correction=0) + 1e-3)
    assert torch.allclose(z, expected, atol=1e-5)
    big = torch.zeros(1, 4, 3, 2, 2, dtype=torch.uint8)
    big[:, 1::2] = 200  # a pixel swinging over most of the range: unit standard deviation
    assert torch.allclose(normalize_clip(big).std(dim=1, correction=0), torch.ones(()), atol=0.01)
    assert torch.allclose(normalize_clip(x.float() / 255), z, atol=1e-5)  # uint8 and [0, 1] agree
    static = torch.full((1, 10, 3, 4, 4), 128, dtype=torch.uint8)
    assert torch.count_nonzero(normalize_clip(static)) == 0


def test_pretrained_path_must_be_resnet18_weights(tmp_path):
    bad = tmp_path / "weights.pth"
    torch.save({"layer.weight": torch.zeros(3)}, bad)
    with pytest.raises(ValueError, match="weights.pth"):
        ResNetTCN(pretrained_path=bad)
    import torchvision

    good = tmp_path / "resnet18.pth"
    ref = torchvision.models.resnet18(weights=None)
    torch.save(ref.state_dict(), good)
    net = ResNetTCN(pretrained_path=good)
    assert torch.equal(net.trunk[0].weight, ref.conv1.weight)


# ---------------------------------------------------------------- loss
@pytest.mark.parametrize("hr", [48.0, 75.0, 123.0, 170.0])
def test_soft_hr_is_close_to_true_rate_and_differentiable(hr):
    t = torch.arange(300) / FPS
    x = torch.sin(2 * math.pi * hr / 60 * t + 0.3)[None].clone().requires_grad_(True)
    est = soft_hr(x, FPS)
    assert abs(float(est.detach()) - hr) < 1.0
    assert abs(float(peak_hr(x.detach(), FPS)) - hr) < 1.0
    est.sum().backward()
    assert torch.isfinite(x.grad).all() and float(x.grad.abs().sum()) > 0


def test_soft_hr_accepts_one_rate_per_clip():
    hrs, rates = (60.0, 90.0), torch.tensor([30.0, 25.0])
    x = torch.stack([torch.sin(2 * math.pi * h / 60 * torch.arange(200) / r) for h, r in zip(hrs, rates)])
    assert torch.allclose(soft_hr(x, rates), torch.tensor(hrs), atol=1.0)


def test_loss_is_zero_mse_for_scaled_copy_and_grows_with_wrong_rate():
    _, ppg, fs = pulse_clips(b=2, t=150)
    loss, parts = rppg_loss(3 * ppg + 1, ppg, fs)
    assert parts["mse"] < 1e-6 and parts["hr_mae"] < 1.5
    wrong = torch.sin(2 * math.pi * 2.5 * torch.arange(150) / FPS).expand(2, -1)
    loss_wrong, parts_wrong = rppg_loss(wrong, ppg, fs)
    assert loss_wrong > loss + 1 and parts_wrong["hr_mae"] > 40
    assert torch.allclose(zscore(ppg).std(dim=-1, correction=0), torch.ones(2), atol=1e-4)


@pytest.mark.slow
def test_a_few_adamw_steps_reduce_the_loss():
    torch.manual_seed(0)
    net = ResNetTCN(dropout=0.0)
    x, y, fs = pulse_clips(b=2, t=24)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    losses = []
    for _ in range(6):
        loss, _ = rppg_loss(net(x), y, fs)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert min(losses[-3:]) < 0.5 * losses[0]


# ---------------------------------------------------------------- data
def test_clip_starts_cover_the_recording():
    assert clip_starts(10, 20, 10) == []
    assert clip_starts(20, 20, 10) == [0]
    assert clip_starts(45, 20, 10) == [0, 10, 20, 25]


def test_augmentation_is_one_draw_per_clip_and_deterministic():
    frame = np.random.default_rng(0).integers(0, 256, (1, 8, 8, 3), dtype=np.uint8)
    clip = np.repeat(frame, 5, axis=0)
    out = augment_clip(clip, np.random.default_rng(1))
    assert out.dtype == np.float32 and out.shape == clip.shape
    assert out.min() >= 0 and out.max() <= 1
    assert np.allclose(out, out[:1])  # same transform for every frame
    assert np.array_equal(out, augment_clip(clip, np.random.default_rng(1)))
    assert not np.allclose(out, clip / 255.0)
    plain = augment_clip(clip, np.random.default_rng(1), Jitter(0, 0, 0, 1.0, flip=False))
    assert np.allclose(plain, clip / 255.0, atol=1e-6)


class _Rec:
    def __init__(self, name, subject, dataset="d"):
        self.name, self.subject, self.dataset = name, subject, dataset


def test_subject_folds_never_share_a_subject():
    recs = [_Rec(f"v{i}", f"s{i % 5}") for i in range(12)] + [_Rec("lonely", "")]
    folds = subject_folds(recs, k=3, seed=1)
    assert len(folds) == 3
    tested = []
    for train_recs, test_recs in folds:
        assert not {recording_subject(r) for r in train_recs} & {recording_subject(r) for r in test_recs}
        assert len(train_recs) + len(test_recs) == len(recs)
        tested += [r.name for r in test_recs]
    assert sorted(tested) == sorted(r.name for r in recs)
    assert [[r.name for r in te] for _, te in folds] == [[r.name for r in te] for _, te in subject_folds(recs, 3, 1)]
    with pytest.raises(ValueError, match="at least 3 subjects"):
        subject_folds(recs[:2], k=3)
    # the same subject id in two datasets is two subjects
    twins = [_Rec("a", "1", "pure"), _Rec("b", "1", "ubfc"), _Rec("c", "2", "ubfc")]
    assert sorted(len(te) for _, te in subject_folds(twins, k=3)) == [1, 1, 1]


def test_recording_arrays_and_clips(video_dir, tmp_path):
    rec = load_folder(video_dir)[0]
    arrays = recording_arrays(rec, SIZE, cache_dir=tmp_path)
    assert arrays.crops.shape == (60, SIZE, SIZE, 3) and arrays.crops.dtype == np.uint8
    assert np.allclose(arrays.ppg, rec.ppg, atol=1e-6) and arrays.subject == "subject0"
    again = recording_arrays(load_folder(video_dir)[0], SIZE, cache_dir=tmp_path)  # from the .npy cache
    assert isinstance(again.crops, np.memmap) and np.array_equal(again.crops, arrays.crops)
    data = ClipDataset([arrays], frames=20, augment=True, seed=3)
    assert len(data) == 5  # stride 10: starts 0, 10, 20, 30, 40
    clip, ppg, fps = data[1]
    assert clip.shape == (20, 3, SIZE, SIZE) and ppg.shape == (20,) and float(fps) == FPS
    assert torch.equal(clip, data[1][0])
    data.set_epoch(1)
    assert not torch.equal(clip, data[1][0])


# ---------------------------------------------------------------- training and checkpoints
@pytest.fixture(scope="module")
def trained(video_dir, tmp_path_factory) -> Path:
    """One epoch of training on the two test videos (lr 1e-3, 4 clips of 16 frames per batch)."""
    return train(None, epochs=1, lr=1e-3, batch=4, frames=16, size=SIZE, recordings=load_folder(video_dir),
                 out_dir=tmp_path_factory.mktemp("run"), progress=False, device="cpu")


@pytest.mark.slow
def test_train_writes_checkpoints_and_resumes(trained, video_dir, tmp_path):
    assert trained.name == "ckpt_ep1.pth" and trained.is_file()
    ckpt = torch.load(trained, weights_only=True)
    assert ckpt["config"]["size"] == SIZE and ckpt["config"]["frames"] == 16
    assert ckpt["config"]["architecture"] == "resnet18-tcn"
    meta = ckpt["meta"]
    assert meta["epoch"] == 1 and meta["seed"] == 0 and len(meta["loss_history"]) == 1
    assert meta["subjects"] == ["subject0", "subject1"] and "torch" in meta["versions"] and meta["date"]
    assert (trained.parent / "ckpt_ep1.optim.pt").is_file()
    recs = load_folder(video_dir)
    path2 = train(None, epochs=2, lr=1e-3, batch=4, frames=16, size=SIZE, recordings=recs, out_dir=tmp_path,
                  progress=False, device="cpu", resume=trained)
    meta2 = torch.load(path2, weights_only=True)["meta"]
    assert path2 == tmp_path / "ckpt_ep2.pth" and meta2["epoch"] == 2
    assert meta2["loss_history"][0] == meta["loss_history"][0] and len(meta2["loss_history"]) == 2
    with pytest.raises(ValueError, match="size=64, frames=16"):
        train(None, epochs=3, frames=20, size=SIZE, recordings=recs, out_dir=tmp_path, progress=False, resume=path2)


@pytest.mark.slow
def test_command_line_training_is_deterministic_for_a_seed(trained, video_dir, tmp_path, capsys):
    """``train`` on the folder from the command line repeats the fixture's run exactly (same seed)."""
    from rppg_bench.methods.resnet.__main__ import main

    assert main(["train", "--root", str(video_dir), "--epochs", "1", "--lr", "1e-3", "--frames", "16",
                 "--size", "64", "--batch", "4", "--device", "cpu", "--out-dir", str(tmp_path),
                 "--no-progress"]) == 0
    assert capsys.readouterr().out.strip() == f"checkpoint: {tmp_path / 'ckpt_ep1.pth'}"
    a = torch.load(trained, weights_only=True)
    b = torch.load(tmp_path / "ckpt_ep1.pth", weights_only=True)
    assert b["meta"]["dataset"] == "folder" and b["meta"]["root"] == str(video_dir)
    assert a["meta"]["loss_history"] == b["meta"]["loss_history"]
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])


def test_save_load_round_trip_gives_identical_outputs(checkpoint):
    loaded = load_checkpoint(checkpoint, "cpu")
    torch.manual_seed(0)
    reference = ResNetTCN().eval()
    x, _, _ = pulse_clips(b=1, t=16)
    with torch.inference_mode():
        assert torch.equal(loaded.model(x), reference(x))
    assert loaded.size == SIZE and loaded.frames == 16 and not loaded.model.training


def test_loading_something_else_is_a_value_error_naming_the_file(tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("this is not a checkpoint\n")
    noise = tmp_path / "noise.pth"
    noise.write_bytes(np.random.default_rng(0).bytes(4096))
    other = tmp_path / "other_model.pth"
    torch.save(torch.nn.Linear(4, 2).state_dict(), other)
    wrong_arch = tmp_path / "wrong_arch.pth"
    torch.save({"state_dict": {}, "config": {"architecture": "physnet", "size": 64, "frames": 16}}, wrong_arch)
    for path in (text, noise, other, wrong_arch):
        with pytest.raises(ValueError, match=re.escape(path.name)):
            load_checkpoint(path, "cpu")
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load_checkpoint(tmp_path / "missing.pth", "cpu")


def test_loading_mismatched_weights_is_a_value_error(tmp_path):
    path = tmp_path / "broken.pth"
    config = make_config(size=SIZE, frames=16, dropout=0.1, batch_norm=True, hr_weight=0.1,
                         band=(0.7, 3.0), temperature=0.05)
    torch.save({"state_dict": torch.nn.Linear(4, 2).state_dict(), "config": config, "meta": {}}, path)
    with pytest.raises(ValueError, match=r"broken\.pth.*weights do not fit"):
        load_checkpoint(path, "cpu")


# ---------------------------------------------------------------- inference
def test_overlap_add_chunks_cover_every_frame():
    assert chunk_starts(10, 16) == [0]
    assert chunk_starts(40, 16) == [0, 8, 16, 24]
    assert chunk_starts(41, 16) == [0, 8, 16, 24, 25]
    assert (overlap_weights(16) > 0).all()


def test_predict_crops_is_chunk_consistent(checkpoint):
    loaded = load_checkpoint(checkpoint, "cpu")
    crops = np.random.default_rng(0).integers(0, 256, (40, SIZE, SIZE, 3), dtype=np.uint8)
    raw = predict_crops(loaded.model, crops, 16)
    assert raw.shape == (40,) and np.isfinite(raw).all()
    single = predict_crops(loaded.model, crops[:16], 16)
    assert np.allclose(single, (single - single.mean()) / single.std(), atol=1e-6)  # one chunk: z-scored


def test_flip_averages_the_crops_and_their_mirror_images(checkpoint):
    """resnet.flip: on mirror-symmetric crops the mirrored pass sees the same images (the same output);
    on others it differs from either pass alone."""
    loaded = load_checkpoint(checkpoint, "cpu")
    half = np.random.default_rng(1).integers(0, 256, (24, SIZE, SIZE // 2, 3), dtype=np.uint8)
    symmetric = np.concatenate([half, half[:, :, ::-1]], axis=2)
    assert np.allclose(predict_crops(loaded.model, symmetric, 16, flip=True),
                       predict_crops(loaded.model, symmetric, 16), atol=1e-6)
    crops = np.random.default_rng(2).integers(0, 256, (24, SIZE, SIZE, 3), dtype=np.uint8)
    both = predict_crops(loaded.model, crops, 16, flip=True)
    assert np.isfinite(both).all()
    assert not np.allclose(both, predict_crops(loaded.model, crops, 16), atol=1e-6)
    assert not np.allclose(both, predict_crops(loaded.model, np.ascontiguousarray(crops[:, :, ::-1]), 16), atol=1e-6)


@pytest.mark.parametrize("n", [9, 16, 17, 40, 41])
def test_streamed_chunks_are_the_chunks_of_the_whole_video(checkpoint, n):
    """predict_crops / predict_crop_stream overlap-add exactly the chunks chunk_starts names."""
    loaded = load_checkpoint(checkpoint, "cpu")
    crops = np.random.default_rng(n).integers(0, 256, (n, SIZE, SIZE, 3), dtype=np.uint8)
    acc, wsum = np.zeros(n), np.zeros(n)
    for s in chunk_starts(n, 16):
        with torch.inference_mode():
            clip = torch.from_numpy(crops[s:s + 16]).permute(0, 3, 1, 2)[None]
            y = loaded.model(clip, frames_per_pass=TRUNK_FRAMES)[0].numpy().astype(float)
        w = overlap_weights(len(y))
        acc[s:s + len(y)] += w * (y - y.mean()) / (y.std() + 1e-8)
        wsum[s:s + len(y)] += w
    np.testing.assert_allclose(predict_crop_stream(loaded.model, iter(crops), 16), acc / wsum, atol=1e-9)


def test_scoring_while_decoding_equals_scoring_precomputed_crops(video_dir, checkpoint):
    """A video scored straight from decoding (bounded memory) gives the benchmark path's numbers."""
    from rppg_bench.preprocessing.decode import recording_from_video
    from rppg_bench.preprocessing.kinds import iter_face_crops
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.store import video_products

    loaded = load_checkpoint(checkpoint, "cpu")
    path = video_dir / "subject0_1.avi"
    t_stream, s_stream = extract_with_model(path, loaded)
    rec = recording_from_video(path)
    prod = video_products(rec, FaceParams(crop_size=SIZE))
    assert np.array_equal(np.stack(list(iter_face_crops(rec, FaceParams(crop_size=SIZE)))), prod.crops)
    t_pre, s_pre = extract_with_model(rec, loaded)  # uses the memoised crops
    np.testing.assert_allclose(t_stream, t_pre)
    np.testing.assert_allclose(s_stream, s_pre, atol=1e-9)


def test_extract_returns_one_value_per_frame_in_unit_range(video_dir, checkpoint):
    times, signal = extract_rppg_signal_resnet(video_dir / "subject0_1.avi", checkpoint, device="cpu")
    assert times.shape == signal.shape == (60,)
    assert np.all(np.diff(times) > 0) and np.allclose(times, np.arange(60) / FPS)
    assert np.isfinite(signal).all() and signal.min() >= 0 and signal.max() <= 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="tests the fallback on machines without a GPU")
def test_cuda_without_gpu_warns_and_runs_on_cpu(video_dir, checkpoint):
    with pytest.warns(UserWarning, match="CUDA is not available"):
        _, signal = extract_rppg_signal_resnet(video_dir / "subject1_1.avi", checkpoint, frames=24, device="cuda")
    assert signal.shape == (60,) and 0 <= signal.min() and signal.max() <= 1


def test_process_all_videos_prints_the_original_format(video_dir, checkpoint, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = process_all_videos_resnet(video_dir, checkpoint)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and len(results) == 2
    for line, res, name in zip(lines, results, ("subject0_1.avi", "subject1_1.avi")):
        assert line == f"{name:<36} RMSE={res['rmse']:.4f}  MAE={res['mae']:.4f}  ({res['ms']:.0f} ms)"
        assert re.fullmatch(r"\S+ +RMSE=\d\.\d{4}  MAE=\d\.\d{4}  \(\d+ ms\)", line)
    assert lines[2] == "-" * 62
    assert lines[3] == f"Mean RMSE: {np.mean([r['rmse'] for r in results]):.4f}"
    assert lines[4] == f"Mean MAE : {np.mean([r['mae'] for r in results]):.4f}"


def test_command_line_evaluates_a_folder(video_dir, checkpoint, capsys):
    from rppg_bench.methods.resnet.__main__ import main

    assert main(["--dataset", str(video_dir), "--model", str(checkpoint), "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line[:36].rstrip() for line in lines[:2]] == ["subject0_1.avi", "subject1_1.avi"]
    assert lines[2:4] == ["-" * 62, lines[3]] and lines[3].startswith("Mean RMSE: ")
    assert lines[4].startswith("Mean MAE : ")


# ---------------------------------------------------------------- published API and method
def test_published_signatures():
    assert str(inspect.signature(extract_rppg_signal_resnet)) == \
        "(video_path, model_path, frames=None, device='cuda', verbose=False)"
    assert str(inspect.signature(process_all_videos_resnet)) == \
        "(dataset_path, model_path, frames=None, device='cuda')"
    params = list(inspect.signature(train).parameters.values())
    assert [(p.name, p.default) for p in params[:5]] == \
        [("root", inspect.Parameter.empty), ("epochs", 30), ("lr", 3e-4), ("batch", 6), ("frames", 300)]
    keyword = {p.name: p.default for p in params[5:]}
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[5:])
    assert {"dataset": "folder", "size": 128, "device": None, "seed": 0, "out_dir": ".", "amp": False,
            "compile": False, "resume": None, "recordings": None, "progress": True}.items() <= keyword.items()
    assert list(inspect.signature(load_checkpoint).parameters)[:2] == ["path", "device"]


def test_long_videos_keep_no_crops_in_the_shared_pass(checkpoint, monkeypatch):
    """The runner keeps a video's crops only under its memory limit; above it resnet crops while scoring."""
    from rppg_bench import runner
    from rppg_bench.metrics.protocol import get_protocol

    method = create_method("resnet", model=str(checkpoint))
    short = runner.face_params([method], 0.5, get_protocol("default"), n_frames=600)
    assert short.crop_size == SIZE
    monkeypatch.setattr(runner, "CROPS_IN_MEMORY_BYTES", 599 * SIZE * SIZE * 3)
    assert runner.face_params([method], 0.5, get_protocol("default"), n_frames=600).crop_size == 0


def test_resnet_method_through_the_registry(video_dir, checkpoint):
    info = method_info("resnet")
    assert info["kind"] == "learned" and {"model", "frames", "device", "epochs", "lr", "batch", "clip_frames",
                                          "size"} <= set(info["parameters"])
    method = create_method("resnet", model=str(checkpoint))
    assert method.required_crop_size == SIZE
    times, signal = method.extract(video_dir / "subject0_1.avi")
    assert times.shape == signal.shape == (60,) and 0 <= signal.min() and signal.max() <= 1
    assert not method.needs_training()
    unset = create_method("resnet", size=96)
    assert unset.needs_training() and unset.required_crop_size == 96  # crops for training inside the run
    broken = create_method("resnet", model=str(video_dir / "subject0_1.avi"))
    assert broken.required_crop_size == 0  # the runner asks before any method runs: never raise
    with pytest.raises(ValueError, match="resnet needs --param resnet.model=CKPT"):
        unset.extract(video_dir / "subject0_1.avi")
