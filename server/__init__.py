"""FakeScope local inference server: checks images, video and audio for signs of manipulation."""

__version__ = "0.1.0"
