"""Pure arithmetic in stats.py and probe selection in probes.py."""

from __future__ import annotations

import string

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim_tui.callbacks.events import Neighbour, ProbeNeighbours
from gensim_tui.callbacks.probes import AUTO_PROBES, neighbours_of, pick_probes
from gensim_tui.callbacks.stats import eta_seconds, loss_change, neighbour_overlap, scheduled_alpha


def alphabetic_words(count: int) -> list[str]:
    """Return *count* distinct alphabetic words of three or more letters ("aaa", "aab", ...)."""
    letters = string.ascii_lowercase
    return [letters[i // 676] + letters[i // 26 % 26] + letters[i % 26] for i in range(count)]


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (None, 100.0, (None, None)),
        (100.0, None, (None, None)),
        (None, None, (None, None)),
        (0.0, 5.0, (5.0, None)),
        (0.0, 0.0, (0.0, None)),
        (100.0, 90.0, (-10.0, -10.0)),
        (100.0, 125.0, (25.0, 25.0)),
        (80.0, 80.0, (0.0, 0.0)),
        (-100.0, -50.0, (50.0, 50.0)),
    ],
)
def test_loss_change_table(
    previous: float | None, current: float | None, expected: tuple[float | None, float | None]
) -> None:
    delta, percent = loss_change(previous, current)
    expected_delta, expected_percent = expected

    if expected_delta is None:
        assert delta is None
    else:
        assert delta == pytest.approx(expected_delta)
    if expected_percent is None:
        assert percent is None
    else:
        assert percent == pytest.approx(expected_percent)


@pytest.mark.parametrize(
    ("elapsed", "epoch", "epochs", "fraction", "expected"),
    [
        (10.0, 1, 0, 0.5, None),
        (10.0, 1, -2, 0.5, None),
        (10.0, 1, 5, 0.0, None),
        (10.0, 1, 5, -0.3, None),
        (0.0, 2, 5, 0.5, None),
        (-1.0, 2, 5, 0.5, None),
        (10.0, 1, 2, 0.5, 30.0),
        (10.0, 2, 2, 0.0, 10.0),
        (10.0, 2, 2, 1.0, 0.0),
        (10.0, 2, 2, 1.7, 0.0),
        (12.0, 3, 4, 0.0, 12.0),
        (5.0, 1, 1, 0.25, 15.0),
    ],
)
def test_eta_seconds_table(elapsed: float, epoch: int, epochs: int, fraction: float, expected: float | None) -> None:
    eta = eta_seconds(elapsed, epoch, epochs, fraction)

    if expected is None:
        assert eta is None
    else:
        assert eta == pytest.approx(expected)


@pytest.mark.parametrize(
    ("alpha", "min_alpha", "epochs", "position", "expected"),
    [
        (0.025, 0.0001, 5, 0.0, 0.025),
        (0.025, 0.0001, 5, 2.5, 0.01255),
        (0.025, 0.0001, 5, 5.0, 0.0001),
        (0.025, 0.0001, 5, 7.0, 0.0001),
        (0.05, 0.01, 4, 1.0, 0.04),
        (0.025, 0.0001, 0, 3.0, 0.025),
        (0.025, 0.0001, -1, 3.0, 0.025),
    ],
)
def test_scheduled_alpha_table(alpha: float, min_alpha: float, epochs: int, position: float, expected: float) -> None:
    assert scheduled_alpha(alpha, min_alpha, epochs, position) == pytest.approx(expected)


def test_scheduled_alpha_matches_gensim() -> None:
    model = Word2Vec(vector_size=10, alpha=0.03, min_alpha=0.002, epochs=4)

    for epoch in range(4):
        for progress in (0.0, 0.3, 0.999):
            expected = model._get_next_alpha(progress, epoch)
            assert scheduled_alpha(0.03, 0.002, 4, epoch + progress) == pytest.approx(expected), (epoch, progress)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([], ["a"], None),
        (["a"], [], None),
        ([], [], None),
        (["a", "b"], ["a", "b"], 1.0),
        (["a", "b"], ["b", "a"], 1.0),
        (["a", "b"], ["c", "d"], 0.0),
        (["a", "b", "c", "d"], ["b", "x"], 0.5),
        (["a"], ["a", "x", "y", "z"], 0.25),
        (["дом", "学校"], ["学校", "집"], 0.5),
    ],
)
def test_neighbour_overlap_table(before: list[str], after: list[str], expected: float | None) -> None:
    overlap = neighbour_overlap(before, after)

    if expected is None:
        assert overlap is None
    else:
        assert overlap == pytest.approx(expected)


def test_pick_probes_empty_vocabulary() -> None:
    assert pick_probes([]) == ()


def test_pick_probes_zero_count() -> None:
    assert pick_probes(alphabetic_words(100), count=0) == ()


