-- Recruitment records: clients, jobs, applications and what follows them.
-- Every tenant-owned table carries agency_id; every query filters on it.

CREATE TABLE clients (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id    uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    name         text NOT NULL,
    external_id  text,
    industry     text,
    website      text,
    notes        text,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX clients_agency_name_key ON clients (agency_id, lower(name));
CREATE UNIQUE INDEX clients_agency_external_key ON clients (agency_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX clients_agency_status_idx ON clients (agency_id, status, created_at DESC);

-- Invitations to join an agency's team: a single-use token (stored as a SHA-256 digest) e-mailed
-- to the invitee; accepting it creates the account.
CREATE TABLE team_invitations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id        uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    email            text NOT NULL,
    full_name        text NOT NULL DEFAULT '',
    role             text NOT NULL CHECK (role IN ('admin', 'recruiter', 'interviewer')),
    token_hash       bytea NOT NULL UNIQUE,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'revoked')),
    invited_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    accepted_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    send_count       integer NOT NULL DEFAULT 1,
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_invitations_agency_idx ON team_invitations (agency_id, status, created_at DESC);
CREATE UNIQUE INDEX team_invitations_pending_key ON team_invitations (agency_id, lower(email)) WHERE status = 'pending';

CREATE TABLE jobs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id         uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    client_id         uuid REFERENCES clients (id) ON DELETE SET NULL,
    title             text NOT NULL,
    description       text NOT NULL DEFAULT '',
    location          text,
    employment_type   text,
    skills            text[] NOT NULL DEFAULT '{}',
    salary_min        numeric(12, 2),
    salary_max        numeric(12, 2),
    currency          text,
    status            text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'pending_approval', 'open', 'paused', 'closed', 'filled')),
    posted_by         uuid REFERENCES users (id) ON DELETE SET NULL,
    approved_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    approved_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_agency_status_idx ON jobs (agency_id, status, created_at DESC);
CREATE INDEX jobs_agency_client_idx ON jobs (agency_id, client_id);
CREATE INDEX jobs_agency_poster_idx ON jobs (agency_id, posted_by);
CREATE INDEX jobs_agency_created_idx ON jobs (agency_id, created_at DESC);
-- The candidates' job board: open jobs of every agency, newest first.
CREATE INDEX jobs_open_idx ON jobs (created_at DESC) WHERE status = 'open';

CREATE TABLE applications (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id         uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    job_id            uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    candidate_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status            text NOT NULL DEFAULT 'submitted' CHECK (status IN (
                          'submitted', 'under_review', 'shortlisted', 'interview_scheduled', 'interviewed',
                          'offer_sent', 'hired', 'rejected', 'withdrawn', 'released')),
    score             numeric(5, 2),
    skills            text[] NOT NULL DEFAULT '{}',
    experience_years  numeric(4, 1),
    cover_letter      text,
    location          text,  -- where the candidate is, as given when applying (also kept in candidate_profiles)
    resume_path       text,
    resume_name       text,
    recruiter_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    applied_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, candidate_id)
);
CREATE INDEX applications_agency_status_idx ON applications (agency_id, status, applied_at DESC);
CREATE INDEX applications_agency_job_idx ON applications (agency_id, job_id, applied_at DESC);
CREATE INDEX applications_agency_applied_idx ON applications (agency_id, applied_at DESC);
CREATE INDEX applications_candidate_idx ON applications (candidate_id, applied_at DESC);
CREATE INDEX applications_skills_idx ON applications USING gin (skills);
-- One index per range filter of GET /applications, so a filtered list never scans the table.
CREATE INDEX applications_agency_score_idx ON applications (agency_id, score);
CREATE INDEX applications_agency_experience_idx ON applications (agency_id, experience_years);
CREATE INDEX applications_agency_resume_idx ON applications (agency_id, applied_at DESC) WHERE resume_path IS NOT NULL;
CREATE INDEX applications_agency_no_resume_idx ON applications (agency_id, applied_at DESC) WHERE resume_path IS NULL;

