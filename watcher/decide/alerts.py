"""From findings and health to the notifications a person should get. Pure decisions.

- Each (rule, contract, stage, episode) notifies once, however many scans see it: the ledger
  remembers it. A finding that is gone (the client replied, the contract ended) closes its row; a
  new wait after a reply is a new episode and notifies again.
- A health problem notifies once when it has lasted ``threshold`` consecutive scans, and its
  recovery once, on the first healthy scan after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from watcher.decide.rules import waited_since
from watcher.decide.vetting import Verdict
from watcher.models import ContractState, Finding, HealthKind, Mute, Note, Problem

HEALTH_RULE = "health"


@dataclass(frozen=True)
class FindingPlan:
    notify: list[Finding]
    close: list[str]


def plan_findings(findings: Sequence[Finding], notified: set[str], open_keys: Iterable[str]
                  ) -> FindingPlan:
    current = {f.key for f in findings}
    to_notify = [f for f in findings if f.key not in notified]
    to_close = sorted(k for k in open_keys if k not in current and not k.startswith(HEALTH_RULE))
    return FindingPlan(to_notify, to_close)


def muted(states: Iterable[ContractState], mutes: Mapping[int, Mute], now: datetime) -> set[int]:
    """Contracts whose notifications a mute holds now (a snooze ends when the client replies)."""
    out = set()
    for st in states:
        m = mutes.get(st.contract_id)
        if m is not None and m.active(waited_since(st.messages), now):
            out.add(st.contract_id)
    return out


@dataclass(frozen=True)
class HealthPlan:
    notify_problem: Problem | None  # the problem to announce now
    notify_recovery: bool
    key: str | None  # ledger key to open (with notify_problem) or close (with recovery)
    close: str | None = None  # an open health key the new problem replaces (its kind changed)


def health_kind_of(key: str) -> str:
    """The problem kind a health ledger key was opened for (``health|kind|scan``)."""
    parts = key.split("|")
    return parts[1] if len(parts) > 1 else ""


def plan_health(healthy: bool, problems: Sequence[Problem], consecutive_unhealthy: int,
                threshold: int, open_health_key: str | None, scan_id: int) -> HealthPlan:
    """One note when a problem has lasted ``threshold`` scans, a new one when it changes kind (the
    network came back but the login did not: the person must know what to look at now), and one on
    recovery."""
    if healthy:
        if open_health_key:
            return HealthPlan(None, True, open_health_key)
        return HealthPlan(None, False, None)
    if not problems:
        return HealthPlan(None, False, None)
    first = problems[0]
    key = f"{HEALTH_RULE}|{first.kind}|{scan_id}"
    if open_health_key:
        if health_kind_of(open_health_key) == str(first.kind):
            return HealthPlan(None, False, None)
        return HealthPlan(first, False, key, close=open_health_key)
    if consecutive_unhealthy < threshold:
        return HealthPlan(None, False, None)
    return HealthPlan(first, False, key)


_HEALTH_TEXT: dict[HealthKind, tuple[str, str]] = {
    HealthKind.LOGGED_OUT: (
        "cwwatch: ログインできません",
        "保存されたパスワードがありません。`cwwatch login` を実行してください。"),
    HealthKind.KEYRING_LOCKED: (
        "cwwatch: キーリングがロックされています",
        "パスワードを保存しているキーリングがロックされていて、読めません。ロックを解除してください"
        "（GNOME:「パスワードと鍵」、KDE: KWallet、KeePassXC: データベース、macOS: キーチェーンアクセス）。"),
    HealthKind.SCAN_FAILED: (
        "cwwatch: スキャンが途中で止まりました",
        "cwwatch 自身のエラーでスキャンが止まりました。詳しくはログを見てください。"),
    HealthKind.LOGIN_FAILED: (
        "cwwatch: ログインに失敗しました",
        "パスワードが変わった可能性があります。`cwwatch login` で設定し直してください。"
        "それまで監視は止まっています。"),
    HealthKind.LOGIN_CHALLENGE: (
        "cwwatch: 本人確認が必要です",
        "2段階認証またはreCAPTCHAが表示されました。`cwwatch login --headed` で"
        "ブラウザからログインしてください。"),
    HealthKind.LAYOUT_CHANGED: (
        "cwwatch: ページの構成が変わりました",
        "クラウドワークスのページが読めなくなりました。監視できていません。"),
    HealthKind.UNKNOWN_STATUS: (
        "cwwatch: 不明な契約状態があります",
        "知らない状態ラベルが表示されました。監視できていません。"),
    HealthKind.SITE_UNREACHABLE: (
        "cwwatch: サイトに接続できません",
        "クラウドワークスに接続できませんでした。ネットワークを確認してください。"),
}


def health_note(p: Problem) -> Note:
    title, body = _HEALTH_TEXT[p.kind]
    detail = f"\n{p.page}: {p.detail}" if p.detail else ""
    saved = f"\n保存先: {p.saved}" if p.saved else ""
    return Note(title, body + detail + saved, urgent=True)


def recovery_note() -> Note:
    return Note("cwwatch: 監視を再開しました", "問題が解消し、正常にスキャンできました。")


def finding_note(f: Finding) -> Note:
    return Note(f.title, f.message, f.url,
                urgent=f.rule in ("acceptance_overdue", "escrow_missing", "quiet_client"))


def digest_note(findings: Sequence[Finding]) -> Note:
    """One notification summarising what is open (the daemon's optional daily digest)."""
    if not findings:
        return Note("cwwatch: 未対応はありません", "監視中の契約に、対応が必要なものはありません。")
    lines = [f"・{f.title}" for f in findings[:8]]
    if len(findings) > 8:
        lines.append(f"ほか{len(findings) - 8}件")
    return Note(f"cwwatch: 未対応 {len(findings)}件", "\n".join(lines))


# -- client_risk: a verdict on a client, before or at the start of the work ------------------------

CLIENT_RISK_RULE = "client_risk"


def client_risk_notifies(subject: str, verdict: str) -> bool:
    """A contract's client notifies at caution and warning; an application's only at warning (before
    a contract the person still chooses; a caution shows in ``cwwatch vet``)."""
    return verdict == "warning" or (subject == "contract" and verdict == "caution")


def client_risk_note(subject: str, subject_id: int, name: str, verdict: Verdict, url: str) -> Note:
    """One note: the verdict, what it rests on (the three heaviest signals) and what to do."""
    where = "応募先" if subject == "proposal" else "契約先"
    title = f"{where}のクライアントに{verdict.label}: {name}"
    lines = [verdict.summary]
    lines += [f"・{s.message}（{s.evidence}）" for s in verdict.signals[:3]]
    lines += [f"→ {a}" for a in verdict.advice[:2]]
    return Note(title, "\n".join(lines), url, urgent=False)
