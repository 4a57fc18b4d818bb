"""Persistence: the RDB codec (``rdb/``) and snapshots (``saver.py``)."""
