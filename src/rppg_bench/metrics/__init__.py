"""Signal post-processing, alignment, heart-rate estimation and error metrics."""
