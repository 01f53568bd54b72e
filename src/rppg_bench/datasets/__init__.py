"""Dataset loaders: each turns an on-disk layout into ``Recording`` objects."""

from .errors import DatasetError, RecordingError
from .recording import ImageSequence, Recording, VideoFile

__all__ = ["DatasetError", "ImageSequence", "Recording", "RecordingError", "VideoFile"]
