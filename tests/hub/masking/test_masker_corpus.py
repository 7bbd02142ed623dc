"""The labeled corpus: its shape, that it is reproducible, and the masker's scores on it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from hub.masking import ContactMasker
from hub.masking.evaluation import CorpusMessage, CorpusReport, evaluate, load_corpus
from hub.masking.result import ENTITY_TYPES

DATA = Path(__file__).resolve().parents[2] / "data"
CORPUS = DATA / "masking_corpus.jsonl"
TARGET = 0.97  # message-level recall and precision per entity type (see hub/masking/evaluation.py)


def _generator() -> ModuleType:
    name = "recruit_hub_tests_make_masking_corpus"
    spec = importlib.util.spec_from_file_location(name, DATA / "make_masking_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus() -> list[CorpusMessage]:
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def report(masker: ContactMasker, corpus: list[CorpusMessage]) -> CorpusReport:
    def mask(text: str) -> tuple[str, tuple[str, ...]]:
        result = masker.mask(text)
        return result.text, result.entity_types

    return evaluate(mask, corpus)


def test_committed_corpus_is_what_the_generator_writes() -> None:
    generator = _generator()
    assert CORPUS.read_text(encoding="utf-8") == generator.render(generator.build())


def test_corpus_is_half_contact_details_mostly_disguised(corpus: list[CorpusMessage]) -> None:
    contact = [m for m in corpus if m.entities]
    assert len(corpus) >= 400
    assert len(contact) == len(corpus) // 2
    assert sum(m.obfuscated for m in contact) >= 150
    assert all(m.secrets for m in contact)
    assert {e for m in contact for e in m.entities} == set(ENTITY_TYPES)


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_recall_per_entity_type(report: CorpusReport, entity_type: str) -> None:
    score = report.per_type[entity_type]
    assert score.recall >= TARGET, (entity_type, score, report.misses)


@pytest.mark.parametrize("entity_type", ENTITY_TYPES)
def test_precision_per_entity_type(report: CorpusReport, entity_type: str) -> None:
    score = report.per_type[entity_type]
    assert score.precision >= TARGET, (entity_type, score, report.false_alarms)


def test_clean_messages_and_their_figures_come_through(report: CorpusReport) -> None:
    assert report.clean_untouched / report.clean_messages >= TARGET
    assert report.keep_intact / report.keep_messages >= TARGET
