"""Inference speed of the ResNet-18 + TCN model (frames per second).

    python benchmarks/resnet_speed.py [--size 128] [--frames 300] [--seconds 10] [--model CKPT]
                                      [--cropper mediapipe|haar_box|fixed] [--repeats 2]

Writes a temporary 640x480 face video (``skimage.data.astronaut()`` with a
pulsatile skin colour change), then times, on the CPU: face cropping
(decoding + MediaPipe FaceMesh + crop, shared with the classical methods'
RGB trace; ``--cropper haar_box``: rPPG-Toolbox's first-frame Haar box;
``--cropper fixed``: one fixed square, no detector, for machines without
MediaPipe or OpenCV's Haar cascades), the model on the crops, and both
together; on a GPU, when one is available, the model in float32 and with
float16 autocast, with the trunk run on 8 frames at a time (the CPU default,
``TRUNK_FRAMES``), 64, or the whole chunk, and float16 with channels-last
weights. Frames/s count video frames: chunks overlap by half, so the model
sees every frame twice. Each timing is the fastest of ``--repeats`` runs.
Without ``--model`` a randomly initialised model is timed (same cost as a
trained one). Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from rppg_bench.methods.resnet.infer import TRUNK_FRAMES, load_checkpoint, predict_crops
from rppg_bench.methods.resnet.loss import rppg_loss
from rppg_bench.methods.resnet.model import ResNetTCN
from rppg_bench.preprocessing.decode import recording_from_video
from rppg_bench.preprocessing.kinds import compute_products
from rppg_bench.preprocessing.params import FaceParams
from rppg_bench.preprocessing.roi import crop_square


def write_face_video(path: Path, n_frames: int, fps: float = 30.0, size: tuple[int, int] = (640, 480)) -> Path:
    """A face video (MJPG .avi) whose skin darkens by ~1 % with a 72 bpm pulse."""
    from skimage import data

    img = cv2.resize(data.astronaut(), size, interpolation=cv2.INTER_AREA).astype(np.float32)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for i in range(n_frames):
        p = np.sin(2 * np.pi * 1.2 * i / fps)
        frame = img * (1 - 0.01 * p * np.array([0.33, 0.77, 0.53], np.float32))
        writer.write(cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def fixed_square_crops(video: Path, size: int) -> np.ndarray:
    """Crops (N, size, size, 3) uint8 of one fixed centred square (half the frame height) of every frame:
    decoding and resizing without a face detector."""
    rec = recording_from_video(video)
    crops = []
    for frame in rec.frames():
        h, w = frame.shape[:2]
        half = h // 4
        box = np.array([w // 2 - half, h // 2 - half, w // 2 + half, h // 2 + half])
        crops.append(crop_square(frame, box, size))
    return np.stack(crops)


def face_crops(video: Path, size: int, cropper: str) -> np.ndarray:
    """Crops (N, size, size, 3) uint8 of ``video`` by ``cropper`` (a face ROI kind, or ``fixed``)."""
    if cropper == "fixed":
        return fixed_square_crops(video, size)
    return compute_products(recording_from_video(video), FaceParams(crop_size=size, roi=cropper)).crops


def timed(fn, sync: bool = False, repeats: int = 1) -> tuple[object, float]:
    """(result, seconds) of ``fn()``, the fastest of ``repeats`` runs; ``sync`` waits for CUDA work."""
    best, out = float("inf"), None
    for _ in range(max(1, repeats)):
        if sync:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        out = fn()
        if sync:
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return out, best


def gpu_variants(model: ResNetTCN, crops: np.ndarray, frames: int, repeats: int,
                 device: str = "cuda") -> list[tuple[str, float, np.ndarray, int]]:
    """``(label, seconds, pulse, peak GPU bytes)`` of the model on the GPU: float32 / float16 autocast,
    the trunk on ``TRUNK_FRAMES``, 64 or all frames of a chunk at a time (the GPU default), and float16
    with channels-last weights."""
    gpu = torch.device(device)
    sync = gpu.type == "cuda"
    torch.backends.cudnn.benchmark = True
    model = model.to(gpu)
    rows = []

    def measure(label: str, amp: bool, trunk: int | None) -> None:
        run = lambda: predict_crops(model, crops, frames, gpu, amp=amp, trunk_frames=trunk)
        run()  # warm-up: cuDNN autotuning, allocator
        if sync:
            torch.cuda.reset_peak_memory_stats()
        pulse, seconds = timed(run, sync=sync, repeats=repeats)
        rows.append((label, seconds, pulse, torch.cuda.max_memory_allocated() if sync else 0))

    for amp, precision in ((False, "float32"), (True, "float16")):
        for trunk in (TRUNK_FRAMES, 64, None):
            measure(f"{precision}, trunk {trunk or 'whole chunk'} frames/pass", amp, trunk)
    model = model.to(memory_format=torch.channels_last)
    measure("float16, whole chunk, channels-last", True, None)
    return rows


def gpu_training_speed(size: int, frames: int, batch: int, steps: int) -> float:
    """Training clips/s on the GPU: AdamW steps of float16 autocast with a gradient scaler (as
    ``train(amp=True)``) on random ``batch`` x ``frames`` x ``size`` px clips, after 3 warm-up steps."""
    gpu = torch.device("cuda")
    torch.manual_seed(0)
    model = ResNetTCN().to(gpu).train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    scaler = torch.amp.GradScaler("cuda")
    x = torch.randint(0, 256, (batch, frames, 3, size, size), dtype=torch.uint8, device=gpu)
    y = torch.sin(torch.arange(frames, device=gpu) / 30.0 * 2 * torch.pi * 1.2).repeat(batch, 1)

    def step() -> None:
        with torch.autocast("cuda", dtype=torch.float16):
            pred = model(x)
        loss, _ = rppg_loss(pred.float(), y, 30.0)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    for _ in range(3):
        step()
    _, seconds = timed(lambda: [step() for _ in range(steps)], sync=True)
    return steps * batch / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=128, help="face-crop side (px)")
    ap.add_argument("--frames", type=int, default=300, help="chunk length (frames)")
    ap.add_argument("--seconds", type=float, default=10.0, help="video length (s at 30 fps)")
    ap.add_argument("--model", default=None, help="checkpoint (default: random weights)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--cropper", default="mediapipe", choices=("mediapipe", "haar_box", "fixed"),
                    help="face cropper (haar_box needs no MediaPipe; fixed: a fixed square, no detector)")
    ap.add_argument("--repeats", type=int, default=2, help="timed runs per figure (fastest kept)")
    ap.add_argument("--train-steps", type=int, default=0,
                    help="GPU only: also time this many training steps (batch 6, --frames, --size, float16)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    n = int(a.seconds * 30)
    if a.model:
        model = load_checkpoint(a.model, "cpu").model
    else:
        torch.manual_seed(0)
        model = ResNetTCN().eval()
    with tempfile.TemporaryDirectory() as tmp:
        video = write_face_video(Path(tmp) / "face.avi", n)
        crops, t_crop = timed(lambda: face_crops(video, a.size, a.cropper))
    print(f"video: {n} frames 640x480, crops {a.size}x{a.size} ({a.cropper}), chunks of {a.frames} frames, "
          f"torch {torch.__version__}, OpenCV {cv2.__version__}, {torch.get_num_threads()} CPU threads")
    print(f"CPU  face cropping (decode + {a.cropper} + crop): {n / t_crop:8.1f} frames/s")
    predict_crops(model, crops[: min(n, 32)], min(a.frames, 32))  # warm-up
    reference, t_cpu = timed(lambda: predict_crops(model, crops, a.frames), repeats=a.repeats)
    print(f"CPU  model float32, trunk {TRUNK_FRAMES} frames/pass: {n / t_cpu:8.1f} frames/s")
    print(f"CPU  cropping + model:                        {n / (t_crop + t_cpu):8.1f} frames/s")
    if not torch.cuda.is_available():
        print("GPU  none available")
        return
    print(f"GPU  {torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
    for label, seconds, pulse, peak in gpu_variants(model, crops, a.frames, a.repeats):
        r = float(np.corrcoef(pulse, reference)[0, 1])
        print(f"GPU  model {label:38s} {n / seconds:9.1f} frames/s   with CPU cropping {n / (t_crop + seconds):7.1f}"
              f"   peak {peak / 2**30:5.2f} GiB   r vs CPU float32 {r:.5f}   max |diff| {np.abs(pulse - reference).max():.2e}")
    if a.train_steps:
        torch.cuda.reset_peak_memory_stats()
        clips = gpu_training_speed(a.size, a.frames, 6, a.train_steps)
        print(f"GPU  training, float16 autocast, batch 6 x {a.frames} frames at {a.size} px: {clips:.2f} clips/s "
              f"({clips * a.frames:.0f} frames/s), peak GPU memory "
              f"{torch.cuda.max_memory_allocated() / 2**30:.1f} GiB")


if __name__ == "__main__":
    main()
