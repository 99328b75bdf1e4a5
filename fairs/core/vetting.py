"""Vetting an employer before it takes part in a fair: what the organizer should look at.

The flags are hints for a person, never an automatic refusal: the organizer approves or
rejects with a reason. Job postings that restrict by sex, ethnicity, birthplace, marital or
childbearing status break the Employment Promotion Law (就业促进法 arts. 27–31); an age limit
is allowed but is noted, since older workers are a priority group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

REQUIRED_DOCUMENTS = ("business_licence",)
"""Documents every employer attaches (a copy of the 营业执照); organizers may ask for more."""

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sex", re.compile(r"限男|限女|仅限男|仅限女|男性优先|女性优先|只招男|只招女|男士优先|女士优先|\bmale only\b|"
                       r"\bfemale only\b|\bmen only\b|\bwomen only\b", re.IGNORECASE)),
    ("ethnicity", re.compile(r"限汉族|仅限汉族|汉族优先|不招少数民族|\bhan only\b", re.IGNORECASE)),
    ("birthplace", re.compile(r"不招[\u4e00-\u9fff]{1,3}(?:籍|人)|限本地户口|仅限本地户籍|本地户籍优先|外地人勿扰")),
    ("marriage_or_children", re.compile(r"已婚已育|未婚|不接受孕妇|限未育|\bunmarried\b", re.IGNORECASE)),
    ("health", re.compile(r"乙肝(?:携带者)?(?:勿扰|不要|不招)|不招乙肝")),
    ("age_limit", re.compile(r"(?:\d{2}\s*(?:周)?岁以下|\d{2}\s*[-~至到]\s*\d{2}\s*(?:周)?岁|年龄\s*\d{2})")),
)
_SERIOUS = {"sex", "ethnicity", "birthplace", "marriage_or_children", "health"}


@dataclass(frozen=True)
class Posting:
    position_id: int
    title: str
    description: str


def posting_flags(postings: Iterable[Posting]) -> list[str]:
    """One flag per (posting, rule) that matches, e.g. ``position 12 焊工: may discriminate by
    sex ("限男性")``. Serious rules say "may discriminate"; an age limit says "age limit"."""
    flags = []
    for posting in postings:
        text = f"{posting.title}\n{posting.description}"
        for rule, pattern in _RULES:
            found = pattern.search(text)
            if found:
                what = f"may discriminate by {rule.replace('_', ' ')}" if rule in _SERIOUS else "states an age limit"
                flags.append(f'position {posting.position_id} {posting.title}: {what} ("{found.group(0)}")')
    return flags


def document_flags(documents: Sequence[str]) -> list[str]:
    """Missing required documents, e.g. ``missing document business_licence``."""
    return [f"missing document {name}" for name in REQUIRED_DOCUMENTS if name not in documents]
