"""Apprise delivers to a real local receiver (its json:// plugin), not a mock; URLs never show their secrets."""

from __future__ import annotations

import base64
import json
import sys
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from loguru import logger

from watcher.config import Config
from watcher.errors import ConfigError
from watcher.models import Note
from watcher.notify.apprise import AppriseChannel, mask_url
from watcher.notify.desktop import Channel
from watcher.wiring import notifier_of


class Receiver:
    """A tiny HTTP server on 127.0.0.1 (a free port) that records what is POSTed to it."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict] = []
        self.auth: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.posts.append(json.loads(body.decode("utf-8")))
                outer.auth.append(self.headers.get("Authorization"))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Apprise posts through requests, which would send even 127.0.0.1 to a configured proxy."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def failing_receiver():
    r = Receiver(status=500)
    yield r
    r.close()


@pytest.fixture
def logs():
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="DEBUG")
    yield lines
    logger.remove(sink)


def test_the_receiver_listens_on_loopback_only(receiver):
    assert receiver.httpd.server_address[0] == "127.0.0.1"


def test_a_japanese_note_reaches_the_local_receiver(receiver):
    ch: Channel = AppriseChannel([receiver.url])  # the protocol, checked by the type checker
    assert ch.name == "apprise"
    note = Note("検収期限を過ぎました: 株式会社サンプルトラベル", "事務局に第9条第3項の適用を依頼できます。",
                "https://crowdworks.jp/contracts/963659463")
    assert ch.send(note) is True
    (post,) = receiver.posts
    assert post["title"] == note.title
    assert post["message"] == f"{note.body}\n{note.url}"
    assert post["type"] == "info"
    ch.close()


def test_an_urgent_note_is_a_warning_and_a_note_without_url_is_just_its_body(receiver):
    ch = AppriseChannel([receiver.url])
    assert ch.send(Note("仮払いがまだです", "業務を開始しないでください。", urgent=True)) is True
    (post,) = receiver.posts
    assert post["type"] == "warning" and post["message"] == "業務を開始しないでください。"


def test_the_notifier_built_from_config_includes_apprise(receiver, capsys):
    n = notifier_of(replace(Config(), desktop_notifications=False, apprise_urls=(receiver.url,)), None)
    assert [ch.name for ch in n.channels] == ["console", "apprise"]
    assert n.send(Note("仮払いがまだです", "本文")) is True
    assert receiver.posts[0]["title"] == "仮払いがまだです"
    assert "仮払いがまだです" in capsys.readouterr().out  # the console always
    n.close()


@pytest.mark.parametrize(("desktop", "urls", "daemon", "names", "console_counts"), [
    (True, (), False, ["console", "desktop"], True),
    (True, (), True, ["console", "desktop"], False),  # the daemon's console is a log: the desktop delivers
    (False, (), True, ["console"], True),  # nothing else to deliver through: the console counts
    (False, ("json://127.0.0.1:9/",), True, ["console", "apprise"], False),
])
def test_the_commands_take_their_channels_from_the_config(desktop, urls, daemon, names, console_counts):
    n = notifier_of(replace(Config(), desktop_notifications=desktop, apprise_urls=urls), None, daemon=daemon)
    assert [ch.name for ch in n.channels] == names and n.console_counts is console_counts
    assert [ch.name for ch in notifier_of(replace(Config(), desktop_notifications=desktop), None,
                                          desktop=False).channels] == ["console"]  # --no-notify


def test_a_failing_receiver_returns_false_without_raising_and_logs_no_secret(failing_receiver, logs):
    url = f"json://alice:pw-s3cret@127.0.0.1:{failing_receiver.port}/hook?token=tok-s3cret"
    ch = AppriseChannel([url])
    assert ch.send(Note("t", "b")) is False
    assert len(failing_receiver.posts) == 1
    assert failing_receiver.auth[0] == "Basic " + base64.b64encode(b"alice:pw-s3cret").decode()  # it did use them
    text = "\n".join(logs)
    assert "could not deliver" in text and f"json://***@127.0.0.1:{failing_receiver.port}/…" in text
    assert "s3cret" not in text and "alice" not in text


def test_one_target_down_is_still_a_delivery(receiver, failing_receiver, logs):
    ch = AppriseChannel([receiver.url, failing_receiver.url])
    assert ch.send(Note("t", "b")) is True
    assert len(receiver.posts) == 1 and len(failing_receiver.posts) == 1
    assert "1 of 2" in "\n".join(logs)


def test_nobody_listening_returns_false():
    r = Receiver()
    url = r.url
    r.close()  # the port is free again: connection refused
    assert AppriseChannel([url]).send(Note("t", "b")) is False


def test_bad_urls_are_config_errors_with_secrets_masked():
    for url, shown in [("nosuchscheme://user:s3cretTOKENvalue123@example.com/x", "nosuchscheme://***@example.com/…"),
                       ("mailto://user:s3cret@", "mailto://***@"),
                       ("json://", "json://")]:
        with pytest.raises(ConfigError) as exc:
            AppriseChannel([url])
        assert "s3cret" not in str(exc.value) and shown in str(exc.value), str(exc.value)


def test_config_errors_for_an_empty_list_and_a_missing_apprise(monkeypatch):
    with pytest.raises(ConfigError, match="empty"):
        AppriseChannel([])
    monkeypatch.setitem(sys.modules, "apprise", None)  # `import apprise` now raises ImportError
    with pytest.raises(ConfigError) as exc:
        AppriseChannel(["json://127.0.0.1/"])
    assert str(exc.value) == ("apprise_urls is set but apprise is not installed: "
                              "pip install 'crowdworks-watcher[apprise]'")


@pytest.mark.parametrize(("url", "masked"), [
    ("mailto://user:s3cret@example.com", "mailto://***@example.com"),
    ("mailtos://user:s3cret@smtp.example.com:587?to=me@example.org", "mailtos://***@smtp.example.com:587/…"),
    ("json://127.0.0.1:8080/", "json://127.0.0.1:8080"),
    ("json://[::1]:8080/x", "json://[::1]:8080/…"),
    ("ntfys://ntfy.sh/my-secret-topic", "ntfys://ntfy.sh/…"),
    ("ntfy://abcdef0123456789abcdef/topic", "ntfy://***/…"),
    ("tgram://123456789:AAHs3cretBotToken/987654", "tgram://***/…"),
    ("discord://112233445566778899/s3cretWebhookToken", "discord://***/…"),
    ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack://***/…"),
    ("line://s3cretChannelToken/U1234", "line://***/…"),
    ("no scheme at all s3cret", "<unreadable URL>"),
])
def test_mask_url_shows_only_scheme_host_and_port(url, masked):
    assert mask_url(url) == masked
    assert "s3cret" not in mask_url(url)
