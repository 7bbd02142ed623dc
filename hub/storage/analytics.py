"""Analytics in SQL: one statement per report, always limited to one agency.

`since` / `until` bound each report by its own clock: jobs and clients by creation, applications
by when they were sent, interviews by when they are scheduled.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ..db import Connection, Record
from .filters import Conditions


def _window(agency_id: UUID, column: str, since: datetime | None, until: datetime | None, *, table: str = "") -> Conditions:
    """The agency (always $1: the statements refer to it) and the time window on `column`;
    `table` is the alias that qualifies both, if any."""
    prefix = f"{table}." if table else ""
    c = Conditions()
    c.add(prefix + "agency_id = {}", agency_id)
    c.add(f"{prefix}{column} >= {{}}", since)
    c.add(f"{prefix}{column} < {{}}", until)
    return c


async def jobs_report(conn: Connection, agency_id: UUID, *, since: datetime | None, until: datetime | None, top: int) -> Record:
    c = _window(agency_id, "created_at", since, until)
    top_param = c.param(top)
    return await conn.fetchrow(
        f"""WITH j AS (SELECT id, title, status, created_at FROM jobs {c.where}),
                 per_job AS (
                     SELECT a.job_id, count(*) AS applications, count(*) FILTER (WHERE a.status = 'hired') AS hires
                     FROM applications a WHERE a.agency_id = $1 AND a.job_id IN (SELECT id FROM j) GROUP BY a.job_id)
            SELECT (SELECT count(*) FROM j) AS total,
                   (SELECT coalesce(jsonb_object_agg(status, n), '{{}}') FROM
                        (SELECT status, count(*) AS n FROM j GROUP BY status) s) AS by_status,
                   (SELECT round(coalesce(sum(applications), 0)::numeric / nullif((SELECT count(*) FROM j), 0), 2)
                      FROM per_job) AS average_applications_per_job,
                   (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                'jobId', t.id, 'title', t.title, 'status', t.status,
                                'applications', t.applications, 'hires', t.hires)
                            ORDER BY t.applications DESC, t.created_at DESC), '[]') FROM (
                        SELECT j.id, j.title, j.status, j.created_at,
                               coalesce(p.applications, 0) AS applications, coalesce(p.hires, 0) AS hires
                        FROM j LEFT JOIN per_job p ON p.job_id = j.id
                        ORDER BY applications DESC, j.created_at DESC LIMIT {top_param}) t) AS top_jobs""",
        *c.args,
    )


async def applications_report(conn: Connection, agency_id: UUID, *, since: datetime | None, until: datetime | None) -> Record:
    """One pass over the applications grouped by status; time to hire from each hired one's history."""
    c = _window(agency_id, "applied_at", since, until, table="a")
    return await conn.fetchrow(
        f"""WITH per_status AS (
                 SELECT a.status, count(*) AS n, sum(a.score) AS score_sum, count(a.score) AS scored,
                        count(*) FILTER (WHERE a.resume_path IS NOT NULL) AS with_resume
                 FROM applications a {c.where} GROUP BY a.status),
             hire_days AS (
                 SELECT extract(epoch FROM min(h.changed_at) - a.applied_at) / 86400 AS days
                 FROM applications a JOIN application_status_history h
                      ON h.application_id = a.id AND h.agency_id = $1 AND h.to_status = 'hired'
                 {c.where} AND a.status = 'hired' GROUP BY a.id, a.applied_at)
            SELECT coalesce(sum(n), 0)::bigint AS total,
                   coalesce(jsonb_object_agg(status, n), '{{}}') AS by_status,
                   coalesce(sum(n) FILTER (WHERE status = 'hired'), 0)::bigint AS hired,
                   round(coalesce(sum(n) FILTER (WHERE status = 'hired'), 0) / nullif(sum(n), 0), 4) AS conversion_rate,
                   (SELECT round(avg(days)::numeric, 2) FROM hire_days) AS average_time_to_hire_days,
                   round(sum(score_sum) / nullif(sum(scored), 0), 2) AS average_score,
                   coalesce(sum(with_resume), 0)::bigint AS with_resume
            FROM per_status""",
        *c.args,
    )


