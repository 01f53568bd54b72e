"""The per-video panels of the HTML report: the ROI on a few frames, HR over time, aligned waveforms,
spectrum and failures.

Each panel is a hidden ``<section>`` of static SVG drawn from the rows' ``_series``
(:func:`rppg_bench.metrics.series.video_series`, kept by the runner for every
video); rows of runs made before it was kept fall back to the example video's
``_win_hr`` and ``_waveform``, and a video with neither says so. The ROI frames are
the small JPEGs the runner keeps on a video's first row (``_roi_frames``,
:func:`rppg_bench.preprocessing.roi_frames.roi_thumbnails`); rows of older runs
have none and the panel simply goes without.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from .svg import PALETTE, REFERENCE_COLOUR, Line, Plot, line_plot

#: to keep the page small (about 25 kB a video of 8 methods with every plot, 15 kB more for the ROI
#: frames): the first ``MAX_WAVEFORM_VIDEOS`` videos (over all datasets) get every plot and their ROI
#: frames, the next ones up to
#: ``MAX_PLOTTED_VIDEOS`` their HR and spectrum plots only, the rest their failures only
MAX_WAVEFORM_VIDEOS = 100
MAX_PLOTTED_VIDEOS = 300


def method_colours(methods: list[str]) -> dict[str, str]:
    """A fixed colour per method (sorted), the same in every plot of the page."""
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(sorted(methods))}


def row_series(row: dict[str, Any]) -> dict[str, Any] | None:
    """The panel series of a result row: its ``_series``, else those rebuilt from the example
    video's ``_win_hr`` / ``_waveform`` (no spectrum), else None."""
    if row.get("_series"):
        return row["_series"]
    if not (row.get("_win_hr") or row.get("_waveform")):
        return None
    from ...metrics.series import (
        waveform_excerpt,  # rows of older runs only: the evaluation on first use
    )

    w = row.get("_waveform")
    wave = waveform_excerpt(np.asarray(w["t"], float), np.asarray(w["pred"], float),
                            np.asarray(w["ref"], float)) if w else None
    return {"win_hr": row.get("_win_hr"), "wave": wave, "spectrum": None}


def _wave_time(wave: dict[str, Any]) -> list[float]:
    return [round(i * wave["dt"], 3) for i in range(len(wave["pred"]))]


def hr_plot(series: dict[str, dict[str, Any]], colours: dict[str, str]) -> str | None:
    """Windowed HR (bpm) over time (s) of the reference and every method of ``series`` (method -> series)."""
    wins = {m: s["win_hr"] for m, s in series.items() if s.get("win_hr")}
    if not wins:
        return None
    first = next(iter(wins.values()))
    lines = [Line("reference", first["t"], first["true"], REFERENCE_COLOUR)]
    lines += [Line(m, w["t"], w["pred"], colours[m]) for m, w in wins.items()]
    return line_plot(Plot(lines, "time (s)", "HR (bpm)", "windowed heart rate"))


def confidence_plot(series: dict[str, dict[str, Any]], colours: dict[str, str]) -> str | None:
    """Confidence (0-1) of every method's windowed HR over time (s); None when no estimate has one
    (an estimator without a confidence, or rows made before it was stored)."""
    wins = {m: s["win_hr"] for m, s in series.items()
            if s.get("win_hr") and any(_finite(c) for c in s["win_hr"].get("conf") or [])}
    if not wins:
        return None
    lines = [Line(m, w["t"], w["conf"], colours[m]) for m, w in wins.items()]
    return line_plot(Plot(lines, "time (s)", "confidence", "confidence of the windowed heart rate"))


def wave_plots(series: dict[str, dict[str, Any]], colours: dict[str, str]) -> list[str]:
    """One plot per method: its aligned [0, 1] waveform over the reference's (first seconds)."""
    plots = []
    for m, s in series.items():
        wave = s.get("wave")
        if wave:
            t = _wave_time(wave)
            plots.append(line_plot(Plot([Line("reference", t, wave["ref"], REFERENCE_COLOUR),
                                         Line(m, t, wave["pred"], colours[m])], "time (s)", "[0, 1]",
                                        f"aligned waveform: {m}", height=150)))
    return plots


