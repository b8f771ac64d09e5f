import pytest
from pytest_django import Settings

from tests.service_probes import require


def test_it_skips_a_test_whose_service_is_missing(
    settings: Settings, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="requires_redis: Redis does not answer"):
        require("requires_redis")


def test_it_fails_a_test_whose_service_is_missing_in_ci(
    settings: Settings, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="CI=true, so a missing service fails"):
        require("requires_redis")
