"""Sentinel mode: monitoring of Redis primaries, their replicas and fellow sentinels."""
