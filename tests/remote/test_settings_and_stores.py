"""Settings rules, pins, saved connections, keyring vault, history: pure logic, files in tmp."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from nanostudio.remote.errors import InsecureSettingsError, SettingsError, format_thumbprint
from nanostudio.remote.history import CommandHistory, history_path
from nanostudio.remote.pinning import PinStore, normalise_thumbprint
from nanostudio.remote.saved import PasswordVault, SavedConnections
from nanostudio.remote.settings import ConnectionSettings
from tests.remote.conftest import MemoryKeyring

PIN = "ab" * 32


def test_basic_over_http_is_refused_before_connecting() -> None:
    settings = ConnectionSettings(host="nano1", auth="basic")
    assert [f for f, _ in settings.problems()] == ["auth"]
    with pytest.raises(InsecureSettingsError, match="only with HTTPS"):
        settings.check()
    ConnectionSettings(host="nano1", auth="basic", https=True, port=5986).check()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"host": " "}, "host"),
        ({"host": "a b"}, "host"),
        ({"port": 0}, "port"),
        ({"user": ""}, "user"),
        ({"timeout_s": 0}, "timeout_s"),
        ({"auth": "credssp"}, "auth"),
    ],
)
def test_problems_name_the_field(changes: dict[str, object], field: str) -> None:
    settings = ConnectionSettings(host="nano1").replace(**changes)
    assert field in [f for f, _ in settings.problems()]
    with pytest.raises(SettingsError):
        settings.check()


def test_endpoint_brackets_ipv6_and_keys_fold_case() -> None:
    assert ConnectionSettings(host="fe80::1").endpoint == "http://[fe80::1]:5985/wsman"
    https = ConnectionSettings(host="NANO1", https=True, port=5986)
    assert https.endpoint == "https://NANO1:5986/wsman"
    assert https.host_key == "nano1:5986"


def test_thumbprints_normalised_and_formatted() -> None:
    assert normalise_thumbprint(format_thumbprint(PIN)) == PIN
    assert format_thumbprint("abcd") == "AB:CD"
    with pytest.raises(ValueError, match="64 hex"):
        normalise_thumbprint("abcd")


def test_pin_store_per_host_and_port(tmp_path: Path) -> None:
    store = PinStore(tmp_path / "pins.json")
    assert store.get("nano1", 5986) is None
    store.trust("NANO1", 5986, format_thumbprint(PIN), "CN=NANO1")
    assert store.get("nano1", 5986) == PIN
    assert store.get("nano1", 443) is None
    assert store.forget("nano1", 5986)
    assert not store.forget("nano1", 5986)
    assert store.get("nano1", 5986) is None
    assert stat.S_IMODE((tmp_path / "pins.json").stat().st_mode) == 0o600


def test_pin_store_unreadable_file_is_an_error_not_an_empty_store(tmp_path: Path) -> None:
    (tmp_path / "pins.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SettingsError, match="cannot be read"):
        PinStore(tmp_path / "pins.json").get("nano1", 5986)


def test_pin_store_default_lives_in_config_dir(isolated_home: Path) -> None:
    PinStore().trust("h", 5986, PIN)
    assert list(isolated_home.rglob("certificate-pins.json"))


def test_saved_connection_with_a_bad_value_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "connections.toml"
    path.write_text(
        '[[connection]]\nhost = "bad"\nport = "x"\n[[connection]]\nhost = "good"\n',
        encoding="utf-8",
    )
    assert [s.host for s in SavedConnections(path).load()] == ["good"]


def test_saved_connections_round_trip_most_recent_first(tmp_path: Path) -> None:
    saved = SavedConnections(tmp_path / "connections.toml")
    one = ConnectionSettings(host="nano1")
    two = ConnectionSettings(host="nano2", https=True, port=5986, auth="basic", cert_pin_sha256=PIN)
    saved.remember(one)
    saved.remember(two)
    saved.remember(one.replace(user="NANO1\\Administrator"))
    loaded = saved.load()
    assert [s.host for s in loaded] == ["nano1", "nano2"]
    assert loaded[0].user == "NANO1\\Administrator"
    assert loaded[1] == two
    assert saved.find("NANO2") == two
    saved.forget(two)
    assert saved.find("nano2") is None


def test_passwords_only_in_the_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    settings = ConnectionSettings(host="nano1")
    saved = SavedConnections(tmp_path / "connections.toml")
    saved.remember(settings)
    vault = PasswordVault()
    assert vault.get(settings) is None
    assert vault.store(settings, "Nano-Pa55word!")
    assert vault.get(settings) == "Nano-Pa55word!"
    assert "Nano-Pa55word!" not in (tmp_path / "connections.toml").read_text()
    assert list(memory_keyring.secrets) == [(vault.service, "Administrator@nano1:5985")]
    vault.forget(settings)
    vault.forget(settings)  # forgetting twice is fine
    assert vault.get(settings) is None


def test_history_navigation_keeps_the_draft() -> None:
    history = CommandHistory()
    for command in ("one", "two", "two", " ", "three"):
        history.add(command)
    assert history.entries == ["one", "two", "three"]
    assert history.previous("dra") == "three"
    assert history.previous("three") == "two"
    assert history.previous("two") == "one"
    assert history.previous("one") == "one"
    assert history.next("one") == "two"
    assert history.next("two") == "three"
    assert history.next("three") == "dra"
    assert history.next("dra") == "dra"


def test_history_persisted_capped_and_without_secrets(tmp_path: Path) -> None:
    path = history_path("NANO1:5985", tmp_path)
    history = CommandHistory(path, max_entries=3)
    for command in ("a", "b", "$p = ConvertTo-SecureString 'x' -AsPlainText", "c", "d"):
        history.add(command)
    assert history.entries == ["$p = ConvertTo-SecureString 'x' -AsPlainText", "c", "d"]
    assert json.loads(path.read_text()) == ["c", "d"]
    assert CommandHistory(path).entries == ["c", "d"]
    assert history_path("nano1:5985", tmp_path) == path
    assert history_path("nano2:5985", tmp_path) != path
