from __future__ import annotations

import pytest

from fairs.core import states
from fairs.core.errors import Conflict
from fairs.settings import Settings, SettingsError


def test_defaults_need_no_environment():
    s = Settings.from_environment({})
    assert (s.database_url, s.redis_url, s.timezone, s.host, s.port) == (
        "sqlite:///var/fairs.sqlite3", "", "Asia/Shanghai", "127.0.0.1", 8000)


@pytest.mark.parametrize(("env", "variable"), [
    ({"FAIRS_PORT": "eighty"}, "FAIRS_PORT"),
    ({"FAIRS_PORT": "70000"}, "FAIRS_PORT"),
    ({"FAIRS_DATABASE_URL": "mysql://x"}, "FAIRS_DATABASE_URL"),
    ({"FAIRS_REDIS_URL": "http://x"}, "FAIRS_REDIS_URL"),
    ({"FAIRS_TIMEZONE": "Asia/Beijing"}, "FAIRS_TIMEZONE"),
    ({"FAIRS_LOG_LEVEL": "LOUD"}, "FAIRS_LOG_LEVEL"),
    ({"FAIRS_ENV": "production"}, "FAIRS_SECRET_KEY"),
    ({"FAIRS_SECRET_KEY": "short"}, "FAIRS_SECRET_KEY"),
    ({"FAIRS_ENV": "staging"}, "FAIRS_ENV"),
])
def test_an_invalid_setting_is_one_line_naming_the_variable(env, variable):
    with pytest.raises(SettingsError) as error:
        Settings.from_environment(env)
    assert str(error.value).startswith(variable)
    assert "\n" not in str(error.value)


def test_the_secret_key_is_generated_once_and_kept(tmp_path):
    s = Settings.from_environment({"FAIRS_VAR_DIR": str(tmp_path)})
    first = s.with_secret_key().secret_key
    assert len(first) >= 32
    assert s.with_secret_key().secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_confirmed_reservation_cannot_go_back_to_held():
    with pytest.raises(Conflict) as error:
        states.move("booth_reservation", "confirmed", "held")
    assert error.value.field == "status"


def test_every_state_machine_only_names_its_own_states():
    for machine in states.MACHINES.values():
        for targets in machine.values():
            assert targets <= set(machine)
