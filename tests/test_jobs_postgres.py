"""The jobs and outbox tables work on PostgreSQL too: migrated by Alembic, guarded updates, due notifications."""

from __future__ import annotations

import pytest

from ressursbank.db import repo_app
from ressursbank.db.engine import create_engine_for, session_factory
from ressursbank.db.migrations import downgrade_to_base, upgrade_to_head
from tests.helpers_db import fresh_postgres_database

pytestmark = pytest.mark.postgres


def test_jobs_and_outbox_on_postgres(postgres_url: str) -> None:
    """A job moves queued -> running only from queued; a late update to a cancelled job changes nothing."""
    with fresh_postgres_database(postgres_url) as url:
        upgrade_to_head(url)
        engine = create_engine_for(url)
        factory = session_factory(engine)
        with factory() as s, s.begin():
            job = repo_app.create_job(s, scenario_id="covid-2020-03", params={"weeks": 2}, created_by="hr")
            assert repo_app.update_job(s, job_id=job.id, only_if_status=("queued",), status="running")
            assert repo_app.update_job(s, job_id=job.id, only_if_status=("running",), status="cancelled")
            assert not repo_app.update_job(s, job_id=job.id, only_if_status=("running",), progress=0.9)
            repo_app.enqueue_notification(s, channel="sms", recipient="+4790000000", subject="s", body="b")
        with factory() as s:
            stored = repo_app.get_job(s, job_id=job.id)
            assert stored is not None and stored.status == "cancelled" and stored.progress == 0.0
            assert [n.channel for n in repo_app.due_notifications(s, now=repo_app.utcnow())] == ["sms"]
        engine.dispose()
        downgrade_to_base(url)
