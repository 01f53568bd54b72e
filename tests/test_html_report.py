"""index.html: the report as one self-contained page, checked statically and (when installed) in headless Chromium."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import cv2
import numpy as np
import pandas as pd
import pytest

from rppg_bench import cli
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.reports.html.panel import method_colours, row_series, video_panel
from rppg_bench.reports.html.svg import Line, Plot, line_plot, polyline_paths
from rppg_bench.reports.results import read_rows

METHODS = ("pos", "chrom", "green")


class PageParser(HTMLParser):
    """The parts of the page the tests look at: result rows, panels, first cell values, script and links."""

    def __init__(self) -> None:
        super().__init__()
        self.result_rows: list[dict[str, str]] = []
        self.panels: dict[str, dict[str, str | None]] = {}
        self.svg_per_panel: dict[str, int] = {}
        self.roi_images: dict[str, list[str]] = {}
        self.urls: list[str] = []
        self.body: dict[str, str | None] = {}
        self._table: list[str] = []
        self._panel: str | None = None
        self._cells: list[dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "body":
            self.body = a
        elif tag == "table":
            self._table.append(a.get("class") or "")
        elif tag == "tr" and self._table and "results" in self._table[-1] and "data-method" in a:
            self._cells = []
            self.result_rows.append({**a, "cells": self._cells})
        elif tag == "td" and self._cells is not None:
            self._cells.append(a)
        elif tag == "section" and a.get("class") == "panel":
            self._panel = a["id"]
            self.panels[a["id"]] = a
            self.svg_per_panel[a["id"]] = 0
            self.roi_images[a["id"]] = []
        elif tag == "svg" and self._panel:
            self.svg_per_panel[self._panel] += 1
        elif tag == "img" and self._panel and a.get("class") == "roi":
            self.roi_images[self._panel].append(a.get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table.pop()
        elif tag == "tr":
            self._cells = None
        elif tag == "section":
            self._panel = None


def parse_page(text: str) -> PageParser:
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser


def column(row: dict, index: int) -> str:
    return row["cells"][index].get("data-v") or ""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A UBFC-layout run of three methods on three synthetic videos (enough for a CD diagram) and one
    broken video (failed rows)."""
    base = tmp_path_factory.mktemp("htmlreport")
    generate_synthetic(base / "data", seed=5, n_easy=1, n_hard=2, duration=8.0, n_pure=0)
    root = base / "data" / "ubfc"
    broken = root / "subject9"
    broken.mkdir()
    (broken / "vid.avi").write_bytes(b"not a video at all")
    shutil.copy(root / "subject1" / "ground_truth.txt", broken / "ground_truth.txt")
    out = base / "run"
    rc = cli.main(["--datasets", f"ubfc={root}", "--methods", *METHODS, "--out", str(out), "--quiet",
                   "--cache-dir", str(base / "cache")])
    assert rc == 1  # the broken video's rows failed
    return out


def test_index_html_is_self_contained_with_a_row_per_result_and_a_panel_per_video(run):
    text = (run / "index.html").read_text(encoding="utf-8")
    page = parse_page(text)
    results = pd.read_csv(run / "results.csv")
    shown = {(column(r, 0), r["data-method"], r["data-status"]) for r in page.result_rows}
    assert shown == set(zip(results["video"], results["method"], results["status"]))
    assert len(page.result_rows) == len(results) == 4 * len(METHODS)
    # no network: nothing loaded from a URL, scripts and styles inline, images as data URIs
    assert all(u.startswith(("data:", "#")) for u in page.urls), page.urls
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", text)
    assert "<script>" in text and "<style>" in text and 'src="data:image/png;base64,' in text  # CD diagram
    assert "Paired comparison" in text and "Friedman test" in text
    assert "HR at confidence &ge; 0.5" in text and "HR MAE kept (bpm)" in text  # coverage and MAE kept
    # a panel per video: plots for the good ones, the failure reason for the broken one
    videos = {r["data-panel"]: column(r, 0) for r in page.result_rows}
    assert set(videos) == set(page.panels) and set(videos.values()) == {"subject1", "subject2", "subject3", "subject9"}
    for pid, video in videos.items():
        if video == "subject9":
            assert page.svg_per_panel[pid] == 0
        else:  # HR over time, its confidence per window (the default estimator has one), spectrum, a waveform per method
            assert page.svg_per_panel[pid] == 3 + len(METHODS), video
    # the ROI on three frames of each good video: small inline JPEGs, none for the broken one
    for pid, video in videos.items():
        images = page.roi_images[pid]
        assert len(images) == (0 if video == "subject9" else 3), video
        for src in images:
            assert src.startswith("data:image/jpeg;base64,") and len(src) < 10_000
    thumb = cv2.imdecode(np.frombuffer(base64.b64decode(page.roi_images[pid_of(videos, "subject1")][0]
                                                        .split(",", 1)[1]), np.uint8), cv2.IMREAD_COLOR)
    assert thumb.shape[1] == 160 and (thumb[..., 1] > 200).any()  # drawn: the green ROI outline
    pid = next(p for p, v in videos.items() if v == "subject9")
    broken = re.search(rf'<section class="panel" id="{pid}".*?</section>', text, re.DOTALL)
    assert broken and "vid.avi" in broken.group(0) and "Failures" in broken.group(0)
    # compact: a few kB per (video, method), and about 15 kB per video for its ROI frames
    assert len(text.encode()) < 8_000 * len(results) + 16_000 * 3


def pid_of(videos: dict[str, str], video: str) -> str:
    return next(p for p, v in videos.items() if v == video)


