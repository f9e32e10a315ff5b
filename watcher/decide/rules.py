"""The rules: pure functions ``(history, now, policy) -> findings``.

They run only on a healthy scan. Rule ids and meanings are stable (docs/rules.md):
``quiet_client``, ``client_away``, ``no_reply``, ``acceptance_due``, ``acceptance_overdue``,
``escrow_missing``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from watcher.decide.bizdays import add_business_days, business_days_between
from watcher.jptime import format_jst
from watcher.models import ContractState, Finding, Message, Sender, Stage

RULES = ("quiet_client", "client_away", "no_reply", "acceptance_due", "acceptance_overdue",
         "escrow_missing")


@dataclass(frozen=True)
class Policy:
    quiet_business_days: int = 2
    escalate_business_days: int = 5  # a wait that goes on this much longer is stage 2
    acceptance_days: int = 7  # Art. 9(3): deemed accepted one week after delivery
    due_warning_days: int = 2  # acceptance_due this long before the week ends
    access_max_age: timedelta = timedelta(hours=12)  # "certainly not visited" needs a fresh look
    year_end_break: bool = False
    contract_url: str = ""  # the contract page, e.g. "https://…/contracts/{id}" (from the site package)


def waited_since(messages: Iterable[Message]) -> datetime | None:
    """My first message after the client's last one; None when nothing of mine awaits an answer.

    My reminders do not restart the clock; a delivery report counts as mine; the site's own
    system messages count for nobody.
    """
    first_mine: datetime | None = None
    for m in sorted(messages, key=lambda x: x.sent_at):
        if m.sender is Sender.CLIENT:
            first_mine = None
        elif m.sender is Sender.WORKER and first_mine is None:
            first_mine = m.sent_at
    return first_mine


def _d(t: datetime) -> str:
    return format_jst(t, with_time=False)


def _waiting(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    since = waited_since(c.messages)
    if since is None:
        return None
    due = add_business_days(since, policy.quiet_business_days, policy.year_end_break)
    if now < due:
        return None
    days = business_days_between(since, now, policy.year_end_break)
    acc = c.access
    stage = 2 if days >= policy.quiet_business_days + policy.escalate_business_days else 1
    base = dict(contract_id=c.contract_id, client_id=c.client_id, stage=stage, since=since,
                deadline=None, url=url)
    facts = {"business_days": days, "access": acc.text if acc else None}
    head = f"「{c.title}」"
    delivered = c.delivered_at
    # 連絡催促 can be asked for until one week after delivery; after that only the desk helps.
    if delivered is not None and now >= delivered + timedelta(days=policy.acceptance_days):
        step = (f"連絡催促の受付期間（納品から1週間）は終わっています。事務局に問い合わせてください"
                f"（下書き: cwwatch report {c.contract_id}）。")
    elif stage == 2:
        step = ("長く返信がありません。今すぐ契約ページの「契約相手と連絡とれない場合はこちら」から連絡催促を"
                "依頼してください。")
    else:
        step = "契約ページの「契約相手と連絡とれない場合はこちら」から連絡催促を依頼できます。"
    if acc is not None and acc.interval is not None and acc.interval.earliest > since:
        return Finding(
            rule="quiet_client",
            title=f"返信がありません: {c.client_name}",
            message=(f"{head}で{_d(since)}に送ったメッセージに{days}営業日返信がありませんが、"
                     f"クライアントはその後もログインしています（最終アクセス: {acc.text}）。{step}"),
            facts=facts, **base)
    fresh = acc is not None and now - acc.observed_at <= policy.access_max_age
    if acc is not None and acc.interval is not None and acc.interval.latest < since and fresh:
        return Finding(
            rule="client_away",
            title=f"クライアントが不在です: {c.client_name}",
            message=(f"{head}で{_d(since)}に送ったメッセージに{days}営業日返信がありません。"
                     f"クライアントはその後サイトにアクセスしていません（最終アクセス: {acc.text}）。"
                     f"しばらく待つか、次の手を考えてください。{step}"),
            facts=facts, **base)
    if acc is None or (acc.interval is None and not acc.text):
        why = "最終アクセスは非公開です"
    elif acc.interval is None:
        why = f"最終アクセスの表示「{acc.text}」を読み取れません"
    else:
        why = f"最終アクセス（{acc.text}）からは判断できません"
    return Finding(
        rule="no_reply",
        title=f"返信がありません: {c.client_name}",
        message=(f"{head}で{_d(since)}に送ったメッセージに{days}営業日返信がありません"
                 f"（{why}）。{step}"),
        facts=facts, **base)


def _acceptance(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    if not c.stage.delivered:
        return None
    delivered = c.delivered_at
    if delivered is None:
        return None
    deadline = delivered + timedelta(days=policy.acceptance_days)
    head = f"「{c.title}」"
    base = dict(contract_id=c.contract_id, client_id=c.client_id, stage=1, since=delivered,
                deadline=deadline, url=url)
    if now >= deadline:
        return Finding(
            rule="acceptance_overdue",
            title=f"検収期限を過ぎました: {c.client_name}",
            message=(f"{head}は{_d(delivered)}の納品から1週間が過ぎましたが、検収されていません"
                     f"（期限 {format_jst(deadline)}）。事務局に第9条3項の適用を依頼できます。"),
            **base)
    if now >= deadline - timedelta(days=policy.due_warning_days):
        return Finding(
            rule="acceptance_due",
            title=f"検収期限が近づいています: {c.client_name}",
            message=(f"{head}の検収期限は{format_jst(deadline)}です（{_d(delivered)}納品）。"
                     "期限までに返事がなければ、連絡催促を依頼してください（納品から1週間まで）。"),
            **base)
    return None


def _escrow(c: ContractState, now: datetime, policy: Policy, url: str) -> Finding | None:
    if c.stage is not Stage.AWAITING_ESCROW and c.escrow_deposited is not False:
        return None
    return Finding(
        rule="escrow_missing", contract_id=c.contract_id, client_id=c.client_id, stage=1,
        since=c.status_since, deadline=None, url=url,
        title=f"仮払いがまだです: {c.client_name}",
        message=(f"「{c.title}」はまだ仮払いされていません。仮払いが完了するまで業務を開始しないで"
                 "ください（仮払い前の作業は保護されません）。"))


def evaluate(contracts: Iterable[ContractState], now: datetime, policy: Policy = Policy()
             ) -> list[Finding]:
    """Every finding for the given contracts at ``now``, in a stable order."""
    out: list[Finding] = []
    for c in contracts:
        if c.stage is Stage.FINISHED:
            continue
        url = policy.contract_url.format(id=c.contract_id) if policy.contract_url else ""
        for rule in (_acceptance, _waiting, _escrow):
            f = rule(c, now, policy, url)
            if f is not None:
                out.append(f)
    out.sort(key=lambda f: (f.contract_id, RULES.index(f.rule)))
    return out
