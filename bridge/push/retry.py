"""The retry policy: capped exponential backoff with jitter; pure (the caller supplies the randomness)."""

from __future__ import annotations

from dataclasses import dataclass

_MAX_EXPONENT = 62


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """Delays between attempts: `initial * multiplier**(n-1)`, capped at `maximum`, less up to `jitter` of it.

    Attributes:
        initial: the delay after the first failure, in seconds.
        maximum: the cap, in seconds.
        multiplier: growth per failed attempt.
        jitter: fraction of the delay drawn at random (0 keeps it exact, 1 is "full jitter").

    """

    initial: float = 0.5
    maximum: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial:
            raise ValueError("backoff wants 0 < initial <= maximum")
        if self.multiplier < 1 or not 0 <= self.jitter <= 1:
            raise ValueError("backoff wants multiplier >= 1 and 0 <= jitter <= 1")

    def ceiling(self, attempt: int) -> float:
        """Return the delay before jitter after `attempt` consecutive failures (1-based)."""
        exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
        return min(self.maximum, self.initial * self.multiplier**exponent)

    def delay(self, attempt: int, rand: float, retry_after: float | None = None) -> float:
        """Seconds to wait after `attempt` consecutive failures.

        Args:
            attempt: how many attempts in a row have failed (1 after the first failure).
            rand: a uniform draw in [0, 1) (injected so the policy stays pure and testable).
            retry_after: what the gateway asked for; honoured up to `maximum`.

        Returns:
            A delay in `[ceiling * (1 - jitter), ceiling]`, or the gateway's wish if longer.

        """
        ceiling = self.ceiling(attempt)
        chosen = ceiling * (1.0 - self.jitter * min(max(rand, 0.0), 1.0))
        if retry_after is not None:
            chosen = max(chosen, min(retry_after, self.maximum))
        return chosen
