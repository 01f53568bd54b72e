"""MAHNOB-HCI fixture: ``Sessions/<id>/`` folders laid out like the distributed database.

Each session folder holds

- ``session.xml``: ``<session sessionId=.. experimentType=.. isStim=.. feltEmo=.. feltArsl=..
  feltVlnc=.. feltCtrl=.. feltPred=.. cutNr=.. cutLenSec=.. vidRate=.. mediaFile=..>`` with
  ``<subject id=".."/>`` and ``<track type="Physiological"|"Video" filename=".."/>`` children;
- ``Part_<subject>_S_Trial<k>_emotion.bdf``: a real BDF (pyedflib) at 256 Hz with 47
  channels, the 32 BioSemi EEG names, ``EXG1``-``EXG8``, ``GSR1``, ``GSR2``, ``Erg1``, ``Erg2``,
  ``Resp``, ``Temp``, ``Status`` (so ``EXG2`` is channel 33 and ``Status`` channel 46, the
  indices pyVHR-derived loaders read). ``EXG1``-``EXG3`` hold a synthetic ECG whose R-peaks
  fall on the beats (maxima) of the clip's known pulse, with the lead geometry of the real
  electrodes (R-wave negative on EXG1, positive on EXG2/EXG3); ``Status`` has trigger bit 0
  set from the sample of the first video frame (``lead_s`` into the file) to the last frame;
- ``P<subject>-Rec1-2009.07.09.17.53.46_C1 trigger _C_Section_<2k>.avi``: the clip's frames
  (MJPG) at the clip's frame rate (61 fps like the real colour camera).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from fixtures_pulse import Clip, pulse_at
from scipy.signal import find_peaks

from rppg_bench.datasets import writers

BDF_RATE_HZ = 256
EEG_NAMES = ("Fp1", "AF3", "F3", "F7", "FC5", "FC1", "C3", "T7", "CP5", "CP1", "P3", "P7", "PO3", "O1",
             "Oz", "Pz", "Fp2", "AF4", "Fz", "F4", "F8", "FC6", "FC2", "Cz", "C4", "T8", "CP6", "CP2",
             "P4", "P8", "PO4", "O2")
CHANNELS = EEG_NAMES + tuple(f"EXG{i}" for i in range(1, 9)) + ("GSR1", "GSR2", "Erg1", "Erg2", "Resp",
                                                                  "Temp", "Status")
#: R-wave gain of each ECG electrode (uV per unit of the synthetic QRS), by the electrode's place
EXG_GAINS = {"EXG1": -400.0, "EXG2": 300.0, "EXG3": 900.0}
_DIGITAL = (-8388608, 8388607)  # 24-bit BDF samples


def pulse_beats(clip: Clip) -> np.ndarray:
    """Times (s, video clock) of the known pulse's beats: the maxima of the pulse at 256 Hz."""
    t, pulse = pulse_at(clip, BDF_RATE_HZ)
    peaks, _ = find_peaks(pulse, distance=int(0.33 * BDF_RATE_HZ), prominence=0.3 * np.ptp(pulse))
    return t[peaks]


def synthetic_ecg(t: np.ndarray, r_times: np.ndarray) -> np.ndarray:
    """A unit ECG at times ``t`` (s): Q, R, S and T waves (Gaussians) around each R-peak time."""
    ecg = np.zeros_like(t)
    for r in r_times:
        ecg += (-0.12 * np.exp(-0.5 * ((t - r + 0.03) / 0.008) ** 2)
                + np.exp(-0.5 * ((t - r) / 0.010) ** 2)
                - 0.2 * np.exp(-0.5 * ((t - r - 0.03) / 0.010) ** 2)
                + 0.25 * np.exp(-0.5 * ((t - r - 0.25) / 0.040) ** 2))
    return ecg


def write_bdf(path: Path, channels: dict[str, np.ndarray], rate_hz: int = BDF_RATE_HZ) -> Path:
    """A BDF with ``channels`` ({label: samples}) in :data:`CHANNELS` order at ``rate_hz``;
    missing channels are zero. Status is stored 1:1 (physical == digital), the others in uV."""
    import pyedflib

    n = max(v.size for v in channels.values())
    headers, data = [], []
    for label in CHANNELS:
        status = label == "Status"
        lo, hi = _DIGITAL if status else (-262144, 262143)
        headers.append({"label": label, "dimension": "Boolean" if status else "uV", "sample_frequency": rate_hz,
                        "physical_min": lo, "physical_max": hi, "digital_min": _DIGITAL[0],
                        "digital_max": _DIGITAL[1], "transducer": "", "prefilter": ""})
        data.append(np.asarray(channels.get(label, np.zeros(n)), dtype=float))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = pyedflib.EdfWriter(str(path), len(CHANNELS), file_type=pyedflib.FILETYPE_BDF)
    try:
        writer.setSignalHeaders(headers)
        writer.writeSamples(data)
    finally:
        writer.close()
    return path


