"""ResNet-18 + TCN on every torch device the machine has: the CPU always, CUDA when a GPU is
present (those cases are skipped elsewhere; run them on a GPU machine with
``python -m pytest tests/test_resnet_devices.py``).

The recordings here carry their face crops already (memoised products), so
nothing decodes video or needs MediaPipe: training, checkpoint loading and
scoring are exercised on the device alone.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")

from test_resnet import FPS, SIZE, pulse_clips

from rppg_bench.datasets.recording import ImageSequence, Recording
from rppg_bench.methods.resnet import ResNetTCN, load_checkpoint, train
from rppg_bench.methods.resnet.checkpoint import make_config, save_checkpoint
from rppg_bench.methods.resnet.infer import (
    TRUNK_FRAMES,
    default_trunk_frames,
    extract_with_model,
    predict_crops,
)
from rppg_bench.preprocessing.params import FaceParams
from rppg_bench.preprocessing.products import VideoProducts
from rppg_bench.preprocessing.store import memoise_products, video_products

pytestmark = pytest.mark.usefixtures("torch_one_thread")

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
DEVICES = ["cpu", pytest.param("cuda", marks=CUDA)]


def recording_with_crops(name: str, subject: str, hr_bpm: float, n: int = 90, seed: int = 0) -> Recording:
    """A recording whose face crops (n, SIZE, SIZE, 3) are memoised on it: ``test_resnet``'s random skin
    texture whose colour follows a sinusoidal pulse of ``hr_bpm``, that pulse also its ground-truth PPG."""
    clips, ppg, _ = pulse_clips(b=1, t=n, hrs=(hr_bpm,), seed=seed)
    crops = clips[0].permute(0, 2, 3, 1).numpy()  # (n, SIZE, SIZE, 3) uint8
    ppg = ppg[0].numpy().astype(float)
    times = np.arange(n) / FPS
    rec = Recording(name=name, dataset="memory", subject=subject, ppg=ppg, ppg_times=times,
                    source=ImageSequence(path=f"memory/{name}", files=(), times=tuple(times)))
    prod = VideoProducts(times=times, fps=FPS, rgb=crops.mean(axis=(1, 2)), boxes=np.zeros((n, 4), np.int32),
                         face_found=np.ones(n, bool), crops=crops)
    memoise_products(rec, FaceParams(crop_size=SIZE), prod)
    return rec


@pytest.fixture(scope="module")
def recordings() -> list[Recording]:
    return [recording_with_crops(f"s{k}", f"s{k}", hr, seed=k) for k, hr in enumerate((66.0, 96.0))]


def test_memoised_crops_are_what_the_model_reads(recordings):
    """The fixture's crops serve the face pass (nothing is decoded)."""
    prod = video_products(recordings[0], FaceParams(crop_size=SIZE))
    assert prod.crops.shape == (90, SIZE, SIZE, 3)


def test_trunk_runs_a_few_frames_at_a_time_on_the_cpu_and_whole_chunks_on_a_gpu():
    """Bounded memory on the CPU; on a GPU 8-frame passes leave it idle (H200: 2.7k vs 22k frames/s)."""
    assert default_trunk_frames("cpu") == TRUNK_FRAMES == 8
    assert default_trunk_frames("cuda") is None and default_trunk_frames(torch.device("cuda", 0)) is None


@pytest.mark.slow
@pytest.mark.parametrize("device", DEVICES)
def test_training_on_the_device_writes_a_checkpoint_that_loads_on_the_cpu(recordings, device, tmp_path):
    """Two epochs (mixed precision with a gradient scaler on CUDA): finite losses, the device recorded,
    and the checkpoint gives the same outputs on the CPU as the trained weights on the device."""
    amp = device == "cuda"
    ckpt = train(None, epochs=2, lr=1e-3, batch=2, frames=32, size=SIZE, device=device, amp=amp,
                 recordings=recordings, out_dir=tmp_path, progress=False)
    on_device = load_checkpoint(ckpt, device)
    on_cpu = load_checkpoint(ckpt, "cpu")
    assert on_device.device.type == device and on_device.meta["device"].startswith(device)
    assert on_device.meta["amp"] is amp and len(on_device.meta["loss_history"]) == 2
    assert all(np.isfinite(h["loss"]) for h in on_device.meta["loss_history"])
    crops = video_products(recordings[0]).crops
    x = torch.from_numpy(np.ascontiguousarray(crops[:32])).permute(0, 3, 1, 2).unsqueeze(0)
    with torch.inference_mode():
        a = on_device.model(x.to(device)).cpu()
        b = on_cpu.model(x)
    torch.testing.assert_close(a, b, atol=5e-3, rtol=5e-3)  # TF32 convolutions on CUDA


@CUDA
def test_cuda_scores_like_the_cpu_in_float32_and_float16(recordings, tmp_path):
    """The same weights on CUDA follow the CPU's pulse: float32 (TF32 convolutions) and float16
    autocast, with the trunk on a few frames at a time or the whole chunk."""
    torch.manual_seed(0)
    model = ResNetTCN().eval()
    crops = video_products(recordings[1]).crops
    reference = predict_crops(model, crops, 40)
    model = model.to("cuda")
    for amp in (False, True):
        for trunk in (8, None):
            pulse = predict_crops(model, crops, 40, "cuda", amp=amp, trunk_frames=trunk)
            assert pulse.shape == reference.shape
            assert np.corrcoef(pulse, reference)[0, 1] > (0.999 if not amp else 0.99)


@CUDA
def test_extract_with_a_model_on_cuda_gives_a_unit_range_signal_per_frame(recordings, tmp_path):
    torch.manual_seed(0)
    config = make_config(size=SIZE, frames=32, dropout=0.1, batch_norm=True, hr_weight=0.1,
                         band=(0.7, 3.0), temperature=0.05)
    path = save_checkpoint(tmp_path / "ckpt_ep0.pth", ResNetTCN(), config, {"epoch": 0})
    times, signal = extract_with_model(recordings[0], load_checkpoint(path, "cuda"), amp=True)
    assert times.shape == signal.shape == (90,)
    assert signal.min() == pytest.approx(0.0) and signal.max() == pytest.approx(1.0)


@CUDA
def test_compiled_training_on_cuda_matches_eager_training(recordings, tmp_path):
    """``compile=True`` (torch.compile, inductor) computes what eager mode does: the same first-epoch
    loss with steps too small to move the weights (larger ones amplify rounding differences from
    batch to batch; no dropout: inductor draws its own random masks), and a checkpoint that loads."""
    kwargs = dict(epochs=1, lr=1e-8, batch=2, frames=32, size=SIZE, device="cuda", recordings=recordings,
                  progress=False, augment=False, dropout=0.0)
    eager = load_checkpoint(train(None, out_dir=tmp_path / "eager", **kwargs), "cpu")
    compiled = load_checkpoint(train(None, out_dir=tmp_path / "compiled", compile=True, **kwargs), "cpu")
    le, lc = eager.meta["loss_history"][0]["loss"], compiled.meta["loss_history"][0]["loss"]
    assert lc == pytest.approx(le, rel=0.01)
