"""Fixtures for media tests: synthetic speech from tests/media/speech.py.

speech.py is loaded by file location so that it imports the same way under pytest's default
(prepend) and importlib import modes, without touching sys.path.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _load_speech_module() -> ModuleType:
    name = "recruit_hub_tests_media_speech"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("speech.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    spec.loader.exec_module(module)
    return module


speech_helpers = _load_speech_module()


@pytest.fixture
def speech(tmp_path: Path):
    """A factory: speech("text", voice="en-us", speed=150) -> WAV path.

    Also speech.conversation([(voice, text), ...]) and speech.concat([paths]) -> WAV path.
    """
    if not speech_helpers.espeak_available():
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng); needed to make speech")
    return speech_helpers.SpeechFactory(tmp_path / "speech")
