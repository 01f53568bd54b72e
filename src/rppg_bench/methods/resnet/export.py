"""ONNX export of a ResNet-18 + TCN checkpoint, onnxruntime inference and parity checks.

Needs the ``onnx`` extra (``pip install -e ".[resnet,onnx]"``: ``onnx``,
``onnxruntime`` and ``onnxscript``, which the torch.export-based exporter of
:func:`torch.onnx.export` uses).

The exported graph (:func:`export_onnx`) is the whole :class:`ResNetTCN`
forward pass, the per-clip input normalisation included:

- input ``clip``: ``uint8`` ``(B, T, 3, S, S)`` RGB face crops, the layout
  :meth:`ResNetTCN.forward` takes (what :func:`.infer.predict_crops` feeds
  it); ``B`` and ``T`` are dynamic (any ``T`` >= 2), ``S`` is the
  checkpoint's crop size;
- output ``pulse``: ``float32`` ``(B, T)``, one value per frame.

``fp32`` is the model as trained. ``fp16`` runs the ResNet trunk and the
temporal head in float16 (half the file size) but keeps the input
normalisation ``(x - mean_t) / (std_t + 1e-3)`` in float32: the pulse is a
~1 % colour change, and a float16 mean over the clip would round part of it
away. Input and output types are the same for both, so the two files are
interchangeable. onnxruntime runs the float16 graph on the CPU as well.

The checkpoint's ``config`` (crop size, clip length, ...) travels in the
ONNX file's metadata (keys ``rppg_bench.*``), so :func:`load_onnx` returns
the same :class:`.infer.LoadedModel` as :func:`.infer.load_checkpoint`, with
an onnxruntime session behind ``.model``. :func:`extract_with_onnx` therefore
goes through :func:`.infer.extract_with_model` (same face crops, same
half-overlapping chunks z-scored and overlap-added, same post-processing) and
returns the same ``(times, signal)``.

Parity (:func:`parity`, :func:`video_parity`) is measured on the
*normalised* output, i.e. each clip's output z-scored over time as
:func:`.infer.predict_crops` does before overlap-adding (the raw output's
scale is arbitrary), and on the final ``[0, 1]`` signal. The tolerances are
:data:`TOLERANCE`: max abs difference <= ``1e-4`` for ``fp32`` (measured:
~1e-6) and <= ``5e-2`` for ``fp16`` (measured: ~5e-3 on random clips and
short videos, small next to the signal's unit standard deviation).
"""

from __future__ import annotations

import copy
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ...datasets.recording import Recording
from ...metrics.signal import signal_postprocess
from ...preprocessing.decode import as_recording
from .data import face_crops
from .infer import LoadedModel, extract_with_model, load_checkpoint, predict_crops
from .model import ARCHITECTURE, ResNetTCN, normalize_clip

PRECISIONS = ("fp32", "fp16")
INPUT_NAME = "clip"
OUTPUT_NAME = "pulse"
TOLERANCE = {"fp32": 1e-4, "fp16": 5e-2}
"""Max abs difference ONNX vs torch (fp32 weights) on the z-scored output and on the [0, 1] signal."""

META_PREFIX = "rppg_bench."


def _require_onnxruntime():
    try:
        import onnxruntime
    except ImportError as exc:  # pragma: no cover - the onnx extra is installed in CI
        raise ImportError("onnxruntime is not installed: pip install -e '.[onnx]'") from exc
    return onnxruntime


class HalfPrecision(nn.Module):
    """``model`` with its trunk and temporal head in float16, the input normalisation in float32.

    Same input and output as :class:`ResNetTCN` (``(B, T, 3, S, S)`` -> ``(B, T)``
    float32); ``model`` itself is left untouched (a copy is converted).
    """

    def __init__(self, model: ResNetTCN):
        super().__init__()
        self.net = copy.deepcopy(model).cpu().half().eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = normalize_clip(x).half()
        return self.net.temporal(self.net.frame_features(z)).squeeze(1).float()


def _as_loaded(model: LoadedModel | str | Path) -> LoadedModel:
    return model if isinstance(model, LoadedModel) else load_checkpoint(model, "cpu")


def default_onnx_path(checkpoint: str | Path, precision: str, out_dir: str | Path | None = None) -> Path:
    """``<out_dir or the checkpoint's folder>/<checkpoint stem>.<precision>.onnx``."""
    checkpoint = Path(checkpoint)
    return Path(out_dir or checkpoint.parent) / f"{checkpoint.stem}.{precision}.onnx"


