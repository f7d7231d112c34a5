"""monitor: find what people say about your brands on forums, review portals and feeds."""

__version__ = "0.1.0"