def session_xml(*, session_id: str, subject: str | None, bdf: str, video: str, attrs: dict[str, str]) -> str:
    """Text of a ``session.xml``; ``subject=None`` leaves out the <subject> element."""
    attr_text = " ".join(f"{k}={quoteattr(str(v))}" for k, v in {"sessionId": session_id, **attrs}.items())
    subject_line = "" if subject is None else f'  <subject id="{subject}" />\n'
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<session {attr_text}>\n{subject_line}'
            f'  <track type="Physiological" id="1" filename={quoteattr(bdf)} />\n'
            f'  <track type="Video" id="2" filename={quoteattr(video)} />\n</session>\n')


def write_mahnob_session(root: Path, clip: Clip, *, session_id: str = "2", subject: str = "1", trial: int = 1,
                         lead_s: float = 3.0, tail_s: float = 1.0, status: bool = True,
                         ecg_scale: float = 1.0) -> Path:
    """``root/Sessions/<session_id>/`` with session.xml, the BDF and the C1 video of ``clip``.

    The BDF starts ``lead_s`` s before the first frame (the trigger onset) and
    ends ``tail_s`` s after the last; ``status=False`` writes no trigger;
    ``ecg_scale=0`` writes a flat ECG. Returns the session folder.
    """
    folder = Path(root) / "Sessions" / session_id
    bdf_name = f"Part_{subject}_S_Trial{trial}_emotion.bdf"
    video_name = f"P{subject}-Rec1-2009.07.09.17.53.46_C1 trigger _C_Section_{2 * trial}.avi"
    writers.write_video(folder / video_name, iter(clip.frames), clip.fps,
                        size=(clip.frames.shape[2], clip.frames.shape[1]))
    onset = int(round(lead_s * BDF_RATE_HZ))
    n = onset + int(np.ceil((clip.frame_times[-1] + tail_s) * BDF_RATE_HZ))
    t_video = (np.arange(n) - onset) / BDF_RATE_HZ
    ecg = ecg_scale * synthetic_ecg(t_video, pulse_beats(clip))
    rng = np.random.default_rng(int(session_id))
    channels = {name: gain * ecg + 5.0 * rng.standard_normal(n) + 20.0 * np.sin(2 * np.pi * 0.3 * t_video)
                for name, gain in EXG_GAINS.items()}
    trigger = np.zeros(n)
    if status:
        trigger[onset:onset + int(round(clip.frame_times[-1] * BDF_RATE_HZ)) + 1] = 1.0
    channels["Status"] = trigger
    write_bdf(folder / bdf_name, channels)
    attrs = {"experimentType": "emotion", "isStim": "1", "feltEmo": "4", "feltArsl": "5", "feltVlnc": "7",
             "feltCtrl": "6", "feltPred": "5", "cutNr": str(2 * trial),
             "cutLenSec": f"{clip.frame_times[-1]:.4f}", "vidRate": f"{clip.fps:g}", "mediaFile": "69.avi"}
    (folder / "session.xml").write_text(session_xml(session_id=session_id, subject=subject, bdf=bdf_name,
                                                    video=video_name, attrs=attrs), encoding="utf-8")
    return folder


def pattern_clip(*, fps: float = 61.0, duration: float = 4.0, hr_bpm: float = 72.0,
                 size: tuple[int, int] = (64, 48)) -> Clip:
    """A cheap :class:`Clip`: test-pattern frames and a cosine pulse at ``hr_bpm``, for layout-only tests."""
    from fixtures_formats import pattern_frame

    frame_times = np.arange(int(duration * fps)) / fps
    ppg_times = np.arange(0.0, duration, 1.0 / BDF_RATE_HZ)
    return Clip(frames=np.stack([pattern_frame(i, size=size) for i in range(frame_times.size)]),
                frame_times=frame_times, ppg=np.cos(2 * np.pi * hr_bpm / 60.0 * ppg_times - 1.0),
                ppg_times=ppg_times, hr_bpm=hr_bpm, fps=fps)


#: the registered dataset whose layout this module writes (found by tests/test_dataset_contract.py)
CONTRACT_DATASET = "mahnob-hci"

def contract_root(root: Path) -> None:
    """One MAHNOB-HCI session: session.xml, a 256 Hz BDF with an ECG and a trigger, a 61 fps video."""
    write_mahnob_session(root, pattern_clip())
