"""A small JSON path: dotted keys and ``[index]`` (``data.memory.uuid``, ``hits``, ``hits[0].text``);
``[*]`` takes every item of a list (``data.created[*].uuid``). ``$`` alone is the whole answer."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]|\.")
MISSING = object()  # what a path finds where its key or index is not


def parse_path(text: str) -> tuple[str | int, ...]:
    """The steps of ``text``: keys (str), indexes (int) and ``*``; ValueError naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a JSON path is dotted keys and [index], e.g. data.memory.uuid or hits[0].text")
    if text == "$":
        return ()
    steps: list[str | int] = []
    position, expect_key = 0, True
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"{text!r}: unexpected {text[position]!r} at character {position + 1}")
        key, index = match.group(1), match.group(2)
        if key is not None:
            if not expect_key:
                raise ValueError(f"{text!r}: a key after {steps[-1]!r} needs a dot before it")
            steps.append(key)
            expect_key = False
        elif index is not None:
            if expect_key and not steps:
                raise ValueError(f"{text!r}: starts with an index; start with a key (or use $)")
            steps.append("*" if index == "*" else int(index))
            expect_key = False
        else:  # a dot
            if expect_key:
                raise ValueError(f"{text!r}: an empty key (two dots, or a leading dot)")
            expect_key = True
        position = match.end()
    if expect_key:
        raise ValueError(f"{text!r}: ends with a dot")
    return tuple(steps)


def find(document: Any, steps: tuple[str | int, ...]) -> Any:
    """What ``steps`` reach in ``document``, or MISSING; after ``*`` a list of what each item has
    (items without it left out)."""
    current = document
    for at, step in enumerate(steps):
        if step == "*":
            if not isinstance(current, list):
                return MISSING
            found = [find(item, steps[at + 1 :]) for item in current]
            return [item for item in found if item is not MISSING]
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return MISSING
            current = current[step]
        elif isinstance(current, dict) and step in current:
            current = current[step]
        else:
            return MISSING
    return current