async def interviews_report(conn: Connection, agency_id: UUID, *, since: datetime | None, until: datetime | None) -> Record:
    """One pass over the interviews grouped by status and type."""
    c = _window(agency_id, "scheduled_at", since, until)
    return await conn.fetchrow(
        f"""WITH g AS (
                 SELECT status, interview_type, count(*) AS n,
                        count(*) FILTER (WHERE status = 'scheduled' AND scheduled_at > now()) AS upcoming
                 FROM interviews {c.where} GROUP BY status, interview_type)
            SELECT coalesce(sum(n), 0)::bigint AS total,
                   (SELECT coalesce(jsonb_object_agg(status, n), '{{}}') FROM
                        (SELECT status, sum(n)::bigint AS n FROM g GROUP BY status) s) AS by_status,
                   (SELECT coalesce(jsonb_object_agg(interview_type, n), '{{}}') FROM
                        (SELECT interview_type, sum(n)::bigint AS n FROM g GROUP BY interview_type) t) AS by_type,
                   coalesce(sum(upcoming), 0)::bigint AS upcoming,
                   round(coalesce(sum(n) FILTER (WHERE status = 'completed'), 0)
                         / nullif(sum(n) FILTER (WHERE status <> 'scheduled'), 0), 4) AS completion_rate,
                   round(coalesce(sum(n) FILTER (WHERE status = 'no_show'), 0)
                         / nullif(sum(n) FILTER (WHERE status IN ('completed', 'no_show')), 0), 4) AS no_show_rate
            FROM g""",
        *c.args,
    )


async def clients_report(
    conn: Connection, agency_id: UUID, *, since: datetime | None, until: datetime | None, top: int
) -> Record:
    c = _window(agency_id, "created_at", since, until)
    top_param = c.param(top)
    return await conn.fetchrow(
        f"""WITH cl AS (SELECT id, name, status FROM clients {c.where}),
                 per_client_jobs AS (
                     SELECT client_id, count(*) AS jobs, count(*) FILTER (WHERE status = 'open') AS open_jobs
                     FROM jobs WHERE agency_id = $1 AND client_id IN (SELECT id FROM cl) GROUP BY client_id),
                 per_client_apps AS (
                     SELECT j.client_id, count(*) AS applications, count(*) FILTER (WHERE a.status = 'hired') AS hires
                     FROM applications a JOIN jobs j ON j.id = a.job_id
                     WHERE a.agency_id = $1 AND j.agency_id = $1 AND j.client_id IN (SELECT id FROM cl)
                     GROUP BY j.client_id)
            SELECT (SELECT count(*) FROM cl) AS total,
                   (SELECT coalesce(jsonb_object_agg(status, n), '{{}}') FROM
                        (SELECT status, count(*) AS n FROM cl GROUP BY status) s) AS by_status,
                   (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                'clientId', t.id, 'name', t.name, 'status', t.status, 'jobs', t.jobs,
                                'openJobs', t.open_jobs, 'applications', t.applications, 'hires', t.hires)
                            ORDER BY t.applications DESC, t.name), '[]') FROM (
                        SELECT cl.id, cl.name, cl.status,
                               coalesce(pj.jobs, 0) AS jobs, coalesce(pj.open_jobs, 0) AS open_jobs,
                               coalesce(pa.applications, 0) AS applications, coalesce(pa.hires, 0) AS hires
                        FROM cl LEFT JOIN per_client_jobs pj ON pj.client_id = cl.id
                                LEFT JOIN per_client_apps pa ON pa.client_id = cl.id
                        ORDER BY applications DESC, cl.name LIMIT {top_param}) t) AS top_clients""",
        *c.args,
    )
