"""The shipped weights of the ResNet-18 + TCN model: where they are, how they were made, shipping new ones.

``"pretrained"`` names the checkpoint that is part of the package
(``weights/pretrained.pth``, float16, trained on the domain-randomised corpus
of :mod:`rppg_bench.datasets.synthetic.corpus`). Beside it,
``weights/pretrained.json`` records how it was made (the training and corpus
commands, seeds, corpus parameters, code revision, package versions, training
time) and the file's SHA-256, which :func:`verify_pretrained` checks.

Everywhere a checkpoint path is accepted (``--param resnet.model=``,
``extract_rppg_signal_resnet(video, model_path)``, ``resnet.init=``,
``train(init=...)``), :func:`resolve_checkpoint` turns ``"pretrained"`` into
that file. Loading still goes through ``torch.load(weights_only=True)``
(:func:`.checkpoint.read_checkpoint`).
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from ...revision import checkout_revision

PRETRAINED = "pretrained"
"""The name that stands for the shipped checkpoint."""

WEIGHTS_FILE = "pretrained.pth"
RECORD_FILE = "pretrained.json"


def weights_dir() -> Path:
    """The package folder holding the shipped checkpoint and its record."""
    return Path(str(files("rppg_bench.methods.resnet") / "weights"))


def pretrained_path() -> Path:
    """The shipped checkpoint file; ``FileNotFoundError`` saying so when this install lacks it."""
    path = weights_dir() / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the shipped 'pretrained' ResNet weights are missing from this "
                                f"install of rppg-bench (reinstall it, or pass a checkpoint path)")
    return path


def resolve_checkpoint(model: str | Path) -> Path:
    """``model`` as a checkpoint path: ``"pretrained"`` is the shipped file, anything else a path."""
    return pretrained_path() if str(model) == PRETRAINED else Path(model)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pretrained_record() -> dict[str, Any]:
    """The shipped weights' record (``pretrained.json``)."""
    path = weights_dir() / RECORD_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the record of the shipped ResNet weights is missing")
    return json.loads(path.read_text())


def verify_pretrained() -> Path:
    """The shipped checkpoint's path after checking its SHA-256 against the record; ``ValueError`` if it differs."""
    path = pretrained_path()
    expected = pretrained_record()["sha256"]
    actual = file_sha256(path)
    if actual != expected:
        raise ValueError(f"{path}: SHA-256 {actual} differs from the recorded {expected} "
                         f"({weights_dir() / RECORD_FILE}); the file was changed or damaged")
    return path


def init_record(init: str | Path) -> dict[str, str]:
    """How a fine-tuning run started: ``{"weights": "pretrained" or the path, "sha256": ...}``."""
    path = resolve_checkpoint(init)
    return {"weights": PRETRAINED if str(init) == PRETRAINED else str(init), "sha256": file_sha256(path)}


def half_precision_state(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` with every floating-point tensor in float16 (integers, e.g. BatchNorm counters, as they are)."""
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def init_provenance(init: dict[str, Any] | None, shipped: dict[str, Any] | None,
                    revision: str | None) -> dict[str, Any] | None:
    """The record of the weights a fine-tuning run started from, to keep beside its own: the shipped
    ``shipped`` record (``pretrained.json``, its file in git at ``revision``) when the run's ``init``
    (checkpoint meta ``{"weights", "sha256"}``) names those weights by their hash; else None."""
    if not init or not shipped or init.get("sha256") != shipped.get("sha256"):
        return None
    kept = {k: shipped[k] for k in ("sha256", "bytes", "training", "provenance") if k in shipped}
    return {**kept, "code_revision_of_file": revision}


def ship_checkpoint(checkpoint: str | Path, out_dir: str | Path, *, provenance: dict[str, Any]) -> Path:
    """Write ``checkpoint`` as shipped weights: ``out_dir/pretrained.pth`` (float16 weights, same
    config, meta plus ``provenance``) and ``out_dir/pretrained.json`` (``provenance``, the
    checkpoint's training meta, file size and SHA-256). Returns the weights' path.

    A checkpoint fine-tuned from the weights shipped now gets their whole record under
    ``provenance["init_provenance"]`` (:func:`init_provenance`), so the chain can be retrained."""
    from .checkpoint import plain, read_checkpoint, write_checkpoint

    ckpt = read_checkpoint(checkpoint)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    init = ckpt["meta"].get("init")
    if init and "init_provenance" not in provenance:  # fine-tuned: look up the start's record (and git) only then
        try:
            previous = pretrained_record()
        except FileNotFoundError:
            previous = None
        chained = init_provenance(init, previous, checkout_revision(weights_dir(), whole_checkout=True))
        if chained is not None:
            provenance = {**provenance, "init_provenance": chained}
    meta = {**ckpt["meta"], "provenance": provenance, "shipped_from": Path(checkpoint).name}
    target = write_checkpoint(out / WEIGHTS_FILE, half_precision_state(ckpt["state_dict"]), ckpt["config"], meta)
    keep = ("epoch", "seed", "loss_history", "lr", "batch", "epochs", "schedule", "warmup", "final_lr_share",
            "weight_decay", "augment", "amp", "device", "n_clips", "versions", "date", "train_seconds", "init")
    record = {"file": WEIGHTS_FILE, "sha256": file_sha256(target), "bytes": target.stat().st_size,
              "dtype": "float16", "config": plain(ckpt["config"]),
              "training": plain({k: ckpt["meta"][k] for k in keep if k in ckpt["meta"]}),
              "provenance": plain(provenance)}
    (out / RECORD_FILE).write_text(json.dumps(record, indent=1) + "\n")
    return target
