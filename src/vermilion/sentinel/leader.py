"""Epochs and votes (``sentinelVoteLeader`` / ``sentinelGetLeader``).

A sentinel votes at most once per epoch: the first candidate asking in a new epoch gets
the vote; the winner needs an absolute majority of voters and at least the quorum.
"""

from __future__ import annotations


class Votes:
    def __init__(self):
        self.current_epoch = 0

    def vote(self, primary, req_epoch: int, req_runid: str) -> tuple[str, int]:
        """Reply for IS-MASTER-DOWN-BY-ADDR with a run id: (leader, leader_epoch)."""
        if req_epoch > self.current_epoch:
            self.current_epoch = req_epoch
        if primary.leader_epoch < req_epoch and self.current_epoch <= req_epoch:
            primary.leader = req_runid
            primary.leader_epoch = self.current_epoch
        return primary.leader, primary.leader_epoch


def winner(votes: dict[str, str], voters: int, quorum: int) -> str | None:
    """The run id with a majority of ``voters`` and at least ``quorum`` votes, if any."""
    counts: dict[str, int] = {}
    for runid in votes.values():
        if runid:
            counts[runid] = counts.get(runid, 0) + 1
    if not counts:
        return None
    best, n = max(counts.items(), key=lambda kv: kv[1])
    if n < voters // 2 + 1 or n < quorum:
        return None
    return best
