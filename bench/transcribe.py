"""Transcription throughput: real-time factor (RTF) of the engines on synthetic speech.

RTF = processing seconds / audio seconds (below 1 is faster than real time). Measures the
default faster-whisper engine in one worker process, then two worker processes side by side
(each loading its own engine, as `hub worker` processes do), their resident memory, and, when
openai-whisper is installed, that engine on the same audio.

    python bench/transcribe.py [--seconds 60] [--openai-checkpoint PATH]

Needs espeak-ng to make the speech. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import os
import queue
import re
import resource
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

import psutil
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
LOAD_TIMEOUT_S = 300  # seconds a worker may take to load its engine before the bench gives up
SCRIPT = [
    ("en-us", "Good morning and thank you for joining this interview for the backend role."),
    ("en-gb+m3", "Thank you for having me. I have been looking forward to this conversation."),
    ("en-us", "Could you walk me through a project you are particularly proud of?"),
    ("en-gb+m3", "Last year I rebuilt the payment service of an online shop so it could scale."),
    ("en-us", "What was the hardest problem you ran into while doing that work?"),
    ("en-gb+m3", "Keeping orders consistent while two services wrote to the same database."),
]


def load_speech_helpers() -> ModuleType:
    """The test suite's espeak-ng helpers, loaded by file so the bench needs no test package."""
    spec = importlib.util.spec_from_file_location("bench_speech", REPO / "tests/media/speech.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_interview_audio(directory: Path, seconds: float) -> tuple[Path, float, str]:
    """Repeat the two-voice script until it lasts at least `seconds`: path, length, words said."""
    speech = load_speech_helpers()
    if not speech.espeak_available():
        sys.exit("espeak-ng is not installed (apt-get install espeak-ng); it makes the speech")
    turns = speech.conversation(SCRIPT, directory / "turns.wav")
    turn_seconds = speech.wav_duration(turns)
    copies = max(1, -(-int(seconds * 1000) // int(turn_seconds * 1000)))
    audio = speech.concat([turns] * copies, directory / "interview.wav", gap_s=0.6)
    spoken = " ".join([" ".join(text for _, text in SCRIPT)] * copies)
    return audio, speech.wav_duration(audio), spoken


@dataclass
class WorkerResult:
    worker: int
    load_s: float
    transcribe_s: float
    rss_mib: float
    peak_rss_mib: float
    text: str


def run_worker(
    worker: int,
    engine_name: str,
    model: str | None,
    threads: int,
    audio: str,
    start: mp.synchronize.Barrier,
    progress: mp.Queue,
    results: mp.Queue,
) -> None:
    """One worker process: load an engine, wait for the others, transcribe, report."""
    sys.path.insert(0, str(REPO))
    from media.transcription import load_engine

    began = time.perf_counter()
    engine = load_engine(engine_name, model, threads=threads)
    load_s = time.perf_counter() - began
    start.wait(timeout=LOAD_TIMEOUT_S)
    began = time.perf_counter()
    transcript = engine.transcribe(Path(audio), lambda f: progress.put((worker, f)))
    transcribe_s = time.perf_counter() - began
    rss = psutil.Process().memory_info().rss
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    results.put(
        asdict(
            WorkerResult(
                worker, load_s, transcribe_s, rss / 2**20, peak_kib / 1024, transcript.text
            )
        )
    )


def run_side_by_side(
    label: str, engine_name: str, model: str | None, threads: int, workers: int, audio: Path
) -> tuple[list[WorkerResult], float]:
    """Start `workers` processes on the same audio at the same moment; wall time of them all."""
    ctx = mp.get_context("spawn")  # a fresh interpreter per worker, like separate worker processes
    start, progress, results = ctx.Barrier(workers + 1), ctx.Queue(), ctx.Queue()
    processes = [
        ctx.Process(
            target=run_worker,
            args=(i, engine_name, model, threads, str(audio), start, progress, results),
        )
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        start.wait(timeout=LOAD_TIMEOUT_S)  # every engine is loaded: one clock start for all
    except threading.BrokenBarrierError:
        sys.exit(f"{label}: the workers did not load their engines within {LOAD_TIMEOUT_S} s")
    began = time.perf_counter()
    bars = [
        # disable=None: bars only on a terminal, so the log of a piped run stays readable
        tqdm(
            total=1.0,
            desc=f"{label} w{i}",
            position=i,
            leave=False,
            bar_format="{l_bar}{bar}",
            disable=None,
            delay=2.0,  # seconds: short runs finish before a bar is worth drawing
        )
        for i in range(workers)
    ]
    collected: list[WorkerResult] = []
    while len(collected) < workers:
        try:
            worker, fraction = progress.get(timeout=0.2)
            bars[worker].n = fraction
            bars[worker].refresh()
        except queue.Empty:
            pass
        try:
            collected.append(WorkerResult(**results.get_nowait()))
        except queue.Empty:
            if not any(p.is_alive() for p in processes) and results.empty():
                codes = [p.exitcode for p in processes]
                sys.exit(f"{label}: a worker process died (exit codes {codes})")
    wall = time.perf_counter() - began
    for bar in bars:
        bar.close()
    for process in processes:
        process.join()
    return sorted(collected, key=lambda r: r.worker), wall


def word_error_rate(script: str, text: str) -> str:
    """WER against the spoken script, when jiwer (a dev dependency) is installed."""
    try:
        import jiwer
    except ImportError:
        return "n/a"

    def words(t: str) -> str:
        return " ".join(re.sub(r"[^a-z' ]+", " ", t.lower()).split())

    return f"{jiwer.wer(words(script), words(text)):.3f}"


def report(
    label: str, results: list[WorkerResult], wall: float, audio_s: float, threads: int, script: str
) -> None:
    print(f"\n{label}: {len(results)} worker process(es), {threads} thread(s) each")
    for r in results:
        print(
            f"  worker {r.worker}: RTF {r.transcribe_s / audio_s:.3f} "
            f"({r.transcribe_s:.1f} s for {audio_s:.1f} s audio, model load {r.load_s:.2f} s), "
            f"RSS {r.rss_mib:.0f} MiB (peak {r.peak_rss_mib:.0f} MiB), "
            f"WER {word_error_rate(script, r.text)}"
        )
    throughput = len(results) * audio_s / wall
    print(f"  aggregate: {throughput:.1f} audio seconds per second ({wall:.1f} s wall)")


def make_random_checkpoint(directory: Path) -> Path:
    """A tiny random-weight Whisper: exercises the openai-whisper pipeline, not a real model."""
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,
        n_audio_state=64,
        n_audio_head=2,
        n_audio_layer=1,
        n_vocab=51864,
        n_text_ctx=64,
        n_text_state=64,
        n_text_head=2,
        n_text_layer=1,
    )
    model = Whisper(dims)
    torch.nn.init.normal_(model.decoder.positional_embedding, std=0.02)  # left empty by Whisper
    path = directory / "random-tiny.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the speech (s)")
    parser.add_argument("--model", default=None, help="faster-whisper model dir (default tiny.en)")
    parser.add_argument(
        "--threads", type=int, default=0, help="threads per worker (default: cores / workers)"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes side by side")
    parser.add_argument("--openai-checkpoint", type=Path, default=None, help="local .pt file")
    args = parser.parse_args()

    cores = os.cpu_count() or 1
    all_threads = args.threads or cores  # what threads=0 (the default) gives one worker
    side_threads = args.threads or max(1, cores // args.workers)
    print(f"machine: {cores} logical CPU(s), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM")
    with tempfile.TemporaryDirectory() as tmp:
        audio, audio_s, script = make_interview_audio(Path(tmp), args.seconds)
        print(f"audio: {audio_s:.1f} s of two-voice espeak-ng speech")
        engine_label = f"faster-whisper ({args.model or 'bundled tiny.en'}, int8)"

        # One worker with all cores, then with a side-by-side worker's share, for comparison.
        for threads in dict.fromkeys([all_threads, side_threads]):
            results, wall = run_side_by_side(
                "single", "faster-whisper", args.model, threads, 1, audio
            )
            report(f"{engine_label}, single worker", results, wall, audio_s, threads, script)

        results, wall = run_side_by_side(
            "side by side", "faster-whisper", args.model, side_threads, args.workers, audio
        )
        report(f"{engine_label}, side by side", results, wall, audio_s, side_threads, script)

        if importlib.util.find_spec("whisper") is None:
            print("\nopenai-whisper: not installed (the openai-whisper extra); skipped")
            return
        if args.openai_checkpoint is not None:
            checkpoint = args.openai_checkpoint
            label = f"openai-whisper ({checkpoint.name}, float32)"
        else:
            checkpoint = make_random_checkpoint(Path(tmp))
            label = (
                "openai-whisper (RANDOM tiny checkpoint made on the fly, float32: "
                "cost of the pipeline only, not of a real model; WER meaningless)"
            )
        results, wall = run_side_by_side(
            "openai", "openai-whisper", str(checkpoint), all_threads, 1, audio
        )
        report(label, results, wall, audio_s, all_threads, script)


if __name__ == "__main__":
    main()
