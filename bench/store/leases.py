"""Leases: which run holds which cell of a store, so that concurrent runs never train the
same cell. A mixin of :class:`bench.store.Store` (the ``leases`` table).

Public:
    claim_owner() -> str        a run's owner id (host, pid): a dead local owner's claims
                                are retaken at once, a remote one's when its lease expires
    Leases                      the store's lease methods
        .claim(keys, owner, lease_s) -> set[str]
        .renew(owner, lease_s)
        .release(owner)

Expiry times are read from the store's ``clock`` (``time.time`` unless a test injects
another), so a lease's end can be tested without waiting for it.
"""

from __future__ import annotations

import os
import socket
import uuid


def claim_owner() -> str:
    """A run's claim owner: ``host:pid:random``, so a run on this host can tell that the
    owner of a claim has died (and retake its cells at once, without waiting for expiry)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _owner_is_dead(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run: only its lease's expiry frees its cells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Leases:
    """Claims on cell keys with an expiry; mixed into :class:`bench.store.Store`, whose
    connection (``_db``), transactions (``_tx``) and ``clock`` it uses."""

    def claim(self, keys: list[str], owner: str, lease_s: float) -> set[str]:
        """Claim the cells of ``keys`` that are neither stored nor held by another live run.

        A claim expires ``lease_s`` seconds from now unless its owner renews it, so the
        cells of a run that was killed can be retaken once its lease runs out.

        Returns:
            The keys now held by ``owner``.
        """
        now = self.clock()
        with self._tx():
            self._db.execute("DELETE FROM leases WHERE expires < ?", (now,))
            owners = {o for (o,) in self._db.execute("SELECT DISTINCT owner FROM leases")}
            dead = [o for o in owners if o != owner and _owner_is_dead(o)]
            self._db.executemany("DELETE FROM leases WHERE owner = ?", [(o,) for o in dead])
            taken = {k for (k,) in self._db.execute("SELECT key FROM results")}
            taken |= {
                k for (k,) in self._db.execute("SELECT key FROM leases WHERE owner != ?", (owner,))
            }
            granted = [k for k in keys if k not in taken]
            self._db.executemany(
                "INSERT OR REPLACE INTO leases (key, owner, expires) VALUES (?, ?, ?)",
                [(k, owner, now + lease_s) for k in granted],
            )
        return set(granted)

    def renew(self, owner: str, lease_s: float) -> None:
        """Extend every claim ``owner`` holds by ``lease_s`` from now."""
        with self._tx():
            self._db.execute(
                "UPDATE leases SET expires = ? WHERE owner = ?", (self.clock() + lease_s, owner)
            )

    def release(self, owner: str) -> None:
        """Drop every claim ``owner`` holds (its run is over)."""
        with self._tx():
            self._db.execute("DELETE FROM leases WHERE owner = ?", (owner,))
