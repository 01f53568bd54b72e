"""Default settings of the heart-rate, beat, HRV and breathing metrics (constants only).

Like ``bands.py``, a module that imports nothing, so that the protocols (read
when the command line starts) do not import the signal processing (scipy.signal
alone is about 0.8 s on the 2-core machine). The modules that use each setting
import it from here.
"""

from __future__ import annotations

#: the estimator used when none is named (the default protocol's, too; ``heart_rate.py``)
DEFAULT_HR_METHOD = "structured"

#: HR methods giving candidates and a confidence per estimate (what ``track=True`` follows)
CONFIDENCE_METHODS = ("structured",)

#: an HR estimate further than this from the truth (bpm) is a gross error (the corpus's scores, the
#: report's kept-but-wrong line, the benchmarks)
GROSS_BPM = 5.0

#: half-width (s) of the window in which an estimated beat matches a reference beat (``beats.py``)
DEFAULT_TOLERANCE_S = 0.15

#: smallest prominence of a beat, relative to the 90th percentile of the peaks' prominences:
#: low enough to keep the beats that breathing and noise make small in a camera pulse (at 0.5,
#: POS missed 2.5 beats per 20 s easy synthetic video, each doubling an IBI; docs/beats-breathing.md)
DEFAULT_REL_PROMINENCE = 0.3

#: a peak whose prominence is under this share of both its neighbours' is a secondary wave (a
#: finger PPG's late systolic or dicrotic wave, which can pass the first pass on every beat) and
#: does not count toward the median interval that spaces the second pass (``beats.py``). Without
#: it, clean excerpts of heartpy's finger-PPG recordings played at 40-75 bpm read about twice
#: their rate (``python benchmarks/beat_detection.py``; docs/beats-breathing.md)
SECONDARY_WAVE_SHARE = 0.6

#: beats needed for the time-domain HRV indices (two IBIs: SDNN, one successive difference: RMSSD)
MIN_BEATS = 3

#: span of beats (s) needed for LF/HF (the Task Force's 2 min: ten cycles of the 0.04 Hz LF edge would be 250 s)
MIN_LF_HF_DURATION_S = 120.0

#: the largest share of artefact intervals (``hrv.artefact_share``) a side's HRV and breathing are given for
MAX_ARTEFACT_SHARE = 0.1

#: plausible breathing rates: 0.1-0.5 Hz, 6-30 breaths/min
BREATHING_BAND_HZ = (0.1, 0.5)

#: largest standard deviation (breaths/min) of the modulations' rates that smart fusion accepts
FUSION_SD_BPM = 4.0

#: smallest mean correlation of the beats with their average for a pulse to be used
#: (Orphanidou et al. 2015, doi:10.1109/JBHI.2014.2338351)
MIN_TEMPLATE_CORRELATION = 0.86

#: breaths at the band's lowest rate a signal must span (10 s each at 0.1 Hz): 15 s, so that a
#: 20 s recording (the synthetic default) has a rate. Measured on 20 s model pulses at 30 Hz, RIFV
#: (docs/beats-breathing.md): 12-18 breaths/min within 2 of the truth in 95 % of cases, median
#: error 0.3; 6 breaths/min is wrong on 20-30 s (two to three breaths) whatever this minimum
MIN_BREATHS = 1.5
