"""civicshare: one platform on which many councils run their online services together."""

__version__ = "0.1.0"