def test_pick_probes_skips_most_frequent() -> None:
    words = alphabetic_words(200)

    probes = pick_probes(words)

    # 200 words: the 20 most frequent are skipped and the 180 left are sampled every 45th.
    assert probes == (words[20], words[65], words[110], words[155])


def test_pick_probes_window_ends_at_1020() -> None:
    words = alphabetic_words(5000)

    probes = pick_probes(words)

    assert len(probes) == AUTO_PROBES
    assert all(words.index(probe) in range(20, 1020) for probe in probes)


def test_pick_probes_rejects_short_and_non_alphabetic() -> None:
    noise = ["2001", "u.s.", "ab", "x", "e-mail", "a1b2c3", "42nd", "--"]
    words = alphabetic_words(30) + noise * 10

    probes = pick_probes(words)

    assert len(probes) == AUTO_PROBES
    for probe in probes:
        assert probe not in noise


def test_pick_probes_falls_back_to_window() -> None:
    # Fewer than four alphabetic words of three letters, so any word in the window qualifies.
    words = ["the", "of", "a", "1999", "to", "u.s."]

    probes = pick_probes(words)

    assert probes == ("the", "of", "a", "1999")


def test_pick_probes_fewer_words_than_count() -> None:
    assert pick_probes(["один"]) == ("один",)
    assert pick_probes(["a", "b"]) == ("a", "b")


@pytest.mark.parametrize(
    "words",
    [
        ["학교에서", "도서관에서", "공부합니다", "읽습니다", "사람들은", "한국어를", "선생님이", "친구들과"],
        ["человек", "переулке", "каморки", "хозяйкой", "лестнице", "кровлей", "жильцов", "нерешимости"],
        ["图书馆", "大学生", "计算机", "中华人民", "火车站", "博物馆", "天安门", "飞机场"],
    ],
    ids=["korean", "russian", "chinese"],
)
def test_pick_probes_non_ascii(words: list[str]) -> None:
    vocabulary = ["and", "of", "1999", *words]

    probes = pick_probes(vocabulary)

    assert len(probes) == AUTO_PROBES
    assert len(set(probes)) == AUTO_PROBES
    for probe in probes:
        assert probe in words


def test_pick_probes_count_and_distinct() -> None:
    words = alphabetic_words(500)

    for count in (1, 2, 7, 12):
        probes = pick_probes(words, count)
        assert len(probes) == count
        assert len(set(probes)) == count


def _vectors(rows: dict[str, list[float]]) -> KeyedVectors:
    vectors = KeyedVectors(vector_size=2)
    vectors.add_vectors(list(rows), np.array(list(rows.values()), dtype=np.float32))
    return vectors


def test_neighbours_of_marks_new_words() -> None:
    vectors = _vectors(
        {
            "north": [1.0, 0.0],
            "up": [0.9, 0.1],
            "high": [0.8, 0.3],
            "east": [0.0, 1.0],
            "south": [-1.0, 0.0],
        }
    )
    previous = {
        "north": ProbeNeighbours("north", (Neighbour("up", 0.9, False), Neighbour("east", 0.1, False)), 7, True),
    }

    (north,) = neighbours_of(vectors, ["north"], {"north": 7}, 2, previous)

    assert north.in_vocabulary
    assert north.count == 7
    assert [n.word for n in north.neighbours] == ["up", "high"]
    assert [n.is_new for n in north.neighbours] == [False, True]
    assert north.neighbours[0].similarity == pytest.approx(0.9 / np.hypot(0.9, 0.1), rel=1e-5)


def test_neighbours_of_first_epoch_marks_nothing_new() -> None:
    vectors = _vectors({"north": [1.0, 0.0], "up": [0.9, 0.1], "east": [0.0, 1.0]})

    (north,) = neighbours_of(vectors, ["north"], {"north": 3}, 2, {})

    assert [n.is_new for n in north.neighbours] == [False, False]


def test_neighbours_of_missing_probe_keeps_count() -> None:
    vectors = _vectors({"north": [1.0, 0.0], "up": [0.9, 0.1]})

    missing, unknown = neighbours_of(vectors, ["rare", "unseen"], {"rare": 2}, 3, {})

    assert missing == ProbeNeighbours("rare", (), 2, in_vocabulary=False)
    assert unknown == ProbeNeighbours("unseen", (), 0, in_vocabulary=False)


def test_neighbours_of_sees_updated_weights() -> None:
    vectors = _vectors({"north": [1.0, 0.0], "up": [0.9, 0.1], "east": [0.0, 1.0]})
    neighbours_of(vectors, ["north"], {}, 1, {})

    # Training changes the weights in place, so the cached unit vectors must not be reused.
    vectors.vectors[vectors.key_to_index["east"]] = [1.0, 0.01]
    vectors.vectors[vectors.key_to_index["up"]] = [0.0, 1.0]
    (north,) = neighbours_of(vectors, ["north"], {}, 1, {})

    assert north.neighbours[0].word == "east"
