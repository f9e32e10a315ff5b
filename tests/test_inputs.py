"""Bad input: one clear line naming the file (and line or key), a non-zero exit, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watcher import config
from watcher.cli.main import main
from watcher.crowdworks import selectors as selectorset
from watcher.errors import ConfigError
from watcher.sample.scenario import parse_scenario

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English words

GOOD_HEAD = '[worker]\nid = 1\nname = "a"\nemail = "a@example.com"\npassword = "pw"\n'
CLIENT = '\n[[clients]]\nid = 900009001\nname = "c"\n'


@pytest.mark.parametrize(("body", "where", "words"), [
    (GOOD_HEAD + CLIENT + '\n[[contracts]]\nid = 5\nclient = 900009001\ntitle = "t"\nstatus = 3\n',
     ":15:", "contracts[0].status: expected a string"),
    ('[worker]\nid = 1\nname = "a\n', ":3:", "not valid TOML"),
    (GOOD_HEAD + CLIENT + '\n[[contracts]]\nid = 5\nclient = 900009002\ntitle = "t"\nstatus = "進行中"\n',
     ":13:", "no client with id 900009002"),
    (GOOD_HEAD + CLIENT + '\n[[contracts]]\nid = 5\nclient = 900009001\ntitle = "t"\nstatus = "進行中"\n'
     '\n[[contracts.messages]]\nfrom = "worker"\nat = "yesterday"\nbody = "x"\n',
     ":19:", "'yesterday' is neither an offset"),
    (GOOD_HEAD + CLIENT + '\n[[contracts]]\nid = 5\nclient = 900009001\ntitle = "t"\nstatus = "進行中"\n'
     '\n[[contracts.messages]]\nfrom = "worker"\nat = "-1d"\nbody = "x"\ncolour = 1\n',
     ":21:", "colour: unknown key"),
    (GOOD_HEAD + '\n[faults]\nlogin = "sms"\n', ":8:", "faults.login: expected one of"),
    (GOOD_HEAD.replace('id = 1\n', ''), ":1:", "the key 'id' is required"),
    ('[scenario]\nnow = "2026-11-20T10:00:00"\n' + GOOD_HEAD, ":2:", "needs an offset"),
])
def test_scenario_errors_name_file_and_line(tmp_path, capsys, body, where, words):
    f = tmp_path / "bad.toml"
    f.write_text(body, encoding="utf-8")
    code = main(["demo", "--no-notify", "--scenario", str(f)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert f"{f}{where}" in err and words in err, err


def test_scenario_offsets_and_iso_times():
    sc = parse_scenario('[scenario]\nnow = "2026-11-20T10:00:00+09:00"\n' + GOOD_HEAD + CLIENT.replace(
        'name = "c"', 'name = "c"\nlast_access = "-1d3h"'))
    assert sc.clients[900009001].last_access.isoformat() == "2026-11-18T22:00:00+00:00"
    hidden = parse_scenario(GOOD_HEAD + CLIENT)
    assert hidden.clients[900009001].last_access is None


def test_missing_scenario_file(tmp_path, capsys):
    assert main(["demo", "--scenario", str(tmp_path / "nope.toml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "words"), [
    ("quiet_business_days = 0\n", "quiet_business_days: 0 is out of range"),
    ("quiet_business_days = \"2\"\n", "quiet_business_days: expected a whole number"),
    ("quiet_days = 2\n", "quiet_days: unknown key"),
    ("base_url = \"crowdworks.jp\"\n", "base_url: expected a URL"),
    ("base_url = [\n", "not valid TOML"),
    ("desktop_notifications = 1\n", "desktop_notifications: expected true or false"),
])
def test_config_errors_name_file_and_key(tmp_path, capsys, text, words):
    f = tmp_path / "config.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        config.load(f)
    assert str(f) in str(exc.value) and words in str(exc.value)
    assert main(["--config", str(f), "scan"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


def test_config_round_trip(tmp_path):
    """What `cwwatch login` writes (set_email) loads back, with the settings beside it."""
    f = tmp_path / "c.toml"
    f.write_text('quiet_business_days = 3\nbase_url = "https://crowdworks.jp/"\n', encoding="utf-8")
    config.set_email(f, "a@example.com")
    back = config.load(f)
    assert back.email == "a@example.com" and back.quiet_business_days == 3
    assert back.base_url == "https://crowdworks.jp"


BUNDLED = selectorset.bundled_path().read_text(encoding="utf-8")


THREAD = 'thread = { css = "#pack-message-thread", grade = "seen", source = "S1" }'


@pytest.mark.parametrize(("mutate", "words"), [
    (lambda s: s.replace(THREAD + "\n", ""), "[workroom] thread: required selector missing"),
    (lambda s: s.replace(THREAD, 'thread = { css = "#pack[[", grade = "seen" }'), "[workroom] thread: not a valid CSS"),
    (lambda s: s.replace(THREAD, 'thread = { css = "#x", grade = "sure" }'),
     "[workroom] thread: grade: expected one of"),
    (lambda s: s.replace(THREAD, 'thread = { css = "#x", path = "a", grade = "seen" }'),
     "[workroom] thread: expected exactly one of css"),
    (lambda s: s.replace("row_link_id = { re = '^/contracts/(\\d+)/?$'", "row_link_id = { re = '^/contracts/(\\d+'"),
     "[contracts] row_link_id: not a valid regular expression"),
    (lambda s: s.replace('"検収中" = "in_acceptance"', '"検収中" = "checking"'), "'checking' is not one of"),
    (lambda s: s.replace("version = 2", "version = 3"), "version: expected 2"),
    (lambda s: s.replace("version = 2", "version = 1"), "version 1 is the format of an older cwwatch"),
    (lambda s: s + "\n[extra]\n", "unknown section [extra]"),
    (lambda s: s.replace("[urls]", "[urls]\nfoo = 1"), "[urls] foo: unknown key"),
    (lambda s: s.replace("[urls]", "[urls"), "not valid TOML"),
])
def test_selectors_errors_name_file_and_key(tmp_path, capsys, mutate, words):
    f = tmp_path / "sel.toml"
    f.write_text(mutate(BUNDLED), encoding="utf-8")
    assert f.read_text(encoding="utf-8") != BUNDLED
    with pytest.raises(ConfigError) as exc:
        selectorset.load(f)
    assert str(f) in str(exc.value) and words in str(exc.value), str(exc.value)
    assert main(["--selectors", str(f), "demo", "--no-notify"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


def test_the_bundled_selectors_load_and_are_not_a_package():
    sel = selectorset.load()
    assert sel.stage_of("検収中") is not None and sel.stage_of("検収完了") is None
    root = Path(__file__).resolve().parent.parent
    assert not (root / "selectors" / "__init__.py").exists()


def test_usage_errors_are_one_line_and_exit_2():
    r = subprocess.run([sys.executable, "-m", "watcher", "scan", "--bogus"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_a_broken_scenario_via_the_installed_command_has_no_traceback(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text("[worker]\nid = 'x'\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "watcher", "demo", "--scenario", str(f)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"cwwatch: error: {f}:2: worker.id: expected a whole number"


@pytest.mark.parametrize(("mutate", "words"), [
    (lambda s: s.replace(THREAD, "thread = 3"), "[workroom] thread: expected a table"),
    (lambda s: s.replace(THREAD, 'thread = { css = 3, grade = "seen" }'),
     "[workroom] thread: css: expected a non-empty"),
    (lambda s: s.replace('document_end = "</html>"', "document_end = false"),
     "[session] document_end: expected a string"),
    (lambda s: s.replace('[labels.status]\n', '[labels.status]\n"テスト中" = 1\n'), "[labels.status]"),
])
def test_selectors_wrong_types_name_the_key(tmp_path, mutate, words):
    f = tmp_path / "sel.toml"
    f.write_text(mutate(BUNDLED), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        selectorset.load(f)
    assert str(f) in str(exc.value) and words in str(exc.value), str(exc.value)


@pytest.mark.parametrize(("faults", "where", "words"), [
    ('slow = "/contracts/1"', ":8:", "faults.slow: expected a list"),
    ('truncated = ["contracts"]', ":8:", "faults.truncated: expected a list of paths"),
    ('redirect = { "/a" = 1 }', ":8:", "faults.redirect: expected a table"),
    ("session_expires_after = -1", ":8:", "faults.session_expires_after: must not be negative"),
    ("empty_list = 1", ":8:", "faults.empty_list: expected true or false"),
])
def test_new_fault_keys_are_checked(tmp_path, faults, where, words):
    f = tmp_path / "bad.toml"
    f.write_text(GOOD_HEAD + f"\n[faults]\n{faults}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        from watcher.sample.scenario import load_scenario

        load_scenario(f)
    assert f"{f}{where}" in str(exc.value) and words in str(exc.value), str(exc.value)


_GARBAGE = st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_GARBAGE, which=st.sampled_from(["config", "selectors", "scenario"]))
def test_any_bytes_in_any_input_file_are_a_config_error_or_load(tmp_path, raw, which):
    """Whatever a file holds, loading it either works or raises the one documented error."""
    from watcher.sample.scenario import load_scenario

    f = tmp_path / f"{which}.toml"
    f.write_bytes(raw)
    load = {"config": config.load, "selectors": selectorset.load, "scenario": load_scenario}[which]
    try:
        load(f)
    except ConfigError as exc:
        assert str(f) in str(exc) and "\n" not in str(exc), str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(BUNDLED)), junk=st.text(max_size=20))
def test_a_cut_or_spliced_selectors_file_is_a_config_error_or_loads(tmp_path, cut, junk):
    f = tmp_path / "sel.toml"
    f.write_text(BUNDLED[:cut] + junk + BUNDLED[cut:cut + 40], encoding="utf-8")
    try:
        selectorset.load(f)
    except ConfigError as exc:
        assert str(f) in str(exc) and "\n" not in str(exc), str(exc)


def test_a_scenario_written_for_the_earlier_sample_site_still_loads_and_serves() -> None:
    """The scenario format is an interface: a file written before the sample site followed the evidence
    (kind = "delivery", offsets, one state) still loads and renders every page."""
    from watcher.sample.scenario import load_scenario
    from watcher.sample.site import pages as render

    sc = load_scenario(Path(__file__).resolve().parent.parent / "fixtures" / "scenarios" / "story-format-0.1.toml")
    assert len(sc.contracts) == 4 and any(m.kind == "delivery" for c in sc.contracts for m in c.messages)
    for c in sc.contracts:
        assert render.workroom(sc, c).rstrip().endswith("</html>")
        assert render.thread_json(sc, c)["messages"]
    assert render.contracts_page(sc, 1, False).rstrip().endswith("</html>")


_CONTRACT = '\n[[contracts]]\nid = 5\nclient = 900009001\ntitle = "t"\nstatus = "進行中"\n'


@pytest.mark.parametrize(("body", "where", "table", "meant"), [
    (GOOD_HEAD + CLIENT + _CONTRACT.replace("[[contracts]]", "[[contract]]"), ":11:", "[[contract]]",
     "did you mean [[contracts]]?"),
    (GOOD_HEAD + CLIENT.replace("[[clients]]", "[[client]]"), ":7:", "[[client]]", "did you mean [[clients]]?"),
    ('[senario]\nnow = "2026-11-20T10:00:00+09:00"\n' + GOOD_HEAD, ":1:", "[senario]",
     "did you mean [scenario]?"),
    (GOOD_HEAD + "\n[fault]\nlogin = \"two_step\"\n", ":7:", "[fault]", "did you mean [faults]?"),
    # Nested: the second contract's misspelt message table, found after that contract's own header.
    (GOOD_HEAD + CLIENT + _CONTRACT + _CONTRACT.replace("id = 5", "id = 6")
     + '[[contracts.message]]\nfrom = "worker"\nat = "-1d"\nbody = "x"\n', ":22:", "[[contracts.message]]",
     "did you mean [[contracts.messages]]?"),
    # A table where a value belongs.
    (GOOD_HEAD + CLIENT + '[[clients.rating]]\nscore = 1.0\n', ":10:", "[[clients.rating]]",
     "did you mean [[clients.ratings]]?"),
])
def test_a_misspelt_table_is_one_line_naming_the_table_and_its_line(tmp_path, capsys, body, where, table, meant):
    f = tmp_path / "bad.toml"
    f.write_text(body, encoding="utf-8")
    code = main(["demo", "--no-notify", "--scenario", str(f)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert f"{f}{where} {table}:" in err and meant in err, err
    assert "Traceback" not in err
