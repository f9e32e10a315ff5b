"""Apprise delivers to a real local receiver (its json:// plugin), not a mock."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from watcher.apprise_channel import AppriseChannel, mask_url
from watcher.cli.common import make_notifier
from watcher.errors import ConfigError
from watcher.notify import Note


class Receiver:
    def __init__(self, status: int = 200) -> None:
        self.posts: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.posts.append(json.loads(body.decode("utf-8")))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_a_japanese_note_reaches_the_local_receiver(receiver):
    assert receiver.httpd.server_address[0] == "127.0.0.1"
    ch = AppriseChannel([receiver.url])
    note = Note("検収期限を過ぎました: 株式会社サンプルトラベル", "事務局に第9条3項の適用を依頼できます。",
                "https://crowdworks.jp/contracts/63659463")
    assert ch.send(note) is True
    (post,) = receiver.posts
    assert post["title"] == note.title
    assert "第9条3項" in post["message"] and "/contracts/63659463" in post["message"]


def test_the_notifier_built_from_config_includes_apprise(receiver, capsys):
    n = make_notifier(False, None, (receiver.url,))
    assert n.send(Note("仮払いがまだです", "本文")) is True
    assert receiver.posts[0]["title"] == "仮払いがまだです"
    assert "仮払いがまだです" in capsys.readouterr().out  # the console always


def test_a_failing_receiver_returns_false_without_raising():
    r = Receiver(status=500)
    try:
        assert AppriseChannel([r.url]).send(Note("t", "b")) is False
        assert len(r.posts) == 1
    finally:
        r.close()


def test_bad_urls_are_config_errors_with_secrets_masked():
    with pytest.raises(ConfigError) as exc:
        AppriseChannel(["nosuchscheme://user:s3cretTOKENvalue123@example.com/x"])
    assert "s3cret" not in str(exc.value) and "nosuchscheme://***@" in str(exc.value)
    assert mask_url("mailto://user:s3cret@example.com") == "mailto://***@example.com"
    assert "abcdef0123456789" not in mask_url("ntfy://abcdef0123456789abcdef/topic")
