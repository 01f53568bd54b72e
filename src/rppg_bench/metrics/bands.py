"""Heart-rate bands (Hz), shared by the post-processing, the HR estimators, the protocols and the training loss.

A module of constants only, so that the protocols (read when the command line
starts) do not import the signal processing.
"""

from __future__ import annotations

#: default band of plausible heart rates: 0.7-3.0 Hz, 42-180 bpm
DEFAULT_BAND_HZ = (0.7, 3.0)

#: rPPG-Toolbox's band of its post-processing and evaluation (its configs' 0.75-2.5 Hz, 45-150 bpm)
TOOLBOX_BAND_HZ = (0.75, 2.5)
