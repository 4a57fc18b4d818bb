"""Sentinel mode: monitoring of Redis primaries, their replicas and fellow sentinels.

``ENABLED`` is set by ``sentinel.main`` before the command table is built: the table
then also declares SENTINEL and is cut down to Sentinel mode's commands (mode.py).
"""

ENABLED = False
