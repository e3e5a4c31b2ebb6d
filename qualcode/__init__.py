"""qualcode: a terminal toolkit for qualitative interview research."""

__version__ = "0.1.0"
