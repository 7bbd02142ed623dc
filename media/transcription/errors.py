"""The one error the transcription engines raise for audio they cannot use."""


class TranscriptionError(Exception):
    """The audio is missing, empty, corrupt or not audio at all; the message says which."""