def export_onnx(checkpoint: LoadedModel | str | Path, out_path: str | Path, precision: str = "fp32", *,
                opset: int | None = None, example_frames: int = 8) -> Path:
    """Write checkpoint ``checkpoint`` (a path or a loaded model) as ONNX to ``out_path``; returns the path.

    ``precision``: ``"fp32"`` or ``"fp16"`` (see the module docstring). The
    batch and time axes are dynamic; ``example_frames`` only sets the length
    of the example clip the exporter traces with. ``opset``: ONNX opset
    (default: the exporter's). Raises ``FileNotFoundError`` / ``ValueError``
    naming the file when ``checkpoint`` is not a checkpoint of this model.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    loaded = _as_loaded(checkpoint)
    if not isinstance(loaded.model, nn.Module):
        raise TypeError(f"{loaded.path}: export needs a torch checkpoint, got {type(loaded.model).__name__}")
    model = copy.deepcopy(loaded.model).cpu().float().eval()
    module: nn.Module = model if precision == "fp32" else HalfPrecision(model)
    t = max(2, int(example_frames))
    example = torch.randint(0, 256, (1, t, 3, loaded.size, loaded.size), dtype=torch.uint8)
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("time", min=2)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation chatter of torch internals
        program = torch.onnx.export(module, (example,), dynamo=True, input_names=[INPUT_NAME],
                                    output_names=[OUTPUT_NAME], dynamic_shapes=(dims,), opset_version=opset,
                                    external_data=False, verbose=False)
    meta = {"architecture": ARCHITECTURE, "precision": precision, "size": str(loaded.size),
            "frames": str(loaded.frames), "config": json.dumps(loaded.config, default=str),
            "meta": json.dumps({k: v for k, v in loaded.meta.items() if k in ("epoch", "seed", "dataset", "date")},
                               default=str),
            "checkpoint": loaded.path.name}
    for key, value in meta.items():
        program.model.metadata_props[META_PREFIX + key] = value
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    program.save(str(out_path))
    return out_path


class OnnxPulseModel:
    """An onnxruntime session that stands in for :class:`ResNetTCN` in :mod:`.infer`.

    ``model(x)``: ``x`` (B, T, 3, S, S) ``uint8`` torch tensor (or array) ->
    (B, T) float32 torch tensor on the CPU, so :func:`.infer.predict_crops`
    and everything built on it run unchanged. :meth:`run` is the numpy
    version. ``precision`` and ``path`` describe the file.
    """

    def __init__(self, session: Any, path: Path, precision: str):
        self.session, self.path, self.precision = session, path, precision
        inputs = session.get_inputs()
        self.input_name = inputs[0].name

    def eval(self) -> OnnxPulseModel:
        return self

    def run(self, clip: np.ndarray) -> np.ndarray:
        """(B, T, 3, S, S) uint8 -> (B, T) float32."""
        clip = np.ascontiguousarray(clip, dtype=np.uint8)
        if clip.ndim != 5 or clip.shape[2] != 3:
            raise ValueError(f"expected face-crop clips of shape (B, T, 3, S, S), got {clip.shape}")
        return self.session.run(None, {self.input_name: clip})[0]

    def __call__(self, x: torch.Tensor | np.ndarray) -> torch.Tensor:
        arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
        return torch.from_numpy(self.run(arr))

    def __repr__(self) -> str:
        return f"OnnxPulseModel({self.path.name}, {self.precision}, {self.session.get_providers()[0]})"


def _onnx_providers(ort, device: str | torch.device | None) -> list[str]:
    available = ort.get_available_providers()
    if device is not None and torch.device(device).type == "cuda":
        if "CUDAExecutionProvider" in available:
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        warnings.warn(f"device {str(device)!r} requested but onnxruntime has no CUDA provider; using the CPU",
                      stacklevel=3)
    return ["CPUExecutionProvider"]


def load_onnx(path: str | Path, device: str | torch.device | None = "cpu", *,
              threads: int | None = None) -> LoadedModel:
    """An ONNX file written by :func:`export_onnx` as a :class:`.infer.LoadedModel` (``.model`` runs onnxruntime).

    ``device``: ``"cpu"`` or ``"cuda"`` (the CUDA provider when onnxruntime
    has one, else the CPU with a warning). ``threads``: onnxruntime intra-op
    threads (default: its own choice). Raises ``FileNotFoundError`` for a
    missing file and ``ValueError`` naming the file for anything that is not
    such an export.
    """
    ort = _require_onnxruntime()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: ONNX model file does not exist")
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = int(threads)
    try:
        session = ort.InferenceSession(str(path), opts, providers=_onnx_providers(ort, device))
    except Exception as exc:  # onnxruntime raises its own exception types
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise ValueError(f"{path}: not an ONNX model onnxruntime can load ({type(exc).__name__}: {first})") from exc
    props = session.get_modelmeta().custom_metadata_map
    if props.get(META_PREFIX + "architecture") != ARCHITECTURE:
        raise ValueError(f"{path}: not a ResNet-18 + TCN ONNX export (no {META_PREFIX}architecture="
                         f"{ARCHITECTURE!r} in its metadata; write one with 'export')")
    try:
        config = json.loads(props[META_PREFIX + "config"])
        meta = json.loads(props.get(META_PREFIX + "meta", "{}"))
        config["size"], config["frames"] = int(props[META_PREFIX + "size"]), int(props[META_PREFIX + "frames"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: ResNet-18 + TCN ONNX export with unreadable metadata ({exc})") from exc
    precision = props.get(META_PREFIX + "precision", "fp32")
    meta = {**meta, "precision": precision, "checkpoint": props.get(META_PREFIX + "checkpoint", "")}
    return LoadedModel(model=OnnxPulseModel(session, path, precision),  # type: ignore[arg-type]
                       config=config, meta=meta, path=path, device=torch.device("cpu"))


def is_onnx(model: LoadedModel) -> bool:
    """Whether ``model`` runs on onnxruntime (came from :func:`load_onnx`)."""
    return isinstance(model.model, OnnxPulseModel)


def load_model(path: str | Path, device: str | torch.device | None = "cpu", *,
               threads: int | None = None) -> LoadedModel:
    """A ``.onnx`` file via :func:`load_onnx`, anything else via :func:`.infer.load_checkpoint`."""
    if Path(path).suffix.lower() == ".onnx":
        return load_onnx(path, device, threads=threads)
    return load_checkpoint(path, device)


def extract_with_onnx(video: Recording | str | Path, model: LoadedModel | str | Path, frames: int | None = None,
                      verbose: bool = False, *, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(times, signal)`` of ``video`` with an ONNX export (a path or :func:`load_onnx`'s result).

    Same chunking, overlap-add and post-processing as
    :func:`.infer.extract_with_model` (it is that function, with onnxruntime
    behind the model), so the result matches the torch one within
    :data:`TOLERANCE`.
    """
    loaded = model if isinstance(model, LoadedModel) else load_onnx(model, threads=threads)
    return extract_with_model(video, loaded, frames=frames, verbose=verbose)


