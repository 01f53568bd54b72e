"""The live view (``rppg-bench live``): the window logic on known pulses, a session printed headless and
recorded into a ``folder`` dataset, and the view itself under Xvfb from a simulated camera (a synthetic
clip played at its frame rate), with a screenshot kept as a test artefact."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from rppg_bench import cli
from rppg_bench.datasets.errors import RecordingError
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.datasets.ubfc import load_ubfc
from rppg_bench.live.display import display_problem
from rppg_bench.live.draw import compose, trace_points
from rppg_bench.live.recorder import SessionRecorder, attach_reference
from rppg_bench.live.session import dropped_frames, hr_line
from rppg_bench.live.tracks import FaceFrame, TrackState, make_track
from rppg_bench.live.window import TimedRing, last_seconds, uniform, window_hr
from rppg_bench.methods.registry import create_method
from rppg_bench.metrics.heart_rate import hr_estimate

CLIP_S, FPS = 13.0, 30.0
HR_LINE = re.compile(r"^t=(\d+\.\d) s  (.*)$")


# ------------------------------------------------------------------ the window logic (pure)
def skin_trace(times: np.ndarray, bpm: float) -> np.ndarray:
    """Mean skin RGB (N, 3) with a pulse of ``bpm`` (stronger in green) and a slow light drift."""
    pulse = np.sin(2 * np.pi * bpm / 60 * times)
    drift = 1 + 0.02 * np.sin(2 * np.pi * 0.05 * times)
    return np.stack([150 + 0.3 * pulse, 110 + 1.0 * pulse, 90 + 0.2 * pulse], axis=1) * drift[:, None]


def feed(track, times: np.ndarray, rgb: np.ndarray) -> None:
    frame = np.zeros((4, 4, 3), np.uint8)
    for t, c in zip(times, rgb, strict=True):
        track.push(FaceFrame(float(t), 0.0, frame, None, c))


def test_ring_keeps_the_newest_samples_and_the_window_its_last_seconds():
    ring = TimedRing(5)
    for i in range(8):
        ring.push(i * 0.5, [i, -i])
    times, values = ring.arrays()
    assert times.tolist() == [1.5, 2.0, 2.5, 3.0, 3.5] and values[:, 0].tolist() == [3, 4, 5, 6, 7]
    t, v = last_seconds(times, values, 1.0)
    assert t.tolist() == [2.5, 3.0, 3.5] and v.shape == (3, 2)
    stalled = np.array([0.0, 0.1, 0.2, 1.5, 1.6])  # nothing is bridged over a pause
    assert last_seconds(stalled, stalled, 10.0)[0].tolist() == [1.5, 1.6]
    with pytest.raises(ValueError, match="at least 2"):
        TimedRing(1)


def test_uneven_frames_are_resampled_on_a_uniform_grid():
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.uniform(0.02, 0.05, 300))
    grid, values = uniform(times, np.stack([times, 2 * times], axis=1), 30.0)
    assert np.allclose(np.diff(grid), 1 / 30) and grid[0] == times[0] and grid[-1] <= times[-1]
    assert np.allclose(values[:, 0], grid) and np.allclose(values[:, 1], 2 * grid)


@pytest.mark.parametrize("method", ["pos", "chrom"])
def test_classical_track_recovers_the_pulse_rate_despite_jitter_and_dropped_frames(method):
    """75 bpm at 30 fps with +-5 ms jitter and a tenth of the frames dropped: the HR of the last 10 s
    within 1 bpm; no HR while the window is shorter than its minimum."""
    rng = np.random.default_rng(1)
    times = np.arange(0, 15, 1 / FPS) + rng.uniform(-0.005, 0.005, int(15 * FPS))
    times = times[rng.random(times.size) > 0.1]
    track = make_track(method, create_method(method), 10.0, FPS)
    feed(track, times[times < 3], skin_trace(times[times < 3], 75))
    assert np.isnan(track.state().hr)
    feed(track, times[times >= 3], skin_trace(times[times >= 3], 75))
    state = track.state()
    assert abs(state.hr - 75) < 1
    assert state.times[-1] - state.times[0] == pytest.approx(10, abs=0.1) and state.pulse.min() >= 0


def test_a_method_without_a_live_path_is_refused_by_name():
    with pytest.raises(ValueError, match="'oddity' cannot run live"):
        make_track("oddity", object(), 10.0, FPS)


def test_printed_lines_drawing_and_dropped_frames():
    states = [TrackState("pos", np.array([0.0, 5.0]), np.array([0.0, 1.0]), 72.04),
              TrackState("chrom", np.empty(0), np.empty(0), float("nan"))]
    assert hr_line(10.5, states) == "t=10.5 s  pos 72.0 bpm  chrom -- bpm"
    # the newest sample at the right edge of the box, the oldest ``seconds`` to its left; 1 at the top
    assert trace_points(states[0].times, states[0].pulse, 10.0, (0, 0, 100, 50)).tolist() == [[50, 50], [100, 0]]
    canvas = compose(np.zeros((240, 320, 3), np.uint8), None, states, 10.0)
    assert canvas.shape == (240, 640, 3) and canvas[:, 320:].any()
    assert dropped_frames(0.0, 9.0, 250, 30.0) == 21 and dropped_frames(0.0, 9.0, 250, float("nan")) == 0
    assert window_hr(np.zeros(30), 30.0) != window_hr(np.zeros(30), 30.0)  # too short: NaN


def test_no_display_is_named():
    assert display_problem({}) == "no display: $DISPLAY is not set"
    assert display_problem({"DISPLAY": ":1"}) is None and display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


# ------------------------------------------------------------------ sessions on a synthetic clip
@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 13 s synthetic clip (UBFC layout, 30 fps) and its true HR over the last 10 s (bpm)."""
    root = tmp_path_factory.mktemp("liveclip")
    generate_synthetic(root, seed=3, n_easy=1, n_hard=0, duration=CLIP_S, fps=FPS, n_pure=0)
    (rec,) = load_ubfc(root / "ubfc")
    t, ppg = np.asarray(rec.ppg_times), np.asarray(rec.ppg)
    last = t >= t[-1] - 10
    truth = hr_estimate(ppg[last], 1 / np.median(np.diff(t)))
    return root / "ubfc" / "subject1" / "vid.avi", rec, truth


