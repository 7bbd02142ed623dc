-- Video rooms (embedded mesh or LiveKit), who may join them, and e-mailed invitations.

CREATE TABLE video_rooms (
    id                    uuid PRIMARY KEY,
    agency_id             uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    provider              text NOT NULL CHECK (provider IN ('mesh', 'livekit')),
    provider_room         text NOT NULL UNIQUE,  -- the room's name at the provider
    call_type             text NOT NULL CHECK (call_type IN (
                              'screening', 'technical', 'client_intro', 'client_round_1', 'client_round_2',
                              'final', 'other')),
    title                 text CHECK (length(title) <= 200),
    application_id        uuid REFERENCES applications (id) ON DELETE SET NULL,
    interview_id          uuid REFERENCES interviews (id) ON DELETE SET NULL,
    -- A chat thread; chat_threads belongs to another migration, so the link is checked in code.
    thread_id             uuid,
    status                text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'active', 'ended')),
    max_participants      integer NOT NULL CHECK (max_participants BETWEEN 2 AND 100),
    enable_recording      boolean NOT NULL DEFAULT false,
    enable_transcription  boolean NOT NULL DEFAULT false,
    scheduled_for         timestamptz,
    ends_at               timestamptz,  -- no join token outlives it
    started_at            timestamptz,
    ended_at              timestamptz,
    created_by_type       text NOT NULL CHECK (created_by_type IN ('user', 'api_key')),
    created_by            uuid,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT video_rooms_ends_after_start CHECK (ends_at IS NULL OR scheduled_for IS NULL OR ends_at > scheduled_for)
);
CREATE INDEX video_rooms_agency_created_idx ON video_rooms (agency_id, created_at DESC);
CREATE INDEX video_rooms_agency_status_idx ON video_rooms (agency_id, status);
CREATE INDEX video_rooms_application_idx ON video_rooms (application_id) WHERE application_id IS NOT NULL;
CREATE INDEX video_rooms_interview_idx ON video_rooms (interview_id) WHERE interview_id IS NOT NULL;
CREATE INDEX video_rooms_thread_idx ON video_rooms (thread_id) WHERE thread_id IS NOT NULL;

-- One-time join links sent by e-mail; only the SHA-256 of the link's secret is kept.
CREATE TABLE video_invitations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id        uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    room_id          uuid NOT NULL REFERENCES video_rooms (id) ON DELETE CASCADE,
    email            text NOT NULL CHECK (length(email) <= 254),
    display_name     text NOT NULL DEFAULT 'Guest' CHECK (length(display_name) <= 200),
    role             text NOT NULL CHECK (role IN ('participant', 'observer')),
    token_hash       bytea NOT NULL UNIQUE,
    send_count       integer NOT NULL DEFAULT 0,
    last_mail_id     uuid REFERENCES mail_outbox (id) ON DELETE SET NULL,
    expires_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    clicked_at       timestamptz,
    accepted_at      timestamptz,  -- the link was exchanged for a join token (once)
    joined_at        timestamptz,  -- the guest actually entered the room
    revoked_at       timestamptz,
    created_by_type  text NOT NULL CHECK (created_by_type IN ('user', 'api_key')),
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX video_invitations_room_idx ON video_invitations (agency_id, room_id, created_at DESC);

-- Everyone who holds (or may ask for) a join token of a room, and what became of them.
CREATE TABLE video_room_participants (
    room_id          uuid NOT NULL REFERENCES video_rooms (id) ON DELETE CASCADE,
    agency_id        uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    identity         uuid NOT NULL,  -- the user's id, or the invitation's id for a guest
    user_id          uuid REFERENCES users (id) ON DELETE CASCADE,
    invitation_id    uuid REFERENCES video_invitations (id) ON DELETE CASCADE,
    display_name     text NOT NULL DEFAULT '',
    authorized_role  text CHECK (authorized_role IN ('host', 'participant', 'observer')),  -- pre-authorized or invited
    role             text NOT NULL CHECK (role IN ('host', 'participant', 'observer')),    -- of the latest token
    status           text NOT NULL DEFAULT 'authorized' CHECK (status IN ('authorized', 'joined', 'left', 'removed')),
    generation       integer NOT NULL DEFAULT 1,  -- bumped on removal: tokens that carry an older one stop working
    sid              text,  -- the mesh Socket.IO connection, while joined (kept after removal to disconnect it)
    authorized_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    joined_at        timestamptz,
    left_at          timestamptz,
    removed_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, identity),
    CONSTRAINT video_participant_is_user_or_guest CHECK ((user_id IS NULL) <> (invitation_id IS NULL))
);
CREATE INDEX video_room_participants_user_idx ON video_room_participants (user_id) WHERE user_id IS NOT NULL;

-- LiveKit webhook ids already applied: LiveKit re-sends on failure, each is applied once.
CREATE TABLE video_provider_events (
    event_id     text PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now()
);