def zscore_last(y: np.ndarray) -> np.ndarray:
    """``y`` z-scored along its last axis, as :func:`.infer.predict_crops` does to each chunk's output."""
    y = np.asarray(y, np.float64)
    return (y - y.mean(axis=-1, keepdims=True)) / (y.std(axis=-1, keepdims=True) + 1e-8)


@dataclass
class ParityReport:
    """ONNX vs torch on the same input.

    ``max_abs``: max abs difference of the normalised (z-scored per clip)
    outputs, or of the ``[0, 1]`` signals for :func:`video_parity`;
    ``max_abs_raw``: of the raw outputs (raw model values, or the overlap-added
    z-scored chunks for a video); ``tolerance``: the bound for ``precision``;
    ``ok``: ``max_abs <= tolerance``.
    """

    precision: str
    what: str
    max_abs: float
    max_abs_raw: float
    tolerance: float

    @property
    def ok(self) -> bool:
        return bool(np.isfinite(self.max_abs) and self.max_abs <= self.tolerance)

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "EXCEEDS TOLERANCE"
        return (f"parity {self.precision} on {self.what}: max |onnx - torch| = {self.max_abs:.2e} "
                f"(raw {self.max_abs_raw:.2e}), tolerance {self.tolerance:.0e}: {verdict}")


def _precision_of(onnx_model: LoadedModel) -> str:
    return str(getattr(onnx_model.model, "precision", onnx_model.meta.get("precision", "fp32")))


