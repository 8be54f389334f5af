"""Realistic, repeatable things people tell an assistant: personal facts, preferences, plans and
conversation turns, with lengths that have a long tail.

Faker is slow per call (~20 µs a sentence), so each process builds a pool of sentences once from
the run's seed and each simulated user composes texts from it with its own ``random.Random``: the
same seed and user index give the same texts, whatever the interleaving of users.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass

from faker import Faker

POOL_SENTENCES_PER_KIND = 300
MEDIAN_SENTENCES = 2.0
SENTENCES_SIGMA = 0.9  # lognormal: most memories are a sentence or three, a few run to dozens
MAX_SENTENCES = 120  # keeps a memory well under the reference target's 64 KiB limit

_FACTS = (
    "My {relation} {first_name} lives in {city}.",
    "I work as a {job} at {company}.",
    "My birthday is on {date}.",
    "I moved to {city} in {year}.",
    "My {relation} {first_name} is allergic to {food}.",
    "Our dog is called {first_name} and she is {digit} years old.",
)
_PREFERENCES = (
    "I prefer {color} over any other colour for clothes.",
    "I don't eat {food}; please never suggest it.",
    "My favourite place for a weekend is {city}.",
    "I like to read about {word} before going to sleep.",
    "When I travel I always book a window seat.",
    "I drink my coffee {coffee}.",
)
_PLANS = (
    "Next {weekday} I'm meeting {first_name} at {company} to talk about {word}.",
    "Remind me to call {first_name} about the {word} on {date}.",
    "I plan to visit {city} in {month} with my {relation}.",
    "I need to renew my passport before {date}.",
    "On {weekday} evening I have a {word} class at {time}.",
)
_TURNS = (
    "User: can you remember that {first_name} prefers {color}? "
    "Assistant: Noted, {first_name} prefers {color}.",
    "User: what did I say about {city}? Assistant: You said you want to move there in {year}.",
    "User: book a table for {digit} on {weekday}. Assistant: Done, {time} at a place near {city}.",
    "User: I'm feeling {mood} today. Assistant: Thanks for telling me; want to talk about it?",
)
_QUESTIONS = (
    "Where does my {relation} live?",
    "What do I prefer to wear?",
    "What are my plans for {weekday}?",
    "What did I say about {word}?",
    "When is my birthday?",
    "Who am I meeting next week?",
    "What food should you never suggest to me?",
    "What did we talk about regarding {city}?",
)
KINDS = {"fact": _FACTS, "preference": _PREFERENCES, "plan": _PLANS, "turn": _TURNS}
_RELATIONS = ("sister", "brother", "mother", "father", "partner", "friend", "colleague", "son", "daughter")
_FOODS = ("peanuts", "shellfish", "gluten", "mushrooms", "olives", "cilantro", "dairy")
_COFFEE = ("black", "with oat milk", "with two sugars", "as a flat white", "iced")
_MOODS = ("tired", "happy", "anxious", "excited", "calm")


@dataclass(frozen=True)
class ContentPool:
    sentences: dict[str, tuple[str, ...]]
    questions: tuple[str, ...]
    words: tuple[str, ...]

    @classmethod
    def build(cls, seed: int) -> ContentPool:
        fake = Faker("en_US")
        fake.seed_instance(seed)
        rng = random.Random(seed)
        sentences = {
            kind: tuple(_fill(rng.choice(templates), fake, rng) for _ in range(POOL_SENTENCES_PER_KIND))
            for kind, templates in KINDS.items()
        }
        questions = tuple(_fill(rng.choice(_QUESTIONS), fake, rng) for _ in range(POOL_SENTENCES_PER_KIND))
        words = tuple(fake.word() for _ in range(POOL_SENTENCES_PER_KIND))
        return cls(sentences=sentences, questions=questions, words=words)


def _fill(template: str, fake: Faker, rng: random.Random) -> str:
    return template.format_map(_LazyValues(fake, rng))


def _day_of_year(rng: random.Random) -> str:
    """A date like "March 04" drawn from rng. Faker's date and time makers draw relative to the
    current clock, so the same seed gave other content on another day (or across a second)."""
    return (datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(365))).strftime("%B %d")


class _LazyValues(dict):
    """Makes only the values a template names (Faker calls cost ~20 µs each)."""

    def __init__(self, fake: Faker, rng: random.Random) -> None:
        super().__init__()
        self.fake, self.rng = fake, rng

    def __missing__(self, key: str) -> object:
        fake, rng = self.fake, self.rng
        makers = {
            "relation": lambda: rng.choice(_RELATIONS),
            "first_name": fake.first_name,
            "city": fake.city,
            "job": fake.job,
            "company": fake.company,
            "date": lambda: _day_of_year(rng),
            "year": lambda: rng.randint(2027, 2032),
            "food": lambda: rng.choice(_FOODS),
            "digit": lambda: rng.randint(2, 9),
            "color": fake.color_name,
            "word": fake.word,
            "coffee": lambda: rng.choice(_COFFEE),
            "weekday": fake.day_of_week,
            "month": fake.month_name,
            "time": lambda: f"{rng.randrange(12, 22):02d}:{rng.randrange(0, 60, 15):02d}",
            "mood": lambda: rng.choice(_MOODS),
        }
        value = makers[key]()
        self[key] = value
        return value


class UserContent:
    """One simulated user's stream of texts: deterministic from (seed, user index)."""

    def __init__(self, pool: ContentPool, *, seed: int, user_index: int) -> None:
        self.pool = pool
        self.rng = random.Random(seed * 1_000_003 + user_index)
        self.kinds = tuple(pool.sentences)

    def sentence_count(self) -> int:
        drawn = self.rng.lognormvariate(math.log(MEDIAN_SENTENCES), SENTENCES_SIGMA)
        return max(1, min(MAX_SENTENCES, round(drawn)))

    def memory(self) -> str:
        kind = self.rng.choice(self.kinds)
        sentences = self.pool.sentences[kind]
        return " ".join(self.rng.choice(sentences) for _ in range(self.sentence_count()))

    def fresh_query(self) -> str:
        return " ".join(self.rng.choices(self.pool.words, k=self.rng.randint(2, 6)))

    def query_from(self, earlier: str) -> str:
        """A query made of a slice of an earlier memory: the kind of recall that should hit."""
        words = earlier.split()
        if len(words) <= 6:
            return earlier
        start = self.rng.randrange(0, len(words) - 4)
        return " ".join(words[start : start + self.rng.randint(4, 12)])

    def question(self) -> str:
        return self.rng.choice(self.pool.questions)

    def chat_messages(self) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": "You are a helpful assistant with a memory of the user."},
            {"role": "user", "content": self.question()},
        ]
