"""Password hashing with argon2id, off the event loop (a hash takes ~150 ms at full cost)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# "fast" is for tests and demo seeding only; settings refuse it in production.
_HASHERS = {
    "standard": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_cost = "standard"


def use_cost(cost: str) -> None:
    global _cost
    _cost = cost


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHERS[_cost].hash, password)


async def verify_password(stored_hash: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _HASHERS["standard"].verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


# A hash to verify against when the login does not exist, so both paths take as long.
DUMMY_HASH = _HASHERS["standard"].hash("not a password")
