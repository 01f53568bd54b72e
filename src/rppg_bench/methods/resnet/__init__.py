"""ResNet-18 + TCN: the learned rPPG model (train, evaluate, run).

Importing this package imports torch; the method registry only imports it
when the ``resnet`` method is asked for. See :mod:`.model` for the
architecture and input normalisation, :mod:`.loss`, :mod:`.data`,
:mod:`.train`, :mod:`.infer` and ``python -m rppg_bench.methods.resnet --help``.
"""

from .infer import extract_rppg_signal_resnet, load_checkpoint, process_all_videos_resnet
from .model import ResNetTCN
from .train import train

__all__ = ["ResNetTCN", "extract_rppg_signal_resnet", "load_checkpoint", "process_all_videos_resnet", "train"]