def test_per_video_series_hold_the_recovered_heart_rate(run):
    """The stored panel series of the easy video: each window's HR of POS within 5 bpm of the reference,
    and its spectrum peaks at the row's estimate."""
    rows = [r for r in read_rows(run / "rows.jsonl") if r.get("video") == "subject1" and r["method"] == "pos"]
    series = rows[-1]["_series"]
    win = series["win_hr"]
    assert len(win["t"]) >= 1 and np.max(np.abs(np.subtract(win["pred"], win["true"]))) < 5
    spec = series["spectrum"]
    bpm = np.linspace(*spec["bpm"], len(spec["pred"]))
    assert abs(bpm[int(np.argmax(spec["pred"]))] - rows[-1]["hr_pred"]) < 3
    wave = series["wave"]
    span = min(10.0, rows[-1]["eval_span_s"])  # the first 10 s of the aligned waveforms, or all of them
    assert len(wave["pred"]) == len(wave["ref"]) and abs((len(wave["pred"]) - 1) * wave["dt"] - span) < 0.1
    assert len(json.dumps(series)) < 6000  # bytes of one row's series in rows.jsonl


def test_report_from_rewrites_index_html(run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    (copy / "index.html").unlink()
    assert cli.main(["--report-from", str(copy)]) == 0
    assert parse_page((copy / "index.html").read_text(encoding="utf-8")).result_rows


def test_line_paths_break_at_gaps_and_plots_are_svg():
    x = np.arange(6.0)
    y = np.array([1.0, 2.0, np.nan, 3.0, 4.0, 5.0])
    paths = polyline_paths(x, y, lambda v: 10 * v, lambda v: 100 - 10 * v)
    assert paths == ["M0 90l10 -10", "M30 70l10 -10 10 -10"]
    svg = line_plot(Plot([Line("ref", list(x), [None, 1, 2, 3, 4, 5])], "time (s)", "HR (bpm)", "t"))
    assert svg.startswith("<svg") and svg.endswith("</svg>") and svg.count("<path") == 1
    assert svg.count("<circle") == 5  # short lines get a dot per point: a one-window series still shows


def test_rows_of_older_runs_show_the_example_series_or_say_none_was_kept():
    t = np.arange(0, 20, 1 / 30)
    legacy = {"dataset": "d", "video": "v", "method": "pos", "status": "ok", "hr_pred": 72.0, "hr_true": 72.0,
              "_waveform": {"t": t.tolist(), "pred": (0.5 + 0.5 * np.sin(2 * np.pi * 1.2 * t)).tolist(),
                            "ref": (0.5 + 0.5 * np.cos(2 * np.pi * 1.2 * t)).tolist()},
              "_win_hr": {"t": [5.0, 6.0], "true": [72.0, 72.5], "pred": [71.0, 73.0]}}
    series = row_series(legacy)
    assert series["spectrum"] is None and series["win_hr"] == legacy["_win_hr"]
    assert abs((len(series["wave"]["pred"]) - 1) * series["wave"]["dt"] - 10.0) < 0.1  # first 10 s kept
    colours = method_colours(["pos"])
    assert video_panel("v0", "d", "v", [legacy], colours).count("<svg") == 2  # HR over time, waveform
    bare = {k: v for k, v in legacy.items() if not k.startswith("_")}
    assert "No series stored" in video_panel("v0", "d", "v", [bare], colours)
    assert "<img" not in video_panel("v0", "d", "v", [legacy], colours)  # no ROI frames kept: none shown


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def open_in_chromium(page: str, *args: str) -> subprocess.CompletedProcess:
    """Headless Chromium on ``page`` (a file URL) with ``args``; console messages go to stderr."""
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", *args, page], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(chromium() is None, reason="no headless browser: install Debian's `chromium` package "
                                               "(apt-get install chromium) to check the page's script")
def test_page_script_sorts_filters_and_shows_panels_in_chromium(run, tmp_path):
    url = (run / "index.html").resolve().as_uri()
    dom = open_in_chromium(f"{url}#sort=hr_abs_error&desc=1&status=ok&video=v1", "--dump-dom")
    assert dom.returncode == 0 and "Uncaught" not in dom.stderr, dom.stderr[-2000:]
    page = parse_page(dom.stdout)
    assert page.body.get("data-ready") == "1" and page.body.get("data-panel") == "v1"
    # sorted by |HR error|, largest first, failed rows (no value) last and filtered out
    errors = [column(r, 6) for r in page.result_rows]
    values = [float(e) for e in errors if e]
    assert values == sorted(values, reverse=True) and len(values) == 3 * len(METHODS)
    assert errors[len(values):] == [""] * (len(errors) - len(values))
    assert all(("hidden" in r) == (r["data-status"] != "ok") for r in page.result_rows)
    shown = [pid for pid, a in page.panels.items() if "hidden" not in a]
    assert shown == ["v1"] and page.svg_per_panel["v1"] > 0 and len(page.roi_images["v1"]) == 3
    # the same page sorted by video name, ascending
    page = parse_page(open_in_chromium(f"{url}#sort=video", "--dump-dom").stdout)
    names = [column(r, 0) for r in page.result_rows]
    assert names == sorted(names) and page.result_rows[0]["cells"] and "Uncaught" not in dom.stderr
    static = parse_page((run / "index.html").read_text(encoding="utf-8"))
    easy = next(r["data-panel"] for r in static.result_rows if column(r, 0) == "subject1")
    shot = tmp_path / "index.png"  # the page with the easy video's plots, a test artefact
    result = open_in_chromium(f"{url}#video={easy}", "--window-size=1300,2400", f"--screenshot={shot}")
    assert result.returncode == 0 and "Uncaught" not in result.stderr
    assert shot.stat().st_size > 20_000
    print(f"screenshot: {shot}")
