"""ResNet-18 + TCN deployment: ONNX export (fp32/fp16), onnxruntime inference, parity, streaming.

CPU only and small: an untrained 64 px / 16-frame model (as in test_resnet.py)
and a 60-frame synthetic face video from test_resnet's ``face_video``. The two
ONNX files are exported once per module (a few seconds each). torch runs on
one thread, onnxruntime too.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxscript")

from test_resnet import FPS, SIZE, face_video

from rppg_bench.datasets.errors import RecordingError
from rppg_bench.methods.resnet import ResNetTCN, load_checkpoint
from rppg_bench.methods.resnet.checkpoint import make_config, save_checkpoint
from rppg_bench.methods.resnet.export import (
    TOLERANCE,
    export_onnx,
    extract_with_onnx,
    load_model,
    load_onnx,
    parity,
    video_parity,
    zscore_last,
)
from rppg_bench.methods.resnet.infer import extract_with_model, predict_crops
from rppg_bench.methods.resnet.stream import (
    FaceCropper,
    RingBuffer,
    StreamScorer,
    stream,
)
from rppg_bench.preprocessing.decode import as_recording
from rppg_bench.preprocessing.params import FaceParams

FRAMES = 16
N_FRAMES = 60


pytestmark = [pytest.mark.usefixtures("torch_one_thread"), pytest.mark.slow]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """An untrained model saved as a checkpoint (64 px, 16-frame clips)."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("deploy_ckpt") / "ckpt_ep0.pth"
    config = make_config(size=SIZE, frames=FRAMES, dropout=0.1, batch_norm=True, hr_weight=0.1,
                         band=(0.7, 3.0), temperature=0.05)
    return save_checkpoint(path, ResNetTCN(), config, {"epoch": 0})


@pytest.fixture(scope="module")
def reference(checkpoint):
    return load_checkpoint(checkpoint, "cpu")


