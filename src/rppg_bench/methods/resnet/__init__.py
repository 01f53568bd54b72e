"""ResNet-18 + TCN: the learned rPPG model (train, evaluate, run).

The published names are imported on first use (PEP 562), so importing this
package (e.g. for the registered ``resnet`` method, :mod:`.method`) does not
import torch. See :mod:`.model` for the architecture and input normalisation,
:mod:`.loss`, :mod:`.data`, :mod:`.trainer`, :mod:`.infer`, :mod:`.checkpoint`
and ``python -m rppg_bench.methods.resnet --help``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .infer import (
        extract_rppg_signal_resnet,
        load_checkpoint,
        process_all_videos_resnet,
    )
    from .model import ResNetTCN
    from .trainer import train

__all__ = ["ResNetTCN", "extract_rppg_signal_resnet", "load_checkpoint", "process_all_videos_resnet", "train"]

#: published name -> the submodule defining it
_WHERE = {"ResNetTCN": "model", "extract_rppg_signal_resnet": "infer", "load_checkpoint": "infer",
          "process_all_videos_resnet": "infer", "train": "trainer"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