def spectrum_plot(series: dict[str, dict[str, Any]], rows: dict[str, dict[str, Any]],
                  colours: dict[str, str]) -> str | None:
    """Spectra (scaled to 1) over the HR band (bpm) of the reference and every method, with each
    method's chosen heart rate (``hr_pred``) and the true one (``hr_true``) as markers."""
    specs = {m: s["spectrum"] for m, s in series.items() if s.get("spectrum")}
    if not specs:
        return None
    first = next(iter(specs.values()))
    bpm = np.linspace(*first["bpm"], len(first["ref"])).round(1).tolist()
    lines = [Line("reference", bpm, first["ref"], REFERENCE_COLOUR, dash=True)]
    lines += [Line(m, np.linspace(*s["bpm"], len(s["pred"])).round(1).tolist(), s["pred"], colours[m])
              for m, s in specs.items()]
    markers = [(float(rows[m]["hr_pred"]), colours[m], f"{m}: {rows[m]['hr_pred']:.1f} bpm")
               for m in specs if _finite(rows[m].get("hr_pred"))]
    truth = next((r.get("hr_true") for r in rows.values() if _finite(r.get("hr_true"))), None)
    if truth is not None:
        markers.append((float(truth), REFERENCE_COLOUR, f"true HR: {truth:.1f} bpm"))
    return line_plot(Plot(lines, "heart rate (bpm)", "power (max 1)", "spectrum and chosen peak", markers))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and bool(np.isfinite(value))


def failures_list(rows: list[dict[str, Any]]) -> str:
    """``<ul>`` of the failed rows' methods and reasons ("" when none failed)."""
    bad = [r for r in rows if r.get("status") != "ok"]
    if not bad:
        return ""
    items = "".join(f"<li><b>{escape(str(r.get('method') or 'all methods'))}</b>: "
                    f"{escape(str(r.get('error', '')))}</li>" for r in bad)
    return f'<h4>Failures</h4><ul class="failures">{items}</ul>'


def roi_frames_html(rows: list[dict[str, Any]]) -> str:
    """The video's ROI thumbnails as inline ``<img>`` (JPEG data URIs) with their times, "" when none."""
    frames = next((r["_roi_frames"] for r in rows if r.get("_roi_frames")), None)
    if not frames:
        return ""
    figures = "".join(f'<figure><img class="roi" src="data:image/jpeg;base64,{escape(str(f["jpeg"]))}" '
                      f'alt="ROI at {f["t"]} s"><figcaption>{f["t"]} s</figcaption></figure>' for f in frames)
    legend = "ROI: skin polygons (green), parts left out (red), tracked face square (white)"
    return f'<div class="roi-frames" title="{legend}">{figures}</div>'


def video_panel(panel_id: str, dataset: str, video: str, rows: list[dict[str, Any]],
                colours: dict[str, str], order: int = 0) -> str:
    """The hidden ``<section>`` of one video, the ``order``-th of the page: its plots (fewer past
    ``MAX_WAVEFORM_VIDEOS`` and none past ``MAX_PLOTTED_VIDEOS``) and its failures."""
    ok = {r["method"]: r for r in rows if r.get("status") == "ok"}
    series = {m: s for m, s in ((m, row_series(r)) for m, r in sorted(ok.items())) if s}
    body = [roi_frames_html(rows)] if order < MAX_WAVEFORM_VIDEOS else []
    if order >= MAX_PLOTTED_VIDEOS:
        body.append(f'<p class="note">Plots are drawn for the first {MAX_PLOTTED_VIDEOS} videos only.</p>')
    elif series:
        body += [p for p in (hr_plot(series, colours), confidence_plot(series, colours),
                             spectrum_plot(series, ok, colours)) if p]
        if order < MAX_WAVEFORM_VIDEOS:
            body += wave_plots(series, colours)
        else:
            body.append(f'<p class="note">Waveforms are drawn for the first {MAX_WAVEFORM_VIDEOS} videos only.</p>')
    elif ok:
        body.append('<p class="note">No series stored for this video (rows made before the runner kept them; '
                    'rerun to draw them).</p>')
    body.append(failures_list(rows))
    return (f'<section class="panel" id="{panel_id}" data-dataset="{escape(dataset)}" hidden>'
            f'<h3>{escape(dataset)} / {escape(video)}</h3><div class="plots">{"".join(body)}</div></section>')