@pytest.fixture(scope="module")
def onnx_files(reference, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("deploy_onnx")
    return {p: export_onnx(reference, out / f"model.{p}.onnx", p) for p in ("fp32", "fp16")}


@pytest.fixture(scope="module")
def sessions(onnx_files):
    return {p: load_onnx(path, threads=1) for p, path in onnx_files.items()}


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return face_video(tmp_path_factory.mktemp("deploy_video") / "subject0_1.avi", 72.0, n_frames=N_FRAMES)


@pytest.fixture(scope="module")
def recording(video):
    """One Recording for the offline paths, so its face crops are computed once."""
    return as_recording(video)


# ---------------------------------------------------------------- export and parity
def test_onnx_files_have_dynamic_batch_and_time_and_carry_the_config(onnx_files, sessions):
    for precision, path in onnx_files.items():
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
        session = sessions[precision].model.session
        (inp,), (out,) = session.get_inputs(), session.get_outputs()
        assert (inp.name, inp.type) == ("clip", "tensor(uint8)")
        assert isinstance(inp.shape[0], str) and isinstance(inp.shape[1], str) and inp.shape[2:] == [3, SIZE, SIZE]
        assert out.name == "pulse" and out.type == "tensor(float)" and len(out.shape) == 2
        loaded = sessions[precision]
        assert (loaded.size, loaded.frames, loaded.meta["precision"]) == (SIZE, FRAMES, precision)
        assert loaded.config["architecture"] == "resnet18-tcn"
    assert onnx_files["fp16"].stat().st_size < 0.6 * onnx_files["fp32"].stat().st_size


@pytest.mark.parametrize("batch,t", [(1, 16), (2, 2), (1, 45)])
def test_fp32_matches_torch_within_1e_4_for_any_clip_length(reference, sessions, batch, t):
    clip = np.random.default_rng(t).integers(0, 256, (batch, t, 3, SIZE, SIZE), dtype=np.uint8)
    report = parity(reference, sessions["fp32"], clip)
    assert TOLERANCE["fp32"] == 1e-4
    assert report.ok and report.max_abs <= 1e-4, report
    assert report.max_abs_raw < 1e-4
    out = sessions["fp32"].model.run(clip)
    assert out.shape == (batch, t) and out.dtype == np.float32


@pytest.mark.parametrize("t", [16, 45])
def test_fp16_matches_torch_within_its_bound(reference, sessions, t):
    report = parity(reference, sessions["fp16"], frames=t, seed=1)
    assert TOLERANCE["fp16"] == 5e-2
    assert report.precision == "fp16" and report.ok and report.max_abs <= 5e-2, report
    assert report.max_abs > 0  # really half precision, not the fp32 graph again
    assert "fp16" in str(report) and "ok" in str(report)


def test_onnx_extract_gives_the_same_times_and_signal_as_torch(reference, sessions, recording):
    times_ref, signal_ref = extract_with_model(recording, reference)
    for precision, loaded in sessions.items():
        times, signal = extract_with_onnx(recording, loaded)
        assert np.array_equal(times, times_ref) and signal.shape == (N_FRAMES,)
        assert np.abs(signal - signal_ref).max() <= TOLERANCE[precision]
        report = video_parity(recording, reference, loaded)
        assert report.ok and report.max_abs <= TOLERANCE[precision], report
    # chunking with overlap-add (a chunk shorter than the video) goes through onnxruntime too
    times, signal = extract_with_onnx(recording, sessions["fp32"], frames=24)
    assert np.abs(signal - extract_with_model(recording, reference, frames=24)[1]).max() <= TOLERANCE["fp32"]


def test_bad_paths_and_non_models_are_errors_naming_the_file(tmp_path, checkpoint, video):
    with pytest.raises(FileNotFoundError, match="missing.onnx"):
        load_onnx(tmp_path / "missing.onnx")
    text = tmp_path / "notes.onnx"
    text.write_text("not a model\n")
    with pytest.raises(ValueError, match=re.escape("notes.onnx")):
        load_onnx(text)
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "other",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    other = tmp_path / "other.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(other))
    with pytest.raises(ValueError, match=r"other\.onnx.*not a ResNet-18 \+ TCN ONNX export"):
        load_onnx(other)
    fake_ckpt = tmp_path / "fake.pth"
    fake_ckpt.write_text("not a checkpoint\n")
    with pytest.raises(ValueError, match=re.escape("fake.pth")):
        export_onnx(fake_ckpt, tmp_path / "x.onnx")
    with pytest.raises(ValueError, match=re.escape("fake.pth")):
        stream(video, fake_ckpt, realtime=False)
    with pytest.raises(FileNotFoundError, match="nothing.pth"):
        load_model(tmp_path / "nothing.pth")
    with pytest.raises(RecordingError, match="no_video.avi"):
        stream(tmp_path / "no_video.avi", checkpoint, realtime=False)
    with pytest.raises(RuntimeError, match="camera 97: OpenCV cannot open it"):
        stream(97, checkpoint)
    with pytest.raises(ValueError, match="streaming runs FaceMesh on every frame"):
        FaceCropper(FaceParams(crop_size=SIZE, landmark_every=2))


# ---------------------------------------------------------------- streaming
def test_ring_buffer_keeps_the_newest_frames_oldest_first():
    buf = RingBuffer(4, 2)
    for i in range(6):
        buf.push(np.full((2, 2, 3), i, np.uint8), i)
    crops, idx = buf.window()
    assert buf.full and list(idx) == [2, 3, 4, 5] and list(crops[:, 0, 0, 0]) == [2, 3, 4, 5]
    assert buf.crops.shape == (4, 2, 2, 3)  # fixed size whatever the stream length


def test_stream_scorer_emits_the_newest_values_of_each_window(reference):
    """Every emission is the model on the last ``window`` crops, z-scored, its newest ``hop`` values."""
    crops = np.random.default_rng(0).integers(0, 256, (30, SIZE, SIZE, 3), dtype=np.uint8)
    scorer = StreamScorer(reference, window=8, hop=3)
    got = {}
    for i, crop in enumerate(crops):
        out = scorer.push(crop, i / FPS)
        if out is not None:
            expect = predict_crops(reference.model, crops[max(0, i - 7):i + 1], 8)
            assert np.allclose(out[1], expect[-len(out[1]):], atol=1e-9)
            got.update(zip(np.round(out[0] * FPS).astype(int), out[1]))
    tail = scorer.flush()
    got.update(zip(np.round(tail[0] * FPS).astype(int), tail[1]))
    assert sorted(got) == list(range(30))  # every frame exactly once
    assert scorer.warmup == 7 and len(scorer.latency_ms) == 30 - 7
    with pytest.raises(ValueError, match="hop"):
        StreamScorer(reference, window=8, hop=9)


def test_stream_fast_gives_one_value_per_frame_with_latency_and_fps(checkpoint, reference, recording, video,
                                                                     capsys):
    result = stream(video, checkpoint, hop=4, realtime=False)
    line = capsys.readouterr().out.strip()
    assert line == result.summary() and line.startswith("stream subject0_1.avi: 60 frames, 60 values")
    times, signal = extract_with_model(recording, reference)
    assert result.frames == N_FRAMES and result.skipped == 0 and result.backend == "torch"
    assert np.array_equal(result.times, times) and result.signal.shape == (N_FRAMES,)
    assert result.warmup == FRAMES - 1 and result.latency.n == N_FRAMES - result.warmup
    assert result.runs == 1 + math.ceil((N_FRAMES - FRAMES) / 4)
    lat = result.latency
    for value in (lat.mean_ms, lat.median_ms, lat.p95_ms, lat.max_ms, result.fps, result.model_ms):
        assert np.isfinite(value) and value > 0
    assert lat.median_ms <= lat.p95_ms <= lat.max_ms
    post = result.postprocessed()
    assert post.min() >= 0 and post.max() <= 1
    assert np.corrcoef(post, signal)[0, 1] > 0.8  # the streamed pulse follows the offline one


def test_stream_on_onnx_matches_stream_on_torch(checkpoint, sessions, video):
    on_torch = stream(video, checkpoint, hop=8, realtime=False, print_summary=False)
    seen = []
    on_onnx = stream(video, sessions["fp32"], hop=8, realtime=False, print_summary=False,
                     on_values=lambda t, v: seen.append(len(v)))
    assert on_onnx.backend == "onnxruntime" and sum(seen) == N_FRAMES and seen[0] == FRAMES
    assert np.array_equal(on_onnx.times, on_torch.times)
    assert np.abs(zscore_last(on_onnx.signal) - zscore_last(on_torch.signal)).max() < 1e-3


def test_realtime_stream_is_paced_at_the_video_rate(sessions, video):
    result = stream(video, sessions["fp32"], hop=FRAMES, realtime=True, max_frames=24, print_summary=False)
    assert result.frames == 24 and len(result.signal) == 24
    assert result.fps <= FPS * 1.05  # never faster than the source
    assert result.latency.n == 24 - result.warmup and np.isfinite(result.latency.p95_ms)


class FakeCamera:
    """Stands in for ``cv2.VideoCapture(index)`` of a live camera: ``frames`` (RGB), each returned
    by ``read()`` no sooner than its time at ``fps`` after the first (as a camera delivers them),
    then ``(False, None)`` as when the camera is unplugged."""

    def __init__(self, frames: list[np.ndarray], fps: float):
        import time

        self._time = time
        self._frames = frames
        self._fps, self._next, self._t0 = fps, 0, None
        self.released = False

    def isOpened(self) -> bool:
        return True

    def read(self):
        if self._next >= len(self._frames):
            return False, None
        now = self._time.perf_counter()
        self._t0 = now if self._t0 is None else self._t0
        wait = self._t0 + self._next / self._fps - now
        if wait > 0:
            self._time.sleep(wait)
        rgb = self._frames[self._next]
        self._next += 1
        return True, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)

    def release(self) -> None:
        self.released = True


