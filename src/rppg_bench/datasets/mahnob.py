"""MAHNOB-HCI loader (Soleymani, Lichtenauer, Pun & Pantic, IEEE Trans. Affective Computing 2012).

Layout: ``Sessions/<id>/`` folders (found anywhere under the root), each with

- ``session.xml``: root element ``<session>`` whose attributes describe the
  trial (``sessionId``, ``experimentType``, ``isStim``, ``feltEmo``,
  ``feltArsl``, ``feltVlnc``, ``feltCtrl``, ``feltPred``, ``cutNr``,
  ``cutLenSec``, ``vidRate``, ``mediaFile``, ...), a child ``<subject id="N"/>``
  (the subject id) and ``<track type="..." filename="..."/>`` children naming
  the files (``type="Physiological"`` the BDF, ``type="Video"`` the videos);
- the BDF biosignals, e.g. ``Part_1_S_Trial1_emotion.bdf`` (BioSemi, 256 Hz):
  ECG electrodes ``EXG1`` (upper right chest), ``EXG2`` (upper left chest),
  ``EXG3`` (left abdomen), in uV, and the trigger channel ``Status``;
- the colour face video of camera 1, ``P<subject>-Rec<n>-<date>_C1 trigger
  _C_Section_<k>.avi`` (780x580; frame ``i`` at ``i / fps``, the container's
  rate, about 61 fps).

Synchronisation: video frame 0 is the first BDF sample whose ``Status``
trigger bits (the low 16 bits of the raw value) are non-zero, the way
bob.db.hci_tagging (Idiap's rPPG interface, ``utils.bdf_load_signal``) and
pyVHR-derived loaders (``start = first index where Status > 0``) align the two.
Every BDF time is expressed on the video clock: ``t = (k - onset) / fs`` for
sample ``k``, so ground truth before the onset is dropped and frame times stay
``i / fps`` from 0. The BDF must last at least until the last frame
(``COVERAGE_TOLERANCE_S`` of slack), else the recording is refused as truncated.

Reference: the ECG lead ``ecg_lead`` (default ``"EXG3-EXG1"``: left abdomen
minus right chest, about Einthoven lead II, upright R-waves; a single channel
such as ``"EXG2"``, pyVHR's choice, also works). Its R-peaks
(:func:`rppg_bench.datasets.ecg.detect_r_peaks`) give ``hr`` (60 / R-R, bpm,
at each beat's time) and the pulse wave ``ppg`` (:func:`beat_phase_pulse`, one
cosine cycle per R-R interval, 1 at each R-peak, sampled at the BDF rate),
both on the video clock. ``meta["r_peaks"]`` keeps the R-peak times (s).

Verified against: bob.db.hci_tagging (``create.py``: ``*C1 trigger*.avi`` +
``*.bdf`` per session folder; ``utils.py``: channel names and placement,
Status-based sync; ``metadata.csv``: real folder and file names), pyVHR
``pyVHR/datasets/mahnob.py`` (256 Hz, ECG channel index 33 = EXG2, BDF
``Part_<s>_S_Trial<k>_emotion.bdf``), public session.xml parsers (attributes
above, ``subject/@id``, ``track/@type``, ``track/@filename``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from .ecg import beat_phase_pulse, detect_r_peaks, rr_heart_rate
from .errors import DatasetError, RecordingError
from .optional import require_reader
from .parsing import check_coverage, check_root, load_each, walk_files
from .recording import Recording, VideoFile

#: the on-disk layout, in one line (``--list``)
LAYOUT = ("MAHNOB-HCI: Sessions/<id>/session.xml + the *C1 trigger*.avi video + the .bdf biosignals "
          "(ECG EXG1-3 at 256 Hz, R-peaks -> HR and reference pulse; Status trigger = frame 0)")
SESSION_XML = "session.xml"
STATUS_CHANNEL = "Status"
TRIGGER_MASK = 0xFFFF  # BioSemi Status: bits 0-15 are the trigger inputs
COVERAGE_TOLERANCE_S = 1.0
#: session.xml attributes exposed as labels (those present)
LABEL_ATTRIBUTES = ("experimentType", "isStim", "feltEmo", "feltArsl", "feltVlnc", "feltCtrl",
                    "feltPred", "mediaFile", "cutNr")
_PART = re.compile(r"Part_(\d+)_", flags=re.IGNORECASE)


def find_session_folders(root: Path) -> list[Path]:
    """Folders under ``root`` holding a ``session.xml`` or a ``.bdf`` file."""
    return sorted({p.parent for p in walk_files(root)
                   if (p.name == SESSION_XML or p.suffix.lower() == ".bdf") and p.is_file()})


def read_session_xml(path: Path) -> dict:
    """``session.xml`` -> dict: ``attrs`` (the <session> attributes), ``subject`` (or None),
    ``tracks`` (list of (type, filename))."""
    if not path.is_file():
        raise RecordingError(path, f"{SESSION_XML} is missing")
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise RecordingError(path, f"invalid XML: {exc}") from exc
    if root.tag != "session":
        raise RecordingError(path, f"root element is <{root.tag}>, expected <session>")
    subject = root.find("subject")
    tracks = [(t.get("type", ""), t.get("filename", "")) for t in root.iter("track") if t.get("filename")]
    return {"attrs": dict(root.attrib), "subject": None if subject is None else subject.get("id"),
            "tracks": tracks}


def session_file(folder: Path, session: dict, track_type: str, pattern: str) -> Path:
    """The file a ``track_type`` track names (existing, matching ``pattern``), else the folder's only
    file matching ``pattern``; ``RecordingError`` otherwise."""
    for kind, name in session["tracks"]:
        if kind == track_type and Path(name).match(pattern) and (folder / name).is_file():
            return folder / name
    found = sorted(p for p in folder.glob(pattern) if p.is_file())
    if len(found) == 1:
        return found[0]
    what = f"{len(found)} files match" if found else "no file matches"
    raise RecordingError(folder, f"{what} {pattern!r} ({track_type} track of {SESSION_XML})")


def session_subject(session: dict, bdf: Path, xml_path: Path) -> str:
    """The ``<subject id>`` of session.xml, else the ``Part_<n>_`` of the BDF name."""
    if session["subject"]:
        return session["subject"].strip()
    match = _PART.match(bdf.name)
    if match:
        return match.group(1)
    raise RecordingError(xml_path, "no <subject id=...> element and no Part_<n>_ in the BDF name")


def parse_lead(lead: str) -> tuple[str, str | None]:
    """``"EXG3-EXG1"`` -> ``("EXG3", "EXG1")``; ``"EXG2"`` -> ``("EXG2", None)``."""
    plus, _, minus = lead.partition("-")
    return plus.strip(), (minus.strip() or None)


def read_bdf(path: Path, lead: str) -> dict:
    """ECG lead (uV) and Status trigger bits of a BDF: dict of ecg, ecg_fs, status, status_fs (Hz)."""
    pyedflib = require_reader("pyedflib", "mahnob-hci", "BDF biosignal files")
    try:
        with pyedflib.EdfReader(str(path)) as bdf:
            labels = [label.strip() for label in bdf.getSignalLabels()]

            def channel(name: str, digital: bool = False) -> tuple[np.ndarray, float]:
                if name not in labels:
                    raise RecordingError(path, f"no {name!r} channel (channels: {', '.join(labels)})")
                i = labels.index(name)
                return np.asarray(bdf.readSignal(i, digital=digital)), float(bdf.getSampleFrequency(i))

            plus, minus = parse_lead(lead)
            ecg, ecg_fs = channel(plus)
            if minus is not None:
                ecg = ecg - channel(minus)[0]
            status, status_fs = channel(STATUS_CHANNEL, digital=True)
    except OSError as exc:
        raise RecordingError(path, f"cannot read BDF ({exc})") from exc
    return {"ecg": ecg.astype(float), "ecg_fs": ecg_fs,
            "status": np.asarray(status, dtype=np.int64) & TRIGGER_MASK, "status_fs": status_fs}


def trigger_onset(path: Path, status: np.ndarray, fs: float) -> tuple[float, float]:
    """First and last time (s, BDF clock) with trigger bits set; ``RecordingError`` when none."""
    on = np.flatnonzero(status)
    if on.size == 0:
        raise RecordingError(path, f"{STATUS_CHANNEL} channel has no trigger (all zero): "
                                   f"the video cannot be synchronised")
    return on[0] / fs, on[-1] / fs


def ecg_reference(path: Path, bdf: dict, onset_s: float) -> dict:
    """R-peaks, HR and pulse wave of the ECG from the trigger onset on, times on the video clock (s)."""
    fs = bdf["ecg_fs"]
    t = np.arange(bdf["ecg"].size) / fs - onset_s
    start = int(np.searchsorted(t, 0.0))
    peaks = t[start + detect_r_peaks(bdf["ecg"][start:], fs)]
    if peaks.size < 3:
        raise RecordingError(path, f"ECG lead: only {peaks.size} R-peaks found after the trigger "
                                   f"(a flat, missing or too short ECG)")
    hr_times, hr = rr_heart_rate(peaks)
    ppg_times, ppg = beat_phase_pulse(peaks, t)
    return {"ppg": ppg, "ppg_times": ppg_times, "hr": hr, "hr_times": hr_times, "peaks": peaks,
            "ecg_end_s": float(t[-1])}


def check_duration(bdf_path: Path, ecg_end_s: float, video: Path, frame_end_s: float) -> None:
    """``RecordingError`` when the BDF ends well before the video's last frame (truncated)."""
    if ecg_end_s < frame_end_s - COVERAGE_TOLERANCE_S:
        raise RecordingError(bdf_path, f"ECG ends {ecg_end_s:.3g} s after the trigger but the video "
                                       f"{video.name} lasts {frame_end_s:.3g} s: the BDF is truncated")


