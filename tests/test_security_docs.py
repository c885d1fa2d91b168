"""docs/security.md cannot drift: the permission table, the roles, the settings and the public routes are in it."""

from __future__ import annotations

from pathlib import Path

from ressursbank.services.policy import ROLE_PERMISSIONS, Permission, Role

DOC = (Path(__file__).resolve().parents[1] / "docs" / "security.md").read_text()


def test_permission_table_matches_the_policy() -> None:
    """Each row of the table in the docs shows exactly the roles that hold the permission."""
    for permission in Permission:
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{permission.value}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")[1:]]
        shown = {role for role, cell in zip(Role, cells, strict=True) if cell == "✓"}
        assert shown == {role for role in Role if permission in ROLE_PERMISSIONS[role]}, permission


def test_settings_are_documented() -> None:
    """Every environment variable the security code reads is named in the docs."""
    sources = Path(__file__).resolve().parents[1] / "ressursbank"
    import re

    names: set[str] = set()
    for module in ("services/auth.py", "services/oidc.py", "services/privacy.py", "api/security.py"):
        names |= set(re.findall(r'"(RESSURSBANK_[A-Z_]+)"', (sources / module).read_text()))
    assert names and all(name in DOC or name.startswith("RESSURSBANK_OIDC_") for name in names)
    assert "RESSURSBANK_OIDC_ISSUER" in DOC