def test_camera_stream_times_frames_by_arrival_and_releases_the_camera(sessions, video, monkeypatch):
    """A camera index (int or digits) reads the camera until it stops: times are seconds since the
    first frame, the rate is the measured one, every frame gets a value, and the camera is released."""
    from rppg_bench.preprocessing import (
        streaming as stream_module,  # the camera source stream() reads
    )

    frames = list(as_recording(video).frames())  # decoded before cv2.VideoCapture is replaced
    opened: list[FakeCamera] = []

    def capture(index):
        assert index == 0
        opened.append(FakeCamera(frames, FPS))
        return opened[-1]

    monkeypatch.setattr(stream_module.cv2, "VideoCapture", capture)
    result = stream("0", sessions["fp32"], hop=8, print_summary=False)
    assert result.source == "camera 0" and opened[0].released
    assert result.frames == N_FRAMES and len(result.signal) == N_FRAMES and result.skipped == 0
    assert result.times[0] == 0.0 and np.all(np.diff(result.times) > 0)
    # arrival times: never sooner than the camera delivers (later when scoring falls behind)
    assert result.times[-1] >= 0.95 * (N_FRAMES - 1) / FPS
    assert 0 < result.source_fps <= FPS * 1.05  # the rate measured from the arrivals
    assert result.fps <= FPS * 1.05 and result.latency.n == N_FRAMES - result.warmup


# ---------------------------------------------------------------- command line
def test_command_line_export_and_stream(checkpoint, video, tmp_path, capsys):
    from rppg_bench.methods.resnet.__main__ import main

    assert main(["export", "--model", str(checkpoint), "--out-dir", str(tmp_path), "--precision", "fp32"]) == 0
    out = capsys.readouterr().out.splitlines()
    path = tmp_path / "ckpt_ep0.fp32.onnx"
    assert out[0].startswith(f"wrote {path} (") and path.is_file()
    assert re.fullmatch(r"  parity fp32 on clip \(1, 16, 3, 64, 64\): max \|onnx - torch\| = \S+ "
                        r"\(raw \S+\), tolerance 1e-04: ok", out[1])
    signal_file = tmp_path / "stream.txt"
    assert main(["stream", "--model", str(path), "--source", str(video), "--fast", "--hop", "8",
                 "--threads", "1", "--out", str(signal_file)]) == 0
    line = capsys.readouterr().out.strip()
    assert re.match(r"stream subject0_1\.avi: 60 frames, 60 values, window 16, hop 8, onnxruntime: "
                    r"[\d.]+ frames/s; latency mean [\d.]+ / median [\d.]+ / p95 [\d.]+ ms", line)
    assert np.loadtxt(signal_file).shape == (N_FRAMES, 2)
    with pytest.raises(SystemExit) as exc:
        main(["stream", "--model", str(tmp_path / "absent.onnx"), "--source", str(video)])
    assert exc.value.code == 2 and "absent.onnx" in capsys.readouterr().err
