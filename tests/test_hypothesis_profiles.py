import pytest

from tests.hypothesis_profiles import examples


def test_the_full_profile_runs_every_example_a_test_asks_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "full")
    assert examples(300) == 300
    assert examples(12) == 12


def test_the_full_profile_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    assert examples(150) == 150


def test_the_fast_profile_runs_a_thirtieth_and_never_fewer_than_five(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "fast")
    assert examples(300) == 10
    assert examples(12) == 5


def test_an_unknown_profile_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "quick")
    with pytest.raises(ValueError, match="HYPOTHESIS_PROFILE='quick'"):
        examples(40)
