"""The `fangpin` command maps documented names onto management commands."""

from fangpin.cli import command_args


def test_hyphenated_commands_map_to_their_modules():
    assert command_args(["x", "import-registry", "f.xlsx"]) == [
        "fangpin",
        "import_registry",
        "f.xlsx",
    ]


def test_fangpin_check_is_the_data_quality_check_and_djangos_check_keeps_a_name():
    assert command_args(["x", "check", "--region", "R"])[1] == "check_data"
    assert command_args(["x", "django-check"])[1] == "check"


def test_options_before_a_command_are_left_alone():
    assert command_args(["x", "--help"]) == ["fangpin", "--help"]
