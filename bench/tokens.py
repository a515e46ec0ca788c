"""Token verification in the shared verifier: verifications per second on one core.

Every request to every service passes through ``TokenVerifier.verify`` (EdDSA signature,
issuer, audience, time and claim checks), so its rate bounds every endpoint's rate.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.harness import Result, percentiles
from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer, TokenVerifier
from libs.clock import SystemClock
from libs.secrets.keyring import LocalKeyring


async def verify_rate(n: int, *, reuse: bool) -> Result:
    """``reuse``: clients present the same tokens again (the normal case, served from the
    verifier's memory); otherwise every token is new and fully verified."""
    with tempfile.TemporaryDirectory(prefix="pdo-bench-tokens-") as tmp:
        keyring = LocalKeyring(Path(tmp) / "keyring.bin", "bench-only", scrypt_log2_n=10)
        clock = SystemClock()
        issuer = TokenIssuer(keyring, clock, region="370300")
        verifier = TokenVerifier(keyring, clock, region="370300", cache_size=20_000 if reuse else 0)
        who = Principal(user_id="u", org_id="org-370300-tax", role=Role.PROVIDER, region="370300")
        tokens = [await issuer.issue(who) for _ in range(100)]
        await verifier.verify(tokens[0])  # loads the key set once, as a warm service has
        latencies: list[float] = []
        start = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            await verifier.verify(tokens[i % len(tokens)])
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
    p50, p99 = percentiles(latencies)
    name = "token verify, token reused" if reuse else "token verify, every token new"
    return Result(name, n, elapsed, p50, p99)


if __name__ == "__main__":
    print(asyncio.run(verify_rate(20_000, reuse=False)).row())
    print(asyncio.run(verify_rate(20_000, reuse=True)).row())
