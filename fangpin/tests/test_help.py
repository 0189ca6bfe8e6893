"""Help where it is needed (issue 16): a Chinese help page per module with its file formats,
linked from every page; no page or message cites a file the user does not have."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import get_resolver

from exchange.readers import SOURCES
from fangpin.guide import ALIASES, TOPICS
from ledgers.kit import ledgers
from registry.layouts import REGISTER

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "tests", "bench", "docs", ".git"}
CITES = re.compile(r"policy\.md|formats\.md|§")


@pytest.mark.parametrize("topic", [t.key for t in TOPICS])
def test_each_module_has_a_chinese_help_page(client_for: Any, topic: str) -> None:
    response = client_for("village_staff").get(f"/help/{topic}/")
    assert response.status_code == 200
    body = response.content.decode()
    title = next(t.title for t in TOPICS if t.key == topic)
    assert f'<h1 class="h4">{title}</h1>' in body
    assert "这个模块做什么" in body or "我的账号" in body


def test_the_help_gives_the_file_formats_from_the_layouts(client_for: Any) -> None:
    client = client_for("town_staff")
    registry = client.get("/help/imports/").content.decode()
    assert all(c.header in registry for c in REGISTER.columns if c.exported)
    ledger_help = client.get("/help/ledgers/").content.decode()
    for kind, ledger in ledgers().items():
        assert f'id="{kind}"' in ledger_help and ledger.name in ledger_help
        assert all(h in ledger_help for h in ledger.layout.headers)
    exchange = client.get("/help/exchange/").content.decode()
    for source in SOURCES.values():
        assert source.label in exchange and all(h in exchange for h in source.headers)


def test_every_page_links_to_its_modules_help(client_for: Any) -> None:
    client = client_for("county_admin")
    namespaces = {ns for ns in get_resolver().namespace_dict if ns not in ("api",)}
    for ns in namespaces:
        topic = ALIASES.get(ns, ns)
        assert topic in {t.key for t in TOPICS}, f"{ns} 没有帮助页"
    for url, topic in (
        ("/monitoring/", "monitoring"),
        ("/registry/", "registry"),
        ("/exchange/rules/", "exchange"),
        ("/ledgers/", "ledgers"),
        ("/accounts/users/", "accounts"),
    ):
        body = client.get(url).content.decode()
        assert f'id="fp-help" href="/help/{topic}/"' in body, url
    home = client.get("/").content.decode()
    assert 'id="fp-help" href="/help/"' in home
    assert client.get("/help/no-such-module/").status_code == 302


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module a user may read: every string but docstrings — and the
    docstrings of checks and rules too, which are shown as the rule's description."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    shown_docs = path.name == "checks.py" or path.as_posix().endswith("exchange/rules.py")
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            shown = shown_docs and isinstance(node, ast.FunctionDef)
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and not shown:
                docs.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    ]


def test_no_page_or_message_cites_a_file_the_user_does_not_have() -> None:
    found = []
    for path in ROOT.rglob("*.html"):
        if not SKIP & set(path.relative_to(ROOT).parts) and CITES.search(path.read_text()):
            found.append(str(path.relative_to(ROOT)))
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        for line, text in _strings(path):
            if CITES.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line} {text[:40]}")
    assert found == []