def load_mahnob_session(folder: Path, ecg_lead: str = "EXG3-EXG1") -> Recording:
    """One MAHNOB-HCI session folder -> ``Recording``; ``RecordingError`` when broken."""
    xml_path = folder / SESSION_XML
    session = read_session_xml(xml_path)
    bdf_path = session_file(folder, session, "Physiological", "*.bdf")
    video = session_file(folder, session, "Video", "*C1 trigger*.avi")
    bdf = read_bdf(bdf_path, ecg_lead)
    onset_s, last_trigger_s = trigger_onset(bdf_path, bdf["status"], bdf["status_fs"])
    ref = ecg_reference(bdf_path, bdf, onset_s)
    fps, n_frames = VideoFile(video).probe()
    frame_times = np.arange(n_frames) / fps
    check_duration(bdf_path, ref["ecg_end_s"], video, float(frame_times[-1]))
    check_coverage(bdf_path, ref["ppg_times"], video, frame_times)
    attrs = session["attrs"]
    labels = {k: attrs[k].strip() for k in LABEL_ATTRIBUTES if attrs.get(k, "").strip()}
    meta = {"format": "MAHNOB-HCI", "ground_truth": str(bdf_path), "session_xml": str(xml_path),
            "ecg_lead": ecg_lead, "ecg_fs": bdf["ecg_fs"], "fps": fps, "n_frames": n_frames,
            "trigger_onset_s": onset_s, "trigger_span_s": last_trigger_s - onset_s,
            "r_peaks": ref["peaks"]}
    return Recording(
        name=folder.name, dataset="mahnob-hci", source=VideoFile(video),
        ppg=ref["ppg"], ppg_times=ref["ppg_times"], subject=session_subject(session, bdf_path, xml_path),
        condition=labels.get("experimentType", ""), hr=ref["hr"], hr_times=ref["hr_times"],
        labels=labels, meta=meta)


def load_mahnob(root: str | Path, ecg_lead: str = "EXG3-EXG1") -> list[Recording | RecordingError]:
    """All MAHNOB-HCI sessions under ``root`` (``Sessions/<id>/``), naturally sorted by folder path.

    ``ecg_lead``: the ECG channel (``"EXG2"``) or difference (``"EXG3-EXG1"``)
    whose R-peaks give the reference. ``DatasetError`` when ``root`` holds no
    session folder.
    """
    root = check_root(root, dataset="mahnob-hci")
    folders = find_session_folders(root)
    if not folders:
        raise DatasetError(f"mahnob-hci: no MAHNOB-HCI sessions in {root} (expected folders such as "
                           f"Sessions/2/ with {SESSION_XML}, a .bdf and a '*C1 trigger*.avi' video)")
    return load_each(((f.relative_to(root).as_posix(), f.name, f) for f in folders),
                     lambda folder: load_mahnob_session(folder, ecg_lead))
