-- Tenancy, people, credentials, the event outbox and the durable job queue.

CREATE TABLE agencies (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    plan        text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro', 'enterprise')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id      uuid REFERENCES agencies (id) ON DELETE CASCADE,
    email          text NOT NULL,
    password_hash  text NOT NULL,
    full_name      text NOT NULL DEFAULT '',
    role           text NOT NULL CHECK (role IN ('owner', 'admin', 'recruiter', 'interviewer', 'candidate')),
    headline       text,
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz,
    -- candidates register themselves and belong to no agency; everyone else belongs to one
    CONSTRAINT users_candidate_has_no_agency CHECK ((role = 'candidate') = (agency_id IS NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_agency_idx ON users (agency_id, role);

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id     uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    name          text NOT NULL,
    prefix        text NOT NULL UNIQUE,
    secret_hash   bytea NOT NULL,
    scopes        text[] NOT NULL,
    rate_limit    integer NOT NULL DEFAULT 300,
    ip_whitelist  text[] NOT NULL DEFAULT '{}',
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_agency_idx ON api_keys (agency_id);

-- Domain events, written in the same transaction as the change that caused them.
CREATE TABLE events (
    id             bigserial PRIMARY KEY,
    event_id       uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    agency_id      uuid REFERENCES agencies (id) ON DELETE CASCADE,
    type           text NOT NULL,
    data           jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    dispatched_at  timestamptz,
    -- subscribers that failed are retried from next_dispatch_at; those done are not run again
    done_subscribers   text[] NOT NULL DEFAULT '{}',
    dispatch_attempts  integer NOT NULL DEFAULT 0,
    next_dispatch_at   timestamptz NOT NULL DEFAULT now(),
    dispatch_error     text
);
CREATE INDEX events_pending_idx ON events (next_dispatch_at, id) WHERE dispatched_at IS NULL;
CREATE INDEX events_agency_idx ON events (agency_id, id);

CREATE TABLE background_jobs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind              text NOT NULL,
    payload           jsonb NOT NULL DEFAULT '{}',
    agency_id         uuid REFERENCES agencies (id) ON DELETE CASCADE,
    dedupe_key        text,
    status            text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'dead')),
    attempts          integer NOT NULL DEFAULT 0,
    max_attempts      integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at            timestamptz NOT NULL DEFAULT now(),
    locked_by         text,
    lease_expires_at  timestamptz,
    progress          real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    progress_message  text,
    result            jsonb,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX background_jobs_ready_idx ON background_jobs (run_at) WHERE status = 'queued';
CREATE INDEX background_jobs_lease_idx ON background_jobs (lease_expires_at) WHERE status = 'running';
CREATE UNIQUE INDEX background_jobs_dedupe_key ON background_jobs (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;

CREATE TABLE workers (
    id            text PRIMARY KEY,
    hostname      text NOT NULL,
    pid           integer NOT NULL,
    concurrency   integer NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now()
);
