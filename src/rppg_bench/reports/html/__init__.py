"""The report as one self-contained HTML page (``index.html``); see :mod:`.page`."""