def hr_lines(text: str) -> list[tuple[float, dict[str, float]]]:
    """``(t, {method: bpm})`` of the printed updates (NaN for ``--``)."""
    out = []
    for line in text.splitlines():
        m = HR_LINE.match(line)
        if m:
            pairs = re.findall(r"(\w+) (\S+) bpm", m.group(2))
            out.append((float(m.group(1)), {k: float("nan") if v == "--" else float(v) for k, v in pairs}))
    return out


def test_headless_session_prints_heart_rates_and_records_a_folder_dataset(clip, tmp_path, capsys):
    video, rec, truth = clip
    record = tmp_path / "sessions" / "me_1.avi"
    rc = cli.main(["live", "--video", str(video), "--headless", "--fast", "--methods", "pos", "chrom",
                   "--record", str(record)])
    out = capsys.readouterr().out
    assert rc == 0, out
    lines = hr_lines(out)
    assert len(lines) >= 2 * (CLIP_S - 1) and [t for t, _ in lines] == sorted(t for t, _ in lines)
    assert all(set(hrs) == {"pos", "chrom"} for _, hrs in lines)
    assert all(np.isnan(hrs["pos"]) for t, hrs in lines if t < 3.9)  # no HR before 4 s of signal
    t_last, last = lines[-1]
    assert t_last >= 10 and all(abs(hr - truth) < 5 for hr in last.values()), (last, truth)
    assert re.search(r"latency frame -> updated HR: mean [\d.]+ / median [\d.]+ / p95 [\d.]+ ms", out)
    assert re.search(r"kept up with [\d.]+ frames/s of the source's 30.0", out)

    # the recording: every frame, and after the reference is attached, a folder dataset POS scores
    from rppg_bench.datasets.folder import load_folder

    txt = record.with_suffix(".txt")
    stamps = np.array(txt.read_text().splitlines()[2].split(), float)
    assert stamps.size == int(CLIP_S * FPS) and np.allclose(stamps, np.arange(stamps.size) / FPS, atol=1e-6)
    with pytest.raises(RecordingError, match="does not overlap"):
        attach_reference(txt, np.array([100.0, 101.0]), np.array([0.0, 1.0]))
    attach_reference(txt, rec.ppg_times, rec.ppg)
    (loaded,) = load_folder(record.parent)
    assert loaded.name == "me_1" and loaded.subject == "me" and len(loaded.frame_times) == stamps.size
    times, pulse = create_method("pos").extract(loaded)
    fs = 1 / np.median(np.diff(times))
    assert abs(hr_estimate(pulse[times >= times[-1] - 10], fs) - truth) < 3


