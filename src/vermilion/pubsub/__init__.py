"""Pub/Sub: channel, pattern and shard-channel subscriptions (``channels.py``) and the
output-buffer limits that disconnect slow subscribers (``limits.py``)."""
