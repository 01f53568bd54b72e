"""File names of the report's plots, shared by the plots that write them and the summary that links them."""

from __future__ import annotations

import re
from pathlib import Path

#: file-name prefix of the critical-difference diagrams
CD_PREFIX = "cd_"
#: the IBI tachogram of the example videos and the Bland-Altman plot of RMSSD (beat metrics)
IBI_TACHOGRAM = "ibi_tachogram.png"
RMSSD_BLAND_ALTMAN = "rmssd_bland_altman.png"


def cd_plot_name(dataset: str) -> str:
    """File name of ``dataset``'s critical-difference diagram (in ``plots/``)."""
    return CD_PREFIX + re.sub(r"[^A-Za-z0-9_.-]+", "_", str(dataset)) + ".png"


def is_cd_plot(path: str | Path) -> bool:
    """Whether ``path`` names a critical-difference diagram."""
    return Path(path).stem.startswith(CD_PREFIX)
