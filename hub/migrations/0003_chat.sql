-- Live chat: threads tied to an application, a job or a direct contact, their participants,
-- masked messages and read receipts. Only masked text is ever stored.

CREATE TABLE chat_threads (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id        uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    application_id   uuid REFERENCES applications (id) ON DELETE SET NULL,
    job_id           uuid REFERENCES jobs (id) ON DELETE SET NULL,
    subject          text CHECK (length(subject) <= 200),
    created_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    last_message_at  timestamptz
);
CREATE INDEX chat_threads_agency_idx ON chat_threads (agency_id, created_at DESC);
CREATE INDEX chat_threads_application_idx ON chat_threads (application_id) WHERE application_id IS NOT NULL;

-- seq orders messages for cursors (ids are random UUIDs); content is the masked text.
CREATE TABLE chat_messages (
    seq            bigserial UNIQUE,
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    thread_id      uuid NOT NULL REFERENCES chat_threads (id) ON DELETE CASCADE,
    agency_id      uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    sender_id      uuid REFERENCES users (id) ON DELETE SET NULL,
    client_msg_id  text NOT NULL CHECK (length(client_msg_id) BETWEEN 1 AND 100),
    content        text NOT NULL CHECK (length(content) <= 16000),
    masked         boolean NOT NULL DEFAULT false,
    masked_types   text[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- a retried send (same clientMsgId from the same sender) must not store a second message
    CONSTRAINT chat_messages_client_msg_key UNIQUE (thread_id, sender_id, client_msg_id)
);
CREATE INDEX chat_messages_thread_seq_idx ON chat_messages (thread_id, seq);

CREATE TABLE chat_participants (
    thread_id             uuid NOT NULL REFERENCES chat_threads (id) ON DELETE CASCADE,
    user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at             timestamptz NOT NULL DEFAULT now(),
    last_read_message_id  uuid REFERENCES chat_messages (id) ON DELETE SET NULL,
    last_read_seq         bigint NOT NULL DEFAULT 0,  -- seq of last_read_message_id, for unread counts
    last_read_at          timestamptz,
    PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX chat_participants_user_idx ON chat_participants (user_id, thread_id);
