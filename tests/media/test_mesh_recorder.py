"""The mesh peer and room recorder over real aiortc connections, with signaling relayed in-process."""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import AsyncIterator, Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from media.mesh import (
    LocalSignalingRouter,
    MeshPeer,
    RoomRecorder,
    SignalingError,
    payload_to_session_description,
    peer_connection_configuration,
    session_description_to_payload,
)
from media.mesh.gap_filling import GapFillingTrack

pytestmark = pytest.mark.timeout(30)

SAMPLE_RATE = 48000  # Hz, what Opus decodes to
ALICE_HZ = 440.0
BOB_HZ = 1250.0
TONE_SECONDS = 10.0  # longer than any test records, so the players never run dry
RECORD_SECONDS = 2.0
MIN_RMS = 0.05  # of full scale; the tones are written at 0.3 peak (0.21 RMS)


def write_tone(path: Path, frequency: float, seconds: float = TONE_SECONDS) -> Path:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    samples = (0.3 * np.sin(2 * np.pi * frequency * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return path


def write_moving_bar_video(path: Path, seconds: int = 8, fps: int = 15) -> Path:
    """A small clip with video (a moving white bar) and a tone, as a camera and microphone would give."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = container.add_stream("pcm_s16le", rate=SAMPLE_RATE, layout="mono")
        for i in range(seconds * fps):
            image = np.zeros((120, 160, 3), np.uint8)
            image[:, (i * 4) % 140 : (i * 4) % 140 + 20] = 255
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        chunk = 960
        for i in range(seconds * SAMPLE_RATE // chunk):
            t = (np.arange(chunk) + i * chunk) / SAMPLE_RATE
            pcm = (0.3 * np.sin(2 * np.pi * ALICE_HZ * t) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate, frame.pts = SAMPLE_RATE, i * chunk
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    return path


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples in [-1, 1] and the sample rate, decoded with PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        # Packed s16 (what the recorder writes): one row of interleaved channels per frame.
        mono = [
            frame.to_ndarray().reshape(-1, len(frame.layout.channels)).mean(axis=1)
            for frame in container.decode(stream)
        ]
    return np.concatenate(mono) / 32768, rate


def band_energy(samples: np.ndarray, rate: int, frequency: float) -> float:
    """Spectral energy within 20 Hz of `frequency` (Hann window, so one tone does not leak into the other's band)."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return float(spectrum[np.abs(freqs - frequency) < 20].sum())


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


@pytest.fixture
async def router() -> AsyncIterator[LocalSignalingRouter]:
    router = LocalSignalingRouter()
    yield router
    await router.close()


@pytest.fixture
async def join(router: LocalSignalingRouter) -> AsyncIterator[Callable[..., MeshPeer]]:
    """Adds a MeshPeer to the room; closes them all afterwards."""
    peers: list[MeshPeer] = []

    def create(identity: str, media: Path | None = None, **kwargs: object) -> MeshPeer:
        player = MediaPlayer(str(media)) if media is not None else None
        peer = MeshPeer(identity, router.channel(identity), player=player, **kwargs)
        router.attach(identity, peer.handle_signal)
        peers.append(peer)
        return peer

    yield create
    for peer in peers:
        await peer.close()


@pytest.fixture
async def recorder(router: LocalSignalingRouter, tmp_path: Path) -> AsyncIterator[RoomRecorder]:
    recorder = RoomRecorder("room-1", tmp_path / "recordings", router.channel("recorder"))
    router.attach("recorder", recorder.handle_signal)
    yield recorder
    await recorder.stop()


@pytest.fixture
def alice_tone(tmp_path: Path) -> Path:
    return write_tone(tmp_path / "alice.wav", ALICE_HZ)


@pytest.fixture
def bob_tone(tmp_path: Path) -> Path:
    return write_tone(tmp_path / "bob.wav", BOB_HZ)


async def test_two_peers_receive_each_others_audio(
    router: LocalSignalingRouter, join: Callable[..., MeshPeer], alice_tone: Path, bob_tone: Path
) -> None:
    alice, bob = join("alice", alice_tone), join("bob", bob_tone)

    await bob.connect_to("alice")  # the newcomer offers
    await wait_until(lambda: alice.received_frames.get("bob", 0) >= 25 and bob.received_frames.get("alice", 0) >= 25)

    assert alice.connection_state("bob") == bob.connection_state("alice") == "connected"
    assert router.errors == []


async def test_peers_offering_to_each_other_at_once_end_with_one_connection(
    router: LocalSignalingRouter, join: Callable[..., MeshPeer], alice_tone: Path, bob_tone: Path
) -> None:
    """Glare: the greater identity keeps its offer, the other answers it."""
    alice, bob = join("alice", alice_tone), join("bob", bob_tone)

    await asyncio.gather(alice.connect_to("bob"), bob.connect_to("alice"))
    await wait_until(lambda: alice.received_frames.get("bob", 0) >= 25 and bob.received_frames.get("alice", 0) >= 25)

    assert alice.connected_to == ["bob"] and bob.connected_to == ["alice"]
    assert router.errors == []


async def test_observer_receives_without_sending(
    router: LocalSignalingRouter, join: Callable[..., MeshPeer], alice_tone: Path
) -> None:
    alice, observer = join("alice", alice_tone), join("observer")

    await observer.connect_to("alice")
    await wait_until(lambda: observer.received_frames.get("alice", 0) >= 25)
    await asyncio.sleep(0.5)

    assert "observer" not in alice.received_frames
    assert router.errors == []


async def test_recorder_writes_each_participant_to_its_own_file(
    router: LocalSignalingRouter,
    join: Callable[..., MeshPeer],
    recorder: RoomRecorder,
    alice_tone: Path,
    bob_tone: Path,
) -> None:
    alice = join("alice", alice_tone)
    await alice.connect_to("recorder")
    bob = join("bob", bob_tone)
    await bob.connect_to("alice")  # the newcomer offers to everyone already there, recorder included
    await bob.connect_to("recorder")
    await wait_until(lambda: len(recorder.tracks) == 2)
    await asyncio.sleep(RECORD_SECONDS)

    tracks = {track.participant: track for track in await recorder.stop()}

    assert sorted(tracks) == ["alice", "bob"]
    assert router.errors == []
    for name, own_hz, other_hz in (("alice", ALICE_HZ, BOB_HZ), ("bob", BOB_HZ, ALICE_HZ)):
        track = tracks[name]
        assert track.kind == "audio"
        assert track.path == recorder.output_dir / f"{name}-audio.wav"
        assert track.ended_at is not None and track.started_at < track.ended_at
        samples, rate = read_audio(track.path)
        assert rate == SAMPLE_RATE
        assert len(samples) / rate > RECORD_SECONDS * 0.75
        assert np.sqrt(np.mean(samples**2)) > MIN_RMS
        # Attribution: each file holds its own speaker's tone, not the other's.
        assert band_energy(samples, rate, own_hz) > 100 * band_energy(samples, rate, other_hz)


async def test_participant_left_finalizes_only_their_file(
    join: Callable[..., MeshPeer], recorder: RoomRecorder, alice_tone: Path, bob_tone: Path
) -> None:
    await join("alice", alice_tone).connect_to("recorder")
    await join("bob", bob_tone).connect_to("recorder")
    await wait_until(lambda: len(recorder.tracks) == 2)
    await asyncio.sleep(1.5)

    await recorder.participant_left("alice")

    ended = {track.participant: track.ended_at is not None for track in recorder.tracks}
    assert ended == {"alice": True, "bob": False}
    alice_file = recorder.output_dir / "alice-audio.wav"
    samples, rate = read_audio(alice_file)  # readable while the room still records
    assert len(samples) / rate > 1.0
    size_after_leaving = alice_file.stat().st_size
    await asyncio.sleep(0.5)
    assert alice_file.stat().st_size == size_after_leaving


async def test_participant_hanging_up_finalizes_their_file(
    join: Callable[..., MeshPeer], recorder: RoomRecorder, alice_tone: Path
) -> None:
    """A participant closing the connection (tab closed) ends their file before the hub says they left."""
    alice = join("alice", alice_tone)
    await alice.connect_to("recorder")
    await wait_until(lambda: len(recorder.tracks) == 1)
    await asyncio.sleep(1.0)

    await alice.participant_left("recorder")

    await wait_until(lambda: recorder.tracks[0].ended_at is not None, timeout=5)
    samples, rate = read_audio(recorder.tracks[0].path)
    assert len(samples) / rate > 0.75


async def test_recorder_writes_video_to_its_own_file(
    join: Callable[..., MeshPeer], recorder: RoomRecorder, tmp_path: Path
) -> None:
    carol = join("carol", write_moving_bar_video(tmp_path / "carol.mkv"), receive=False)
    await carol.connect_to("recorder")
    await wait_until(lambda: len(recorder.tracks) == 2)
    await asyncio.sleep(RECORD_SECONDS)

    tracks = {track.kind: track for track in await recorder.stop()}

    assert tracks["video"].path.name == "carol-video.mkv"
    assert tracks["audio"].path.name == "carol-audio.wav"
    with av.open(str(tracks["video"].path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert (stream.codec_context.width, stream.codec_context.height) == (160, 120)
    assert frames >= 10


async def test_rejoining_participant_gets_a_new_file(
    router: LocalSignalingRouter, join: Callable[..., MeshPeer], recorder: RoomRecorder, alice_tone: Path
) -> None:
    first = join("alice", alice_tone)
    await first.connect_to("recorder")
    await wait_until(lambda: len(recorder.tracks) == 1)
    await recorder.participant_left("alice")
    await first.close()

    await router.detach("alice")
    await join("alice", alice_tone).connect_to("recorder")
    await wait_until(lambda: len(recorder.tracks) == 2)

    assert [track.path.name for track in recorder.tracks] == ["alice-audio.wav", "alice-audio-2.wav"]


async def test_recorder_connects_to_a_peer_that_trickles_candidates(
    router: LocalSignalingRouter, recorder: RoomRecorder, alice_tone: Path
) -> None:
    """Browsers send the offer first and the candidates after it; aiortc peers never trickle."""
    browser = RTCPeerConnection(peer_connection_configuration())
    player = MediaPlayer(str(alice_tone))
    browser.addTrack(player.audio)
    answers: asyncio.Queue[dict[str, object]] = asyncio.Queue()

    async def on_signal(sender: str, type: str, payload: dict[str, object]) -> None:
        await answers.put(payload)

    router.attach("dave", on_signal)
    try:
        await browser.setLocalDescription(await browser.createOffer())
        lines = browser.localDescription.sdp.splitlines()
        candidates = [line.removeprefix("a=") for line in lines if line.startswith("a=candidate:")]
        bare_offer = "\r\n".join(line for line in lines if not line.startswith(("a=candidate:", "a=end-of-candidates")))
        await recorder.handle_signal("dave", "offer", {"type": "offer", "sdp": bare_offer + "\r\n"})
        await browser.setRemoteDescription(payload_to_session_description(await answers.get()))
        for candidate in candidates:
            await recorder.handle_signal(
                "dave", "candidate", {"candidate": candidate, "sdpMid": "0", "sdpMLineIndex": 0}
            )
        await recorder.handle_signal("dave", "candidate", {"candidate": "", "sdpMid": "0"})  # end of candidates

        await wait_until(lambda: [track.participant for track in recorder.tracks] == ["dave"])
    finally:
        await browser.close()
        player.audio.stop()

    assert candidates and "a=candidate" not in bare_offer


async def test_recorder_refuses_an_answer(recorder: RoomRecorder) -> None:
    with pytest.raises(SignalingError, match="never offers"):
        await recorder.handle_signal("alice", "answer", {"type": "answer", "sdp": "v=0\r\n"})


async def test_recorder_refuses_an_offer_it_cannot_parse_and_takes_the_next(
    join: Callable[..., MeshPeer], recorder: RoomRecorder, alice_tone: Path
) -> None:
    offer = {
        "type": "offer",
        "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 96\r\n",
    }

    with pytest.raises(SignalingError, match="offer refused"):
        await recorder.handle_signal("alice", "offer", offer)

    await join("alice", alice_tone).connect_to("recorder")
    await wait_until(lambda: [track.participant for track in recorder.tracks] == ["alice"])


async def test_recorder_refuses_offers_after_stop(recorder: RoomRecorder) -> None:
    await recorder.stop()
    with pytest.raises(SignalingError, match="stopped"):
        await recorder.handle_signal("alice", "offer", {"type": "offer", "sdp": "v=0\r\n"})


def test_session_description_payload_round_trips() -> None:
    desc = RTCSessionDescription(sdp="v=0\r\n", type="offer")

    payload = session_description_to_payload(desc)

    assert payload == {"type": "offer", "sdp": "v=0\r\n"}
    assert payload_to_session_description(payload) == desc


@pytest.mark.parametrize(
    "payload",
    [None, {"type": "rollback", "sdp": "v=0"}, {"type": "offer"}, {"type": "answer", "sdp": "v=0"}],
)
def test_malformed_offer_payload_is_refused(payload: object) -> None:
    with pytest.raises(SignalingError):
        payload_to_session_description(payload, expected_type="offer")


class _ScriptedAudio(MediaStreamTrack):
    """20 ms frames at given source times (seconds), each delivered after a real-time pause."""

    kind = "audio"

    def __init__(self, script: list[tuple[float, float]]) -> None:
        super().__init__()
        self._script = list(script)  # (source time, wall-clock pause before delivery)

    async def recv(self) -> av.AudioFrame:
        if not self._script:
            raise MediaStreamError
        start, pause = self._script.pop(0)
        await asyncio.sleep(pause)
        frame = av.AudioFrame.from_ndarray(np.full((1, 960 * 2), 1000, np.int16), format="s16", layout="stereo")
        frame.sample_rate, frame.time_base = SAMPLE_RATE, Fraction(1, SAMPLE_RATE)
        frame.pts = round(start * SAMPLE_RATE)
        return frame


async def drain(track: MediaStreamTrack) -> list[av.AudioFrame]:
    frames = []
    while True:
        try:
            frames.append(await track.recv())
        except MediaStreamError:
            return frames


async def test_gap_without_packets_is_filled_with_silence() -> None:
    """A 300 ms stretch with no packets (DTX, loss) keeps its length in the file."""
    track = GapFillingTrack(_ScriptedAudio([(0.0, 0), (0.02, 0), (0.34, 0.3), (0.36, 0)]))

    frames = await drain(track)

    assert sum(frame.samples for frame in frames) == pytest.approx(0.38 * SAMPLE_RATE, abs=10)
    assert float(track.silence_inserted) == pytest.approx(0.30, abs=0.001)
    assert [frame.pts for frame in frames] == sorted({frame.pts for frame in frames})


async def test_timestamp_jump_is_not_filled_beyond_wall_clock() -> None:
    """A sender that restarts its clock an hour ahead must not write an hour of silence."""
    started = time.monotonic()
    track = GapFillingTrack(_ScriptedAudio([(0.0, 0), (0.02, 0), (3600.0, 0), (3600.02, 0)]))

    frames = await drain(track)

    assert float(track.silence_inserted) <= 0.25 + (time.monotonic() - started)
    assert track.frames_received == 4
    assert sum(frame.samples for frame in frames) < SAMPLE_RATE
