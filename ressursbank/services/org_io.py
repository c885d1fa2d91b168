"""Import and export of the organisation: parse files, then store them in one transaction (whole or not at all).

An import reads the stored organisation, applies every file onto it (:func:`ressursbank.formats.hr_import.
parse_import`), and only if no row has a problem stores the result and the needs in the same transaction. A file
with one broken row stores nothing; importing the same files again finds nothing to change and writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from ressursbank.db import repository
from ressursbank.db.engine import transaction
from ressursbank.domain import Need, Organisation
from ressursbank.formats import export
from ressursbank.formats.hr_import import EntityCounts, EntityKind, ImportFile, empty_organisation, parse_import

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: records created, updated and unchanged per entity, and the columns it ignored."""

    counts: dict[EntityKind, EntityCounts]
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    stored: bool = False

    @property
    def changes(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def lines(self) -> list[str]:
        """One line per entity for people (counts in Norwegian and English)."""
        out = [
            f"{kind.value}: {c.created} ny/new, {c.updated} endret/updated, {c.unchanged} uendret/unchanged"
            for kind, c in self.counts.items()
            if c.created or c.updated or c.unchanged
        ]
        out.extend(
            f"{label}: ignored columns / ignorerte kolonner: {', '.join(cols)}"
            for label, cols in self.ignored_columns.items()
        )
        return out


def import_files(*, engine: Engine, files: Sequence[ImportFile], dry_run: bool = False) -> ImportReport:
    """Import ``files`` into the database behind ``engine`` in one transaction.

    Raises :class:`~ressursbank.exceptions.ImportRejected` listing every problem, with nothing stored. With
    ``dry_run`` the files are checked and counted but nothing is written.
    """
    with transaction(engine) as session:
        if repository.has_organisation(session=session):
            organisation = repository.load_organisation(session=session)
        else:
            organisation = empty_organisation()
        existing_needs = {n.id: n for n in repository.load_needs(session=session)}
        parsed = parse_import(files, organisation, existing_needs=existing_needs)
        needs_changed = any(existing_needs.get(n.id) != n for n in parsed.needs)
        org_changed = parsed.organisation != organisation or not repository.has_organisation(session=session)
        stored = False
        if not dry_run and org_changed:
            repository.save_organisation(session=session, organisation=parsed.organisation)
            stored = True
        if not dry_run and needs_changed:
            repository.save_needs(session=session, needs=parsed.needs)
            stored = True
    report = ImportReport(parsed.counts, parsed.ignored_columns, stored)
    logger.info("import of %d file(s): %d change(s), stored=%s", len(files), report.changes, stored)
    return report


def import_paths(*, engine: Engine, paths: Sequence[Path], dry_run: bool = False) -> ImportReport:
    """:func:`import_files` for files on disk (what each holds is told by its name or its headers)."""
    return import_files(engine=engine, files=[ImportFile.from_path(p) for p in paths], dry_run=dry_run)


def load_for_export(*, engine: Engine) -> tuple[Organisation, list[Need]]:
    """The stored organisation and needs (an empty organisation when nothing is stored)."""
    with transaction(engine) as session:
        if not repository.has_organisation(session=session):
            return empty_organisation(), repository.load_needs(session=session)
        return repository.load_organisation(session=session), repository.load_needs(session=session)


def export_to(
    *,
    engine: Engine,
    target: Path,
    file_format: str = "csv",
    language: str = "en",
    kinds: Sequence[EntityKind] = tuple(EntityKind),
) -> list[Path]:
    """Export the stored entities: CSV files into the directory ``target``, or one XLSX workbook at ``target``.

    ``language`` ``nb`` writes Norwegian headers, ``;`` separators, decimal commas and ``dd.mm.yyyy`` dates;
    ``en`` writes English headers, ``,``, points and ISO dates. Both import back to the same records.
    """
    organisation, needs = load_for_export(engine=engine)
    if file_format == "xlsx":
        return [export.write_xlsx(target, organisation, needs, language=language, kinds=kinds)]
    if file_format == "csv":
        return export.write_csv_files(target, organisation, needs, language=language, kinds=kinds)
    raise ValueError(f"unknown export format {file_format!r}; use csv or xlsx")