def parity(reference: LoadedModel | str | Path, exported: LoadedModel | str | Path, clip: np.ndarray | None = None,
           *, frames: int | None = None, seed: int = 0) -> ParityReport:
    """Max abs difference between the ONNX export ``exported`` and the torch model ``reference`` on one clip.

    ``clip``: ``uint8`` (B, T, 3, S, S) face crops; default a random clip of
    ``frames`` (default: the checkpoint's clip length) frames drawn with
    ``seed``. The comparison is on the outputs z-scored over time (see
    :data:`TOLERANCE`); the raw difference is reported too.
    """
    ref = _as_loaded(reference)
    onx = exported if isinstance(exported, LoadedModel) else load_onnx(exported)
    if clip is None:
        t = int(frames or ref.frames)
        clip = np.random.default_rng(seed).integers(0, 256, (1, t, 3, ref.size, ref.size), dtype=np.uint8)
    clip = np.asarray(clip)
    with torch.inference_mode():
        y_ref = ref.model(torch.from_numpy(clip).to(ref.device)).float().cpu().numpy()
    y_onx = onx.model(torch.from_numpy(clip)).numpy()
    precision = _precision_of(onx)
    return ParityReport(precision=precision, what=f"clip {tuple(clip.shape)}",
                        max_abs=float(np.abs(zscore_last(y_onx) - zscore_last(y_ref)).max()),
                        max_abs_raw=float(np.abs(y_onx.astype(np.float64) - y_ref).max()),
                        tolerance=TOLERANCE.get(precision, TOLERANCE["fp32"]))


def video_parity(video: Recording | str | Path, reference: LoadedModel | str | Path,
                 exported: LoadedModel | str | Path, frames: int | None = None) -> ParityReport:
    """Max abs difference of the ``[0, 1]`` signals of ``video`` from the export and from torch.

    Both run on the same face crops (computed once) through
    :func:`.infer.predict_crops` and the same post-processing;
    ``max_abs_raw`` compares the overlap-added z-scored chunks before it.
    """
    ref = _as_loaded(reference)
    onx = exported if isinstance(exported, LoadedModel) else load_onnx(exported)
    rec = as_recording(video)
    frames = int(frames or ref.frames)
    crops, _, fps = face_crops(rec, ref.size)
    raw_ref = predict_crops(ref.model, crops, frames, ref.device)
    raw_onx = predict_crops(onx.model, crops, frames, onx.device)  # type: ignore[arg-type]
    precision = _precision_of(onx)
    sig_ref, sig_onx = signal_postprocess(raw_ref, fps), signal_postprocess(raw_onx, fps)
    return ParityReport(precision=precision, what=f"{rec.path.name} ({len(crops)} frames)",
                        max_abs=float(np.abs(sig_onx - sig_ref).max()),
                        max_abs_raw=float(np.abs(raw_onx - raw_ref).max()),
                        tolerance=TOLERANCE.get(precision, TOLERANCE["fp32"]))


def export_checkpoint(checkpoint: str | Path, out_dir: str | Path | None = None,
                      precisions: tuple[str, ...] | list[str] = PRECISIONS, *, opset: int | None = None,
                      check: bool = True, video: Recording | str | Path | None = None,
                      threads: int | None = None) -> dict[str, tuple[Path, list[ParityReport]]]:
    """Export ``checkpoint`` in each of ``precisions`` to ``<out_dir>/<stem>.<precision>.onnx``.

    With ``check`` each file is loaded back into onnxruntime and compared
    with torch (:func:`parity` on a random clip of the checkpoint's length,
    plus :func:`video_parity` when ``video`` is given). Returns
    ``{precision: (path, reports)}``.
    """
    loaded = load_checkpoint(checkpoint, "cpu")
    rec = as_recording(video) if video is not None else None  # face crops computed once for all precisions
    out: dict[str, tuple[Path, list[ParityReport]]] = {}
    for precision in precisions:
        path = export_onnx(loaded, default_onnx_path(checkpoint, precision, out_dir), precision, opset=opset)
        reports: list[ParityReport] = []
        if check:
            onx = load_onnx(path, threads=threads)
            reports.append(parity(loaded, onx))
            if rec is not None:
                reports.append(video_parity(rec, loaded, onx))
        out[precision] = (path, reports)
    return out
