"""Registration codes (登记编号) of CAT-4, shared by the services that register: catalog
(data resources) and product-release (products).

A code is unique in the country: the six-digit region prefix, a type letter (R for a
data resource, P for a product), a ten-digit sequence within the region, and one check
character by ISO/IEC 7064 MOD 37,36 so a mistyped code is caught before any lookup.
The sequence of each kind is kept by the service that registers that kind.
"""

from __future__ import annotations

import re
from typing import Literal

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
KINDS = {"resource": "R", "product": "P"}
CODE_PATTERN = re.compile(r"^[1-9]\d{5}[RP]\d{10}[0-9A-Z]$")


def check_character(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid system) check character over ``body``."""
    modulus = 36
    product = modulus
    for char in body:
        total = (product + ALPHABET.index(char)) % modulus or modulus
        product = (total * 2) % (modulus + 1)
    return ALPHABET[(modulus + 1 - product) % modulus]


def registration_code(region: str, kind: Literal["resource", "product"], sequence: int) -> str:
    if not 0 < sequence < 10**10:
        raise ValueError("registration sequence out of range")
    body = f"{region}{KINDS[kind]}{sequence:010d}"
    return body + check_character(body)


def is_valid_code(code: str) -> bool:
    return bool(CODE_PATTERN.match(code)) and check_character(code[:-1]) == code[-1]
