"""The active contracts list, ``/e/contracts?status=active``: its rows (seen, S1) and paging (a guess).

Record for ``check-pages``: ``{"contracts": [{"id", "title", "client_name", "status_label", "stage"}],
"next_page", "empty"}``; a row whose label ``[labels.status]`` does not map is ``unknown_status``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin

from watcher.crowdworks.dom import (
    Trace,
    Tree,
    closest,
    hook_all,
    hook_first,
    int_from,
    node_text,
    page_name,
    parse_html,
    plain_text,
    text_parts,
    trace_or_new,
    within,
)
from watcher.crowdworks.kinds.base import Kind, Saved
from watcher.errors import ExtractionError
from watcher.i18n import _
from watcher.jptime import normalize
from watcher.models import ContractRow, HealthKind

if TYPE_CHECKING:
    from watcher.crowdworks.selectors import SelectorSet


@dataclass(frozen=True)
class ContractsPage:
    rows: tuple[ContractRow, ...]
    next_url: str | None
    empty: bool = False  # the page says, in every section, that there are no contracts


_WORD = r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]"


def _row_label(parts: list[str], title: str, sel: SelectorSet, client: str = "") -> str | None:
    """The status label found anywhere in the row: a part that is a known label, else a known label
    inside a part other than the title (S1 reads the label anywhere in the row). The client's name
    (the row's first part) and the title are looked at last: a client or a title worded like a label
    (「完了」) must not hide the row's own label."""
    labels = sorted(sel.status_labels, key=len, reverse=True)
    wanted = {normalize(label): label for label in labels}
    parts = [p for p in parts if p not in (client, title)] + [p for p in (client, title) if p and p in parts]
    for p in parts:
        if normalize(p) in wanted:
            return wanted[normalize(p)]
    for p in parts:
        if p == title:
            continue
        for label in labels:  # a label inside a longer part, as a word of its own (完了 is not in 検収完了)
            if re.search(rf"(?<!{_WORD}){re.escape(normalize(label))}(?!{_WORD})", normalize(p)):
                return label
    return None


def extract_contracts(doc: str | Tree, sel: SelectorSet, url: str, trace: Trace | None = None) -> ContractsPage:
    """The rows of the active-contracts list (``/e/contracts?status=active``).

    Each contract is a ``tr`` holding a ``/contracts/ID`` link whose text is the title; the row's first
    text part is the client, the status label sits anywhere in the row (seen, S1). A page with no
    such row is the empty list only when its sections say 「契約がありません。」 (reported); otherwise its
    layout changed. Raises ExtractionError.
    """
    tree = parse_html(doc) if isinstance(doc, str) else doc
    tr = trace_or_new(trace)
    c = sel.contracts
    page = page_name("contracts", url)
    rows: list[ContractRow] = []
    seen: set[int] = set()
    row_css = c.row.css
    # The hourly section (時間単価: reported, S1's earlier version): the sections' selector that names
    # "hourly". A row outside it, or a page without sections, is not known to be hourly.
    hourly_css = next((k.strip() for k in c.sections.css.split(",") if "hourly" in k), None)
    hourly_sections = tree.css(hourly_css) if hourly_css else []
    for link in hook_all(tree, c.row_link, tr):
        cid = int_from(c.row_link_id.pattern, link.attributes.get("href"))
        title = plain_text(link)
        if cid is None or not title or cid in seen:
            continue  # another link to the contract, an icon, or a link to one of its sub-pages
        row = closest(link, row_css)
        if row is None:
            continue  # S1 reads only links inside a table row
        tr.hit(c.row_link_id, c.row_link_id.first.grade)
        tr.hit(c.row, c.row.first.grade)
        parts = text_parts(row)
        client = parts[0] if parts and parts[0] != title else ""
        label = _row_label(parts, title, sel, client)
        if label is None:  # name what the row shows where a status would be (a guess), else all of it
            cell = row.css_first(c.status_cell.css)
            rest = [p for p in parts if p not in (client, title)]
            label = plain_text(cell) if cell is not None and plain_text(cell) else " / ".join(rest) or "(none)"
            tr.miss(f"row {cid} status label", f"no known label in the row: 「{label}」")
        else:
            found = sel.status_labels[label]
            tr.hit(f"labels.status.{label}", found.grade)
        seen.add(cid)
        rows.append(ContractRow(cid, title, client, label, sel.stage_of(label),
                                hourly=any(within(row, n) for n in hourly_sections)))
    nxt, _alt = hook_first(tree, c.next_page, tr if rows else None)
    href = nxt.attributes.get("href") if nxt is not None else None
    next_url = urljoin(url, href) if href else None
    if rows:
        return ContractsPage(tuple(rows), next_url)
    nodata = [n for n in tree.css(c.empty.css) if any(t in node_text(n) for t in c.empty_texts.texts)]
    sections = tree.css(c.sections.css)
    # Only when every section says so is the list empty (reported): one section of the three gone
    # (its rows with it) must not read as "no contracts".
    kinds = [k.strip() for k in c.sections.css.split(",") if k.strip()]
    every_kind = not sections or all(tree.css_first(k) is not None for k in kinds)
    if nodata and every_kind and all(any(within(n, s) for n in nodata) for s in sections):
        tr.hit(c.empty, c.empty.first.grade)
        if sections:
            tr.hit(c.sections, c.sections.first.grade)
        return ContractsPage((), None, empty=True)
    if nodata:
        raise ExtractionError(page, "contract rows", "some sections say 「契約がありません。」, the others show no "
                              f"row with a {c.row_link.css!r} link")
    raise ExtractionError(page, "contract rows", f"no table row with a {c.row_link.css!r} link and no "
                          "「契約がありません。」")


class Contracts(Kind):
    name = "contracts"
    fixtures: ClassVar[tuple[str, ...]] = (
        "contracts/contracts_changed",
        "contracts/contracts_empty",
        "contracts/contracts_page1",
        "contracts/contracts_page2",
        "contracts/contracts_section_without_rows",
        "from-notes/contracts/contracts_all_sections_empty",
        "from-notes/contracts/contracts_client_first_status_second",
    )

    def recognise(self, content: Any, sel: SelectorSet) -> bool:
        return (content.css_first(sel.contracts.row_link.css) is not None
                or content.css_first(sel.contracts.empty.css) is not None)

    def record(self, saved: Saved, sel: SelectorSet, trace: Trace) -> dict[str, Any]:
        listing = extract_contracts(saved.page, sel, saved.url, trace)
        return {"contracts": [{"id": r.contract_id, "title": r.title, "client_name": r.client_name,
                               "status_label": r.status_label, "stage": str(r.stage) if r.stage else None}
                              for r in listing.rows], "next_page": listing.next_url, "empty": listing.empty}

    def problem(self, record: dict[str, Any]) -> dict[str, str] | None:
        for row in record["contracts"]:
            if row["stage"] is None:
                return {"kind": str(HealthKind.UNKNOWN_STATUS), "field": f"contract {row['id']} status",
                        "detail": _("「{label}」 is not in {section}").format(label=row["status_label"],
                                                                             section="[labels.status]")}
        return None


KIND = Contracts()
