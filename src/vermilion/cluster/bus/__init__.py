"""The cluster bus: clusterMsg encoding (messages.py), message handling (gossip.py) and
the asyncio links (link.py)."""
