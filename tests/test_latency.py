"""The query-latency benchmark compares like with like: on the seeds, our API, the hand-written Cypher
and the Neo4j GraphQL Library give the same answer to each of its questions."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest

from bench import latency
from graph.db import Graph
from graph.settings import Settings


@pytest.fixture(scope="module")
def endpoints(seeded: Graph, settings: Settings,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[latency.Endpoints]:
    with latency.servers(settings, tmp_path_factory.mktemp("latency")) as found:
        yield found


def agree(endpoints: latency.Endpoints, questions: tuple[latency.Question, ...]) -> dict[str, int]:
    async def ask() -> dict[str, int]:
        async with endpoints:
            return await latency.check(endpoints, latency.SEEDS, questions)

    return asyncio.run(ask())


def test_the_three_forms_of_each_question_agree(endpoints: latency.Endpoints) -> None:
    sizes = agree(endpoints, latency.QUESTIONS)
    assert list(sizes) == [q.name for q in latency.QUESTIONS]
    assert len(sizes) == 10
    assert all(isinstance(size, int) for size in sizes.values()), sizes  # every form answered every question


def test_a_different_answer_is_caught(endpoints: latency.Endpoints) -> None:
    lookup = next(q for q in latency.QUESTIONS if q.name == "lookup")
    wrong = dataclasses.replace(lookup, cypher=lookup.cypher.replace("{id: $id}", "{id: 'ksdp'}"))
    with pytest.raises(latency.Disagreement, match="cypher answers differently"):
        agree(endpoints, (wrong,))
