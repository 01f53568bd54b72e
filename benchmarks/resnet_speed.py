"""Inference speed of the ResNet-18 + TCN model (frames per second).

    python benchmarks/resnet_speed.py [--size 128] [--frames 300] [--seconds 10] [--model CKPT]

Writes a temporary 640x480 face video (``skimage.data.astronaut()`` with a
pulsatile skin colour change), then times, on the CPU: face cropping
(decoding + MediaPipe FaceMesh + crop, shared with the classical methods'
RGB trace), the model on the crops, and both together; on a GPU, when one is
available, the model in float32 and with float16 autocast. Without
``--model`` a randomly initialised model is timed (same cost as a trained one).
Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from rppg_bench.methods.face import FaceParams, compute_products, recording_from_video
from rppg_bench.methods.resnet.infer import load_checkpoint, predict_crops
from rppg_bench.methods.resnet.model import ResNetTCN


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


def timed(fn, sync: bool = False) -> tuple[object, float]:
    """(result, seconds) of ``fn()``; ``sync`` waits for CUDA work."""
    if sync:
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = fn()
    if sync:
        torch.cuda.synchronize()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=128, help="face-crop side (px)")
    ap.add_argument("--frames", type=int, default=300, help="chunk length (frames)")
    ap.add_argument("--seconds", type=float, default=10.0, help="video length (s at 30 fps)")
    ap.add_argument("--model", default=None, help="checkpoint (default: random weights)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
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
        prod, t_crop = timed(lambda: compute_products(recording_from_video(video), FaceParams(crop_size=a.size)))
    crops = prod.crops
    print(f"video: {n} frames 640x480, crops {a.size}x{a.size}, chunks of {a.frames} frames, "
          f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    print(f"CPU  face cropping (decode + FaceMesh + crop): {n / t_crop:8.1f} frames/s")
    predict_crops(model, crops[: min(n, 32)], min(a.frames, 32))  # warm-up
    _, t_cpu = timed(lambda: predict_crops(model, crops, a.frames))
    print(f"CPU  model float32:                           {n / t_cpu:8.1f} frames/s")
    print(f"CPU  cropping + model:                        {n / (t_crop + t_cpu):8.1f} frames/s")
    if torch.cuda.is_available():
        gpu = torch.device("cuda")
        model = model.to(gpu)
        name = torch.cuda.get_device_name(gpu)
        for amp, label in ((False, "float32"), (True, "float16")):
            predict_crops(model, crops, a.frames, gpu, amp=amp)  # warm-up (cuDNN autotuning, allocator)
            _, t_gpu = timed(lambda amp=amp: predict_crops(model, crops, a.frames, gpu, amp=amp), sync=True)
            print(f"GPU  model {label} ({name}): {n / t_gpu:8.1f} frames/s"
                  f"   with CPU cropping: {n / (t_crop + t_gpu):8.1f} frames/s")
    else:
        print("GPU  none available")


if __name__ == "__main__":
    main()