-- What a candidate has told the hub about themselves, merged from each application they send
-- (skills accumulate; location and experience take the latest value given). Enterprise agencies
-- search these profiles (the talent pool); contact details are never part of them.
CREATE TABLE candidate_profiles (
    user_id           uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    location          text,
    skills            text[] NOT NULL DEFAULT '{}',
    experience_years  numeric(4, 1),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX candidate_profiles_skills_idx ON candidate_profiles USING gin (skills);
CREATE INDEX candidate_profiles_updated_idx ON candidate_profiles (updated_at DESC);

CREATE TABLE application_status_history (
    id              bigserial PRIMARY KEY,
    agency_id       uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    application_id  uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    from_status     text,
    to_status       text NOT NULL,
    reason          text,
    comment         text,
    changed_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    changed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_history_idx ON application_status_history (application_id, changed_at);
CREATE INDEX application_history_agency_to_idx ON application_status_history (agency_id, to_status, changed_at);

CREATE TABLE interviews (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id         uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    application_id    uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    interview_type    text NOT NULL,
    scheduled_at      timestamptz NOT NULL,
    duration_minutes  integer NOT NULL DEFAULT 60 CHECK (duration_minutes BETWEEN 5 AND 600),
    interviewer_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    scheduled_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    status            text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'completed', 'cancelled', 'no_show')),
    outcome           text,
    notes             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interviews_agency_scheduled_idx ON interviews (agency_id, scheduled_at);
CREATE INDEX interviews_application_idx ON interviews (application_id);

CREATE TABLE offers (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id       uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    application_id  uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    salary          numeric(12, 2),
    currency        text,
    start_date      date,
    terms           text,
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'accepted', 'declined', 'withdrawn')),
    letter_path     text,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    sent_at         timestamptz,
    responded_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offers_agency_status_idx ON offers (agency_id, status);
CREATE INDEX offers_application_idx ON offers (application_id);

CREATE TABLE placements (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id       uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    application_id  uuid NOT NULL UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
    offer_id        uuid REFERENCES offers (id) ON DELETE SET NULL,
    start_date      date,
    end_date        date,
    salary          numeric(12, 2),
    fee             numeric(12, 2),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'terminated')),
    recruiter_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placements_agency_status_idx ON placements (agency_id, status);

CREATE TABLE onboarding_tasks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id       uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    application_id  uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    title           text NOT NULL,
    description     text,
    due_date        date,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'submitted', 'approved', 'rejected')),
    reviewed_by     uuid REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at     timestamptz,
    review_note     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX onboarding_agency_idx ON onboarding_tasks (agency_id, status);
CREATE INDEX onboarding_application_idx ON onboarding_tasks (application_id);

-- Files attached to records (resumes, interview attachments, offer letters).
CREATE TABLE attachments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id     uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    owner_type    text NOT NULL,
    owner_id      uuid NOT NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL,
    storage_key   text NOT NULL,
    uploaded_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_owner_idx ON attachments (agency_id, owner_type, owner_id);

-- The activity timeline (recruiter-ID guide): who did what.
CREATE TABLE activities (
    id                 bigserial PRIMARY KEY,
    agency_id          uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    action_type        text NOT NULL,
    performed_by_type  text NOT NULL CHECK (performed_by_type IN ('user', 'api_key', 'system')),
    performed_by_id    uuid,
    subject_type       text,
    subject_id         uuid,
    description        text NOT NULL,
    metadata           jsonb NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activities_agency_idx ON activities (agency_id, created_at DESC);
CREATE INDEX activities_subject_idx ON activities (agency_id, subject_type, subject_id);

-- Notifications for a person (new message while offline, interview scheduled, offer sent).
CREATE TABLE notifications (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agency_id   uuid REFERENCES agencies (id) ON DELETE CASCADE,
    type        text NOT NULL,
    title       text NOT NULL,
    body        text,
    data        jsonb NOT NULL DEFAULT '{}',
    event_id    uuid,  -- the domain event that caused it: a re-dispatched event notifies once
    read_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_event_key ON notifications (user_id, event_id) WHERE event_id IS NOT NULL;

-- Outgoing e-mail (team invitations, video invitations): stored, then sent by a job.
CREATE TABLE mail_outbox (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id   uuid REFERENCES agencies (id) ON DELETE CASCADE,
    to_address  text NOT NULL,
    subject     text NOT NULL,
    body_text   text NOT NULL,
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'logged', 'failed')),
    error       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
