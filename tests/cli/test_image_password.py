"""The image's password on the command line: environment first, then the terminal."""

from __future__ import annotations

import getpass as getpass_module
import io
import sys

import pytest

from nanostudio.cli.image_password import PasswordMissingError, image_password
from nanostudio.secret import ADMIN_PASSWORD_ENV, REMOTE_PASSWORD_ENV


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ADMIN_PASSWORD_ENV, raising=False)
    monkeypatch.delenv(REMOTE_PASSWORD_ENV, raising=False)


def _typed(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    prompts: list[str] = []
    replies = iter(answers)

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(getpass_module, "getpass", getpass)
    return prompts


def test_the_admin_variable_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "first")
    monkeypatch.setenv(REMOTE_PASSWORD_ENV, "second")
    assert image_password(confirm=True, also_env=(REMOTE_PASSWORD_ENV,)) == "first"


def test_another_variable_only_when_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REMOTE_PASSWORD_ENV, "second")
    assert image_password(confirm=False, also_env=(REMOTE_PASSWORD_ENV,)) == "second"
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    with pytest.raises(PasswordMissingError, match=f"set {ADMIN_PASSWORD_ENV}"):
        image_password(confirm=False)


def test_a_new_image_asks_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = _typed(monkeypatch, "Secret-1", "Secret-1")
    assert image_password(confirm=True) == "Secret-1"
    assert len(prompts) == 2


def test_two_different_answers_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _typed(monkeypatch, "Secret-1", "Secret-2")
    with pytest.raises(PasswordMissingError, match="differ"):
        image_password(confirm=True)


def test_a_running_image_asks_once(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = _typed(monkeypatch, "Secret-1")
    assert image_password(confirm=False) == "Secret-1"
    assert prompts == ["Administrator password of the image: "]
