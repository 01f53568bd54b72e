"""The live view (``rppg-bench live``): a camera or a video played as one, the tracked ROI, and each
method's pulse and heart rate as frames arrive.

``window`` the sliding window (pure), ``tracks`` one per method, ``draw`` the picture, ``display`` the
window, ``recorder`` ``--record``, ``session`` the loop and its measurements, ``cli`` the command line.
Frame sources and the per-frame face pass are shared with the ResNet's ``stream`` command
(:mod:`rppg_bench.preprocessing.streaming`).
"""
