"""Deterministic demo journeys and feedback answers, so the demo councils' dashboards show all four
service measures: every day's web requests were sent from journeys started on the website (a completion
rate of about 70 to 90%), and about one in eight of them answered the feedback question."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from civicshare.savings.channels import Channel
from civicshare.savings.demo_data import DemoCount
from civicshare.savings.feedback import Rating

ANSWER_SHARE = 0.125
# How often each answer is given: mostly satisfied, as GOV.UK services' results tend to be.
RATING_WEIGHTS = {
    Rating.VERY_SATISFIED: 40,
    Rating.SATISFIED: 32,
    Rating.NEITHER: 12,
    Rating.DISSATISFIED: 9,
    Rating.VERY_DISSATISFIED: 7,
}
COMMENTS = {
    Rating.VERY_SATISFIED: "Quick and easy, thank you.",
    Rating.SATISFIED: "Easy enough, but I was not sure which option to pick.",
    Rating.NEITHER: "It was fine.",
    Rating.DISSATISFIED: "I could not find how to add a second address.",
    Rating.VERY_DISSATISFIED: "The page timed out and I had to start again.",
}

JourneyRecord = tuple[date, str, int, int]
RatingRecord = tuple[date, str, int, int]
CommentRecord = tuple[date, str, int, str]


@dataclass(frozen=True)
class DemoMeasures:
    journeys: list[JourneyRecord]  # (day, service, started, sent)
    ratings: list[RatingRecord]  # (day, service, rating, count)
    comments: list[CommentRecord]  # (day, service, rating, comment)


def demo_measures(platform: Iterable[DemoCount], seed: int) -> DemoMeasures:
    """Journey counts, rating counts and comments from the web counts."""
    rng = random.Random(seed * 31 + 18)
    ratings = list(RATING_WEIGHTS)
    weights = list(RATING_WEIGHTS.values())
    journeys: list[JourneyRecord] = []
    ratings_given: Counter[tuple[date, str, int]] = Counter()
    comments: list[CommentRecord] = []
    for day, service, channel, count in platform:
        if channel is not Channel.WEB or not count:
            continue
        completion = rng.uniform(0.7, 0.9)
        journeys.append((day, service, round(count / completion), count))
        for _ in range(int(count * ANSWER_SHARE + rng.random())):  # rounded at random: ANSWER_SHARE on average
            rating = rng.choices(ratings, weights)[0]
            ratings_given[(day, service, int(rating))] += 1
            if rng.random() < 0.1:
                comments.append((day, service, int(rating), COMMENTS[rating]))
    return DemoMeasures(journeys, [(*key, count) for key, count in sorted(ratings_given.items())], comments)
