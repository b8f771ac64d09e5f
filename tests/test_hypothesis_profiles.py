import pytest

from tests.hypothesis_profiles import examples


# The full profile runs every example a test asks for; the fast one a thirtieth, and never
# fewer than five.
@pytest.mark.parametrize(
    ("profile", "asked", "run"),
    [("full", 300, 300), ("full", 12, 12), ("fast", 300, 10), ("fast", 12, 5)],
)
def test_a_profile_runs_its_share_of_the_examples_a_test_asks_for(
    monkeypatch: pytest.MonkeyPatch, profile: str, asked: int, run: int
) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", profile)
    assert examples(asked) == run


def test_the_full_profile_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    assert examples(150) == 150


def test_an_unknown_profile_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "quick")
    with pytest.raises(ValueError, match="HYPOTHESIS_PROFILE='quick'"):
        examples(40)
