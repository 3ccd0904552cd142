"""The stress-to-meter prior: its table, its file, and what it does to where syllables start."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from melodystudio.core import TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import run_to_end
from melodystudio.engine import GenerationOptions
from melodystudio.engine.melody import MelodyEngine
from melodystudio.engine.sampling import _bar_prior, log_softmax
from melodystudio.engine.stress_prior import PRIOR_FILE, StressPrior, onset_levels
from melodystudio.lyrics.syllables import Stress, Syllable, WordPosition
from melodystudio.tokens.heads import BAR_STAGE, POS_STAGE
from melodystudio.training.stress_prior import add_to_model
from tests.engine.conftest import Q, scale_song

# syllables by metrical level 0..4 (rows unstressed, primary, secondary): primary ones on bar lines
COUNTS = np.array([[10, 10, 40, 60, 30], [60, 20, 20, 10, 2], [1, 1, 2, 2, 1]])


def test_the_table_is_the_smoothed_log_ratio_of_the_counts() -> None:
    prior = StressPrior.fit(COUNTS, 2.0)
    c = COUNTS + 1.0
    expected = np.log(c[1, 0] / c[1].sum() / (c[:, 0].sum() / c.sum()))
    assert prior.log_ratio[2, 0] == pytest.approx(expected)  # primary on the bar line: log(0.55 / 0.27)
    assert prior.log_ratio[2, 0] > 0 > prior.log_ratio[1, 0]  # primary drawn to it, unstressed pushed off
    assert (prior.log_ratio[0] == 0).all()  # a held note (no syllable) gets no prior
    again = StressPrior.from_json(json.loads(json.dumps(prior.to_json(COUNTS, "test counts"))))
    assert again.weight == 2.0 and np.allclose(again.log_ratio, prior.log_ratio, atol=1e-4)


def test_onset_cells_get_their_levels_and_weights() -> None:
    onsets = np.array([[0, 240, 480, 720, -1], [1920, 2160, 2400, -1, -1]])  # two bars: 4/4, then 3/4
    levels = onset_levels(onsets, np.array([0, 1920]), [TimeSignature(0, 4, 4), TimeSignature(0, 3, 4)])
    assert levels.tolist() == [[0, 3, 2, 3, -1], [0, 3, 2, -1, -1]]
    prior = StressPrior.fit(COUNTS, 1.5)
    w = prior.onset_weights([int(Stress.PRIMARY), 0], levels)
    assert w.shape == (2, 2, 5)
    assert w[0, 0, 0] == pytest.approx(1.5 * prior.log_ratio[2, 0]) and w[0, 0, 4] == 0.0  # closed cell
    assert not w[1].any()  # the held note


def test_bar_then_position_draws_from_the_product_of_model_and_prior(cond_engine: MelodyEngine) -> None:
    """Adding _bar_prior to the bar logits and the prior to the position logits gives exactly
    P(bar) P(pos | bar) exp(prior) / Z, the product of experts, over the allowed onsets."""
    heads = cond_engine.heads
    rng = np.random.default_rng(0)
    h = rng.normal(size=(2, cond_engine.files.manifest["model_config"]["d_model"])).astype(np.float32)
    bars, positions = heads.sizes[BAR_STAGE], heads.sizes[POS_STAGE]
    prior = np.zeros((2, bars, positions))
    prior[:, 3:6, :48] = rng.normal(scale=2.0, size=(2, 3, 48))
    open_bars = np.zeros((2, bars), bool)
    open_bars[:, 3:6] = True

    def allow(stage: int, chosen: np.ndarray) -> np.ndarray | None:
        if stage == BAR_STAGE:
            return open_bars
        if stage == POS_STAGE:
            m = np.zeros((len(chosen), positions), bool)
            m[:, :48] = True
            m[:, 0] = chosen[:, BAR_STAGE] != 4  # a closed cell in bar 4
            return m
        return None

    chosen = np.zeros((2, 5), dtype=np.int64)
    lift = _bar_prior(heads, h, heads.first_layer(h), chosen, allow, prior, open_bars)
    bar_logp = log_softmax(np.where(open_bars, heads.logits(BAR_STAGE, h, chosen) + lift, -np.inf))
    joint = np.zeros((2, bars, positions))
    direct = np.zeros((2, bars, positions))
    for bar in range(3, 6):
        trial = chosen.copy()
        trial[:, BAR_STAGE] = bar
        mask = allow(POS_STAGE, trial)
        raw = np.where(mask, heads.logits(POS_STAGE, h, trial), -np.inf)
        joint[:, bar] = np.exp(bar_logp[:, bar, None] + log_softmax(raw + prior[:, bar]))
        model = np.exp(log_softmax(np.where(open_bars, heads.logits(BAR_STAGE, h, chosen), -np.inf))[:, bar, None]
                       + log_softmax(raw))
        direct[:, bar] = model * np.exp(prior[:, bar])
    direct /= direct.sum(axis=(1, 2), keepdims=True)
    assert np.allclose(joint, direct, atol=1e-9)


def stressed_syllables(n: int) -> list[Syllable]:
    """'DUM da DUM da ...': primary stress on every other syllable."""
    return [Syllable("dum" if i % 2 == 0 else "da", Stress.PRIMARY if i % 2 == 0 else Stress.UNSTRESSED, i // 2, 0,
                     WordPosition.BEGIN if i % 2 == 0 else WordPosition.END) for i in range(n)]


@pytest.fixture(scope="module")
def prior_dir(cond_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("with-prior") / "melody"
    shutil.copytree(cond_model_dir, out)
    add_to_model(out, StressPrior.fit(COUNTS, 6.0), COUNTS, "test counts")
    return out


def test_a_model_with_the_prior_puts_stressed_syllables_on_strong_beats(prior_dir: Path,
                                                                        cond_engine: MelodyEngine) -> None:
    engine = MelodyEngine.load(prior_dir, provider="cpu", threads=1)
    assert engine.stress_prior is not None and cond_engine.stress_prior is None
    song, syllables = scale_song(bars=10), stressed_syllables(16)
    options = GenerationOptions(variations=8, seed=2)

    def strong_share(e: MelodyEngine, use_lyrics: bool = True) -> float:
        notes = [n for v in run_to_end(e.lyrics(song, 1, 8, syllables, options, use_lyrics)) for n in v.notes[::2]]
        return float(np.mean([n.onset % (2 * Q) == 0 for n in notes]))  # bar line or beat 3 in 4/4
    with_prior, without = strong_share(engine), strong_share(cond_engine)
    assert with_prior > without + 0.2
    assert strong_share(engine, use_lyrics=False) == pytest.approx(strong_share(cond_engine, use_lyrics=False))


def test_a_damaged_prior_file_is_one_clear_error(prior_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "melody"
    shutil.copytree(prior_dir, copy)
    (copy / PRIOR_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(MelodyStudioError, match=r"stress_prior\.json is damaged"):
        MelodyEngine.load(copy, provider="cpu")
    data = json.loads((prior_dir / PRIOR_FILE).read_text(encoding="utf-8"))
    data["log_ratio"] = data["log_ratio"][:2]  # a wrong table with a fresh checksum
    add_json = json.dumps(data)
    (copy / PRIOR_FILE).write_text(add_json, encoding="utf-8")
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][PRIOR_FILE] = hashlib.sha256(add_json.encode()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(MelodyStudioError, match="not a stress prior"):
        MelodyEngine.load(copy, provider="cpu")
    (copy / PRIOR_FILE).unlink()
    with pytest.raises(MelodyStudioError, match=r"stress_prior\.json is missing"):
        MelodyEngine.load(copy, provider="cpu")
