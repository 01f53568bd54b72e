"""Static inline SVG line plots for the HTML report (no script, no external resource)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

#: matplotlib's tab10 colours; the reference is drawn in black
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")
REFERENCE_COLOUR = "#000000"


@dataclass(frozen=True)
class Line:
    """One series of a plot: ``x``, ``y`` (K,) with None/NaN for gaps, its legend ``name`` and style."""

    name: str
    x: Sequence[float | None]
    y: Sequence[float | None]
    colour: str = REFERENCE_COLOUR
    dash: bool = False


@dataclass(frozen=True)
class Plot:
    """A plot's lines, axis labels, title and vertical markers ``(x, colour, label)``; size in px."""

    lines: list[Line]
    x_label: str = ""
    y_label: str = ""
    title: str = ""
    markers: list[tuple[float, str, str]] = field(default_factory=list)
    width: int = 520
    height: int = 220


MARGIN = {"left": 48, "right": 10, "top": 22, "bottom": 34}
#: lines of at most this many points also get a dot per point (a one-window HR series is one point)
DOT_MAX_POINTS = 5


def _finite(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], float)


def data_bounds(plot: Plot) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)`` spanning every finite point and marker of ``plot`` (never empty)."""
    xs = np.concatenate([_finite(ln.x) for ln in plot.lines] + [np.array([m[0] for m in plot.markers], float)])
    ys = np.concatenate([_finite(ln.y) for ln in plot.lines] + [np.array([], float)])
    xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
    x0, x1 = (float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
    y0, y1 = (float(ys.min()), float(ys.max())) if ys.size else (0.0, 1.0)
    pad = 0.05 * (y1 - y0) if y1 > y0 else 1.0
    return x0, (x1 if x1 > x0 else x0 + 1.0), y0 - pad, y1 + pad


def relative_path(px: np.ndarray, py: np.ndarray) -> str:
    """SVG ``d`` of points ``(px, py)`` (K,) px, rounded to whole px: an absolute move to the first
    point, then relative steps (``M48 67l5 -3 5 0...``), about 6 characters a point."""
    x, y = np.rint(px).astype(int), np.rint(py).astype(int)
    steps = " ".join(f"{dx} {dy}" for dx, dy in zip(np.diff(x), np.diff(y)))
    return f"M{x[0]} {y[0]}" + (f"l{steps}" if steps else "")


def polyline_paths(x: np.ndarray, y: np.ndarray, sx, sy) -> list[str]:
    """SVG ``d`` strings of the runs of finite points of ``(x, y)`` (K,), mapped by ``sx``/``sy`` to px."""
    ok = np.isfinite(x) & np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(int), [0]])))
    return [relative_path(sx(x[a:b]), sy(y[a:b])) for a, b in zip(edges[::2], edges[1::2])]


def _ticks(lo: float, hi: float) -> list[float]:
    from matplotlib.ticker import (
        MaxNLocator,  # on first use: a kept report never imports matplotlib
    )

    return [float(t) for t in MaxNLocator(nbins=5).tick_values(lo, hi) if lo <= t <= hi]


def line_plot(plot: Plot) -> str:
    """``plot`` as an ``<svg>`` element: axes with ticks, labels, one path per line, dashed vertical
    markers and a legend of the named lines."""
    w, h, m = plot.width, plot.height, MARGIN
    x0, x1, y0, y1 = data_bounds(plot)
    iw, ih = w - m["left"] - m["right"], h - m["top"] - m["bottom"]

    def sx(v: float) -> float:
        return m["left"] + (v - x0) / (x1 - x0) * iw

    def sy(v: float) -> float:
        return m["top"] + (1.0 - (v - y0) / (y1 - y0)) * ih

    parts = [(f'<svg class="plot" width="{w}" height="{h}" '
              f'viewBox="0 0 {w} {h}" role="img" aria-label="{escape(plot.title)}">'),
             f'<rect x="{m["left"]}" y="{m["top"]}" width="{iw}" height="{ih}" fill="none" stroke="#999"/>']
    for t in _ticks(x0, x1):
        parts.append(f'<text x="{sx(t):.1f}" y="{h - m["bottom"] + 13}" text-anchor="middle">{t:g}</text>')
    for t in _ticks(y0, y1):
        parts.append(f'<line x1="{m["left"]}" x2="{w - m["right"]}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
                     'stroke="#eee"/>')
        parts.append(f'<text x="{m["left"] - 4}" y="{sy(t) + 4:.1f}" text-anchor="end">{t:g}</text>')
    parts += [f'<text x="{m["left"] + iw / 2:.0f}" y="{h - 4}" text-anchor="middle">{escape(plot.x_label)}</text>',
              (f'<text x="12" y="{m["top"] + ih / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 12 {m["top"] + ih / 2:.0f})">{escape(plot.y_label)}</text>'),
              f'<text x="{m["left"]}" y="14" class="title">{escape(plot.title)}</text>']
    for ln in plot.lines:
        dash = ' stroke-dasharray="4 3"' if ln.dash else ""
        x, y = _finite(ln.x), _finite(ln.y)
        for d in polyline_paths(x, y, sx, sy):
            parts.append(f'<path d="{d}" fill="none" stroke="{ln.colour}" stroke-width="1.3"{dash}/>')
        parts += _dots(x, y, sx, sy, ln.colour)
    for x, colour, label in plot.markers:
        parts.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{m["top"]}" y2="{h - m["bottom"]}" '
                     f'stroke="{colour}" stroke-dasharray="2 2"><title>{escape(label)}</title></line>')
    parts += _legend([ln for ln in plot.lines if ln.name], w - m["right"] - 4, m["top"] + 12)
    return "".join(parts) + "</svg>"


def _dots(x: np.ndarray, y: np.ndarray, sx, sy, colour: str) -> list[str]:
    """A small circle at each finite point of a line of at most ``DOT_MAX_POINTS`` points."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() > DOT_MAX_POINTS:
        return []
    return [f'<circle cx="{sx(a):.0f}" cy="{sy(b):.0f}" r="2.5" fill="{colour}"/>' for a, b in zip(x[ok], y[ok])]


def _legend(lines: list[Line], right: float, top: float) -> list[str]:
    """Legend entries stacked at the top right (px)."""
    return [f'<text x="{right}" y="{top + 12 * i:.0f}" text-anchor="end" fill="{ln.colour}">{escape(ln.name)}</text>'
            for i, ln in enumerate(lines)]
