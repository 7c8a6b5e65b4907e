"""best_time: the shortest of a few calls, as the notebooks time things."""

import time

import pytest

from kmeans_lab.timing import best_time


def test_best_time_calls_repeat_times_with_the_arguments_and_returns_the_shortest(monkeypatch):
    calls = []
    clock = iter([0.0, 5.0, 10.0, 12.0, 20.0, 23.0])  # three calls lasting 5, 2 and 3 s
    monkeypatch.setattr(time, "perf_counter", lambda: next(clock))
    seconds = best_time(
        lambda *args, **kwargs: calls.append((args, kwargs)), 1, 2, repeat=3, scale=4
    )
    assert seconds == 2.0
    assert calls == [((1, 2), {"scale": 4})] * 3


def test_best_time_measures_real_time():
    seconds = best_time(time.sleep, 0.01, repeat=2)
    assert 0.009 <= seconds < 1


def test_best_time_checks_repeat():
    with pytest.raises(ValueError, match="repeat must be at least 1"):
        best_time(print, repeat=0)
    with pytest.raises(TypeError, match="repeat must be an integer"):
        best_time(print, repeat=2.5)
