"""Shared per-video preprocessing: face landmarks, skin ROI trace and face crops.

One decoding pass per video produces a ``VideoProducts``: the per-frame mean
RGB over the skin region, the square face box per frame and, when asked, face
crops for learned methods. Products are memoised on the ``Recording``
(``recording.products``), so seven methods on one video decode it once, and
optionally cached on disk.

Modules, from the bottom up:

- ``params``: ``FaceParams``, the preprocessing settings;
- ``products``: ``VideoProducts``, what one pass yields;
- ``decode``: frame decoding (a video file as a ``Recording``, decoding ahead
  on a thread, frame times);
- ``roi``: skin polygons and their mean colour, face squares and crops;
- ``landmarks``: MediaPipe FaceMesh, per frame or on keyframes (its C++ log
  lines kept off the terminal by ``rppg_bench.native_logs``);
- ``landmark_roi``: products of the landmark-tracked skin regions;
- ``haar``: products of rPPG-Toolbox's first-frame Haar box;
- ``kinds``: the table of ROI kinds (how each computes its products);
- ``store``: the products memo on the recording, the disk cache and the
  entry points ``video_products`` / ``rgb_trace``.
"""