def test_recording_with_dropped_frames_keeps_video_and_reference_aligned_frame_for_frame(tmp_path):
    """Frames 30-44 of a 30 fps session never reach the recorder: the video plays frame ``i`` at
    ``i / fps``, so each frame's reference value must be the pulse at that frame's capture time."""
    from rppg_bench.datasets.folder import load_folder

    capture = np.delete(np.arange(120) / FPS, np.arange(30, 45))  # 105 frames, 0.5 s missing
    recorder = SessionRecorder(tmp_path / "me_1.avi", FPS)
    for t in capture:
        recorder.write(np.full((48, 64, 3), 128, np.uint8), 100.0 + t)  # a source clock starting at 100 s
    txt = recorder.close()
    ref_t = np.arange(0, 4.2, 0.001)
    attach_reference(txt, ref_t, np.sin(2 * np.pi * 1.2 * ref_t))
    attach_reference(txt, ref_t, np.sin(2 * np.pi * 1.2 * ref_t))  # attaching again reads the same frames
    (rec,) = load_folder(tmp_path)
    assert len(rec.frame_times) == capture.size
    video_clock = np.arange(capture.size) / FPS
    assert np.allclose(rec.ppg_times, video_clock, atol=1e-6)
    assert np.allclose(rec.ppg, np.sin(2 * np.pi * 1.2 * capture), atol=1e-4)  # not sin(2 pi 1.2 i / fps)


def free_xvfb() -> tuple[subprocess.Popen, str]:
    """A fresh Xvfb server (1024x768x24) on a display it picks; the process and its ``:N``."""
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    number = xvfb.stdout.readline().strip()
    if not number.isdigit():
        xvfb.kill()
        pytest.skip("Xvfb did not start (no display number came back)")
    return xvfb, f":{number}"


def grab_drawn_screen(grab: str, screen: Path, env: dict[str, str], view: subprocess.Popen) -> None:
    """Screenshot the X screen with ImageMagick's ``grab`` every second while ``view`` runs, keeping
    in ``screen`` the last grab that shows something drawn (the view near the end of the clip, heart
    rates shown); no fixed wait, since MediaPipe's start takes one to several seconds on a loaded machine."""
    attempt = screen.with_name(f"attempt-{screen.name}")
    deadline = time.monotonic() + 90  # the view's own limit below; a hung view fails there
    while view.poll() is None and time.monotonic() < deadline:
        time.sleep(1.0)
        subprocess.run([grab, "-window", "root", str(attempt)], env=env, check=False, timeout=30)
        picture = cv2.imread(str(attempt)) if attempt.is_file() else None
        if picture is not None and picture.std() > 5:
            os.replace(attempt, screen)


@pytest.mark.skipif(shutil.which("Xvfb") is None,
                    reason="Xvfb is not installed (Debian: apt-get install xvfb; .ci/run installs it)")
def test_live_view_under_xvfb_shows_the_heart_rate_and_saves_a_screenshot(clip, tmp_path):
    """The window from a simulated camera (the clip played at 30 fps): the HR shown after 10 s within
    5 bpm of the truth, latency and frame rate printed; screenshots of the view (``live_view.png``) and,
    with ImageMagick, of the X screen (``xvfb_screen.png``) under the test's tmp path."""
    video, _, truth = clip
    xvfb, display = free_xvfb()
    shot, screen = tmp_path / "live_view.png", tmp_path / "xvfb_screen.png"
    env = {**os.environ, "DISPLAY": display}
    try:
        view = subprocess.Popen([sys.executable, "-m", "rppg_bench.cli", "live", "--video", str(video),
                                 "--methods", "pos", "chrom", "--screenshot", str(shot)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        grab = shutil.which("import")
        if grab:  # the X screen while the view is up, once its window is drawn
            grab_drawn_screen(grab, screen, env, view)
        out, _ = view.communicate(timeout=90)
    finally:
        xvfb.kill()
        xvfb.wait()
    assert view.returncode == 0, out
    last = re.search(r"last HR \(t = ([\d.]+) s\): pos ([\d.]+) bpm, chrom ([\d.]+) bpm", out)
    assert last and float(last.group(1)) >= 10, out
    assert abs(float(last.group(2)) - truth) < 5 and abs(float(last.group(3)) - truth) < 5, (out, truth)
    assert re.search(r"latency frame -> updated HR: mean [\d.]+ / median [\d.]+ / p95 [\d.]+ ms over \d+ updates", out)
    fps = re.search(r"kept up with ([\d.]+) frames/s of the source's 30.0", out)
    assert fps and float(fps.group(1)) > 20, out
    picture = cv2.imread(str(shot))
    assert picture is not None and picture.shape[1] > 320 and picture[:, 320:].std() > 5  # frame + traces
    if grab:
        assert screen.is_file() and cv2.imread(str(screen)).std() > 5  # the window drawn on the screen
    print(f"screenshots: {shot} {screen if grab else ''}\n{out}")


def test_without_a_display_it_says_so_and_exits(clip, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert cli.main(["live", "--video", str(clip[0])]) == 2
    assert "no display: $DISPLAY is not set; use --headless" in capsys.readouterr().err
