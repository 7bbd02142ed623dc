-- Recordings of video rooms (mesh recorder, LiveKit Egress, integrator uploads), the
-- per-participant tracks they are made of, and one transcript per recording.

CREATE TABLE recordings (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id                uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    room_id                  uuid REFERENCES video_rooms (id) ON DELETE SET NULL,  -- NULL: an upload from outside any room
    application_id           uuid REFERENCES applications (id) ON DELETE SET NULL,
    source                   text NOT NULL CHECK (source IN ('mesh', 'livekit', 'upload')),
    status                   text NOT NULL DEFAULT 'recording'
                                 CHECK (status IN ('recording', 'ready', 'failed', 'deleted')),
    format                   text,  -- container of the main file: wav, mp4, ogg, webm, ...
    storage_key              text,  -- main file, relative to the media root; NULL when not held here
    location                 text,  -- where a provider stored it (LiveKit egress location)
    original_filename        text,
    duration_seconds         double precision CHECK (duration_seconds >= 0),
    size_bytes               bigint CHECK (size_bytes >= 0),  -- every file of the recording together
    transcription_requested  boolean NOT NULL DEFAULT false,
    transcription_job_id     uuid,  -- the latest transcription job: status and progress live there
    transcription_runs       integer NOT NULL DEFAULT 0,  -- jobs enqueued so far (dedupe key suffix)
    transcription_error      text,  -- why the latest transcription failed, for the status endpoint
    egress_id                text,  -- LiveKit egress that writes this recording
    failure_reason           text,
    created_by_type          text NOT NULL DEFAULT 'system' CHECK (created_by_type IN ('user', 'api_key', 'system')),
    created_by_id            uuid,
    started_at               timestamptz,
    ended_at                 timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    deleted_at               timestamptz
);
CREATE INDEX recordings_agency_created_idx ON recordings (agency_id, created_at DESC);
CREATE INDEX recordings_agency_room_idx ON recordings (agency_id, room_id);
CREATE INDEX recordings_agency_application_idx ON recordings (agency_id, application_id);
CREATE UNIQUE INDEX recordings_egress_key ON recordings (egress_id) WHERE egress_id IS NOT NULL;
-- A room session is recorded once per source: a retried start job finds the row it made.
CREATE UNIQUE INDEX recordings_room_source_key ON recordings (room_id, source)
    WHERE room_id IS NOT NULL AND source IN ('mesh', 'livekit');

-- One file per participant and media kind, as the mesh recorder writes them.
CREATE TABLE recording_tracks (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recording_id      uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    agency_id         uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    participant       text NOT NULL,  -- the room identity (a user id for hub users)
    participant_name  text,
    kind              text NOT NULL CHECK (kind IN ('audio', 'video')),
    format            text NOT NULL,
    storage_key       text,  -- NULL once the recording is deleted
    size_bytes        bigint NOT NULL DEFAULT 0 CHECK (size_bytes >= 0),
    duration_seconds  double precision,
    started_at        timestamptz NOT NULL,  -- when its first frame arrived: the offset on the room timeline
    ended_at          timestamptz
);
CREATE INDEX recording_tracks_recording_idx ON recording_tracks (recording_id, started_at);

-- One transcript per recording, however often its job is retried or re-run (upsert on recording_id).
CREATE TABLE transcripts (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id         uuid NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    recording_id      uuid NOT NULL UNIQUE REFERENCES recordings (id) ON DELETE CASCADE,
    job_id            uuid,  -- the job that wrote this version: a retry of it does not emit twice
    language          text NOT NULL,
    duration_seconds  double precision NOT NULL CHECK (duration_seconds >= 0),
    text              text NOT NULL,  -- contact details already masked
    segments          jsonb NOT NULL,  -- [{start, end, text, speaker}], masked, in time order
    speakers          jsonb NOT NULL DEFAULT '[]',  -- [{id, name}]
    masked            boolean NOT NULL DEFAULT false,  -- whether any contact detail was hidden
    engine            text NOT NULL,
    model             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transcripts_agency_idx ON transcripts (agency_id, created_at DESC);

-- The mesh recorder sits in a room as a hidden, receive-only participant that is neither a user
-- nor an invited guest (hub/services/room_recorder.py): allow that one kind of record.
ALTER TABLE video_room_participants DROP CONSTRAINT video_participant_is_user_or_guest;
ALTER TABLE video_room_participants ADD CONSTRAINT video_participant_is_user_guest_or_recorder
    CHECK ((user_id IS NULL) <> (invitation_id IS NULL)
           OR (user_id IS NULL AND invitation_id IS NULL AND role = 'observer'));
