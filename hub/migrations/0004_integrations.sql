-- The integrator platform: API key lineage, webhook endpoints, deliveries and their attempts,
-- and the per-request audit log (written in batches, never on the request path).

-- Keys made by another key (created_by is a user), and the key a rotation replaced.
ALTER TABLE api_keys
    ADD COLUMN created_by_key_id  uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    ADD COLUMN rotated_from_id    uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    ADD CONSTRAINT api_keys_rate_limit_positive CHECK (rate_limit >= 1);

CREATE TABLE webhook_endpoints (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id                   uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    url                         text NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    description                 text NOT NULL DEFAULT '',
    events                      text[] NOT NULL CHECK (cardinality(events) >= 1),  -- types, or '*'
    secret                      text NOT NULL,  -- whsec_<base64>; needed in clear to sign
    previous_secret             text,  -- still signed with until previous_secret_expires_at
    previous_secret_expires_at  timestamptz,
    active                      boolean NOT NULL DEFAULT true,
    disabled_at                 timestamptz,
    disabled_reason             text,
    failing_since               timestamptz,  -- first failure after the last success
    last_success_at             timestamptz,
    last_failure_at             timestamptz,
    created_by_type             text NOT NULL CHECK (created_by_type IN ('user', 'api_key')),
    created_by_id               uuid NOT NULL,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_agency_idx ON webhook_endpoints (agency_id) WHERE active;

-- One row per (endpoint, event): the message an endpoint must receive at least once.
CREATE TABLE webhook_deliveries (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    endpoint_id       uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    agency_id         uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    event_id          uuid NOT NULL,  -- the webhook-id header: stable across attempts
    event_type        text NOT NULL,
    body              text NOT NULL,  -- the exact JSON sent and signed
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz,
    last_status_code  integer,
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);

CREATE TABLE webhook_attempts (
    id                bigserial PRIMARY KEY,
    delivery_id       uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    endpoint_id       uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    attempt           integer NOT NULL,
    status_code       integer,  -- NULL when no HTTP answer came back
    succeeded         boolean NOT NULL,
    duration_ms       double precision NOT NULL,
    response_excerpt  text,  -- first 1 KiB of the answer
    error             text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, created_at DESC);

-- Every API call. No foreign keys: rows are copied in batches and must never be refused.
CREATE TABLE audit_logs (
    id           bigserial PRIMARY KEY,
    agency_id    uuid,
    api_key_id   uuid,
    user_id      uuid,
    method       text NOT NULL,
    endpoint     text NOT NULL,  -- the route template, e.g. /api/v1/webhooks/{id}
    path         text NOT NULL,
    status       integer NOT NULL,
    ip           text,
    user_agent   text,
    duration_ms  double precision NOT NULL,
    request_id   text,
    created_at   timestamptz NOT NULL
);
CREATE INDEX audit_logs_agency_idx ON audit_logs (agency_id, created_at DESC);
CREATE INDEX audit_logs_key_idx ON audit_logs (api_key_id, created_at) WHERE api_key_id IS NOT NULL;
