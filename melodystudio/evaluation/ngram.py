"""N-gram baselines over integer symbols: interpolated modified Kneser-Ney, and its IDyOM-style
long-term + short-term combination.

``KneserNey`` follows Chen & Goodman (1998), "An empirical study of smoothing techniques for
language modeling", section 3 (interpolated modified Kneser-Ney). For a history h (the last
order-1 symbols) and its shortened history h' (h without its oldest symbol)::

    p(w | h) = max(c(h w) - D(c(h w)), 0) / c(h)  +  gamma(h) * p(w | h')
    gamma(h) = (D1 * N1(h .) + D2 * N2(h .) + D3+ * N3+(h .)) / c(h)

c is the raw count at the highest order and the continuation count N1+(. h w) (how many distinct
symbols precede h w) at every lower order. N1/N2/N3+(h .) count the symbols seen after h exactly
once, twice, three or more times. The unigram level interpolates with the uniform distribution
1/V, so no symbol ever gets zero probability. A history never seen passes all its mass down
(p(w | h) = p(w | h')). The three discounts of each order come from that order's count-of-counts
n1..n4 (Chen & Goodman eq. 26)::

    Y = n1 / (n1 + 2 n2),  D1 = 1 - 2Y n2/n1,  D2 = 2 - 3Y n3/n2,  D3+ = 3 - 4Y n4/n3

Every sequence is left-padded with order-1 BOS symbols, so the first note of a tune is predicted
from "tune start" contexts, and every lower-order n-gram occurrence has a left neighbour.
No end-of-sequence symbol is modelled: the distribution is over the V real symbols only.

Counts are kept incrementally (``observe`` adds one symbol given its history), so the same code
fits the corpus model and grows the short-term model note by note.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

# Used for an order whose count-of-counts give no usable estimate (tiny corpora, the short-term
# model): the values KenLM also falls back to.
FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)


def estimate_discounts(count_of_counts: Sequence[int]) -> tuple[float, float, float]:
    """(D1, D2, D3+) from n1..n4 (``count_of_counts[k]`` = how many n-grams were seen k times;
    index 0 unused). A discount that is undefined or outside (0, k] takes its fallback value,
    since D_k > k would make a count negative and D_k <= 0 would leave no mass for unseen symbols.
    """
    n1, n2, n3, n4 = (count_of_counts[k] for k in range(1, 5))
    y = n1 / (n1 + 2 * n2) if n1 + 2 * n2 > 0 else math.nan
    raw = (1 - 2 * y * n2 / n1 if n1 else math.nan,
           2 - 3 * y * n3 / n2 if n2 else math.nan,
           3 - 4 * y * n4 / n3 if n3 else math.nan)
    return tuple(d if 0 < d <= k else fb  # type: ignore[return-value]
                 for k, (d, fb) in enumerate(zip(raw, FALLBACK_DISCOUNTS), start=1))


class _Context:
    """What follows one history at one order: symbol -> count, their sum, and how many symbols
    sit in each count class (``classes[1]``, ``[2]``, ``[3]`` = seen once, twice, 3+ times)."""

    __slots__ = ("classes", "counts", "total")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.total = 0
        self.classes = [0, 0, 0, 0]


class KneserNey:
    """Interpolated modified Kneser-Ney model of symbols 0..vocab_size-1 (see the module doc).

    ``history`` arguments are the tune so far, oldest first; only the last order-1 symbols are
    used, and a shorter history is taken as the start of a tune (BOS-padded).
    """

    def __init__(self, order: int = 5, vocab_size: int = 128,
                 discounts: Sequence[tuple[float, float, float]] | None = None) -> None:
        if order < 1:
            raise ValueError(f"an n-gram model needs order >= 1, not {order}")
        if vocab_size < 1:
            raise ValueError(f"vocab_size must be >= 1, not {vocab_size}")
        if discounts is not None and len(discounts) != order:
            raise ValueError(f"give one (D1, D2, D3+) per order: {order}, not {len(discounts)}")
        self.order = order
        self.vocab_size = vocab_size
        self.bos = vocab_size  # an id outside the predicted vocabulary
        if discounts is not None and not all(0 <= d <= k for ds in discounts for k, d in enumerate(ds, 1)):
            raise ValueError(f"discounts must satisfy 0 <= D_k <= k (keeps probabilities summing to 1): {discounts}")
        self._fixed = tuple(tuple(map(float, d)) for d in discounts) if discounts is not None else None
        self._tables: list[dict[tuple[int, ...], _Context]] = []
        self._count_of_counts: list[list[int]] = []
        self._discounts: tuple[tuple[float, float, float], ...] | None = None
        self.reset()

    # -- training ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every count."""
        self._tables = [{} for _ in range(self.order)]  # index k-1: order k, keyed by history
        self._count_of_counts = [[0] * 5 for _ in range(self.order)]  # n1..n4 per order
        self._discounts = None

    def fit(self, sequences: Iterable[Sequence[int]]) -> KneserNey:
        """Train from scratch on ``sequences`` (each one tune)."""
        self.reset()
        for seq in sequences:
            self.update(seq)
        return self

    def update(self, sequence: Sequence[int]) -> None:
        """Add one more tune to the counts."""
        padded = (self.bos,) * (self.order - 1) + self._checked(sequence)
        for i in range(len(padded) - self.order + 1):
            self._add(padded[i:i + self.order])

    def observe(self, history: Sequence[int], symbol: int) -> None:
        """Add one symbol heard after ``history`` (the tune so far)."""
        self._add(self._context(history) + self._checked((symbol,)))

    def _add(self, gram: tuple[int, ...]) -> None:
        # Raw count at the top order; a lower-order count grows only when the n-gram one order up
        # is a new type (the continuation count N1+(. h w)), so the cascade stops at a seen one.
        n = self.order
        for k in range(n, 0, -1):
            table, history = self._tables[k - 1], gram[n - k:-1]
            entry = table.get(history)
            if entry is None:
                entry = table[history] = _Context()
            w = gram[-1]
            old = entry.counts.get(w, 0)
            entry.counts[w] = old + 1
            entry.total += 1
            if old:
                entry.classes[min(old, 3)] -= 1
            entry.classes[min(old + 1, 3)] += 1
            coc = self._count_of_counts[k - 1]
            if 0 < old <= 4:
                coc[old] -= 1
            if old + 1 <= 4:
                coc[old + 1] += 1
            if old:
                break
        self._discounts = None

    # -- queries -----------------------------------------------------------------------------
    @property
    def discounts(self) -> tuple[tuple[float, float, float], ...]:
        """(D1, D2, D3+) per order, index 0 = unigrams."""
        if self._fixed is not None:
            return self._fixed  # type: ignore[return-value]
        if self._discounts is None:
            self._discounts = tuple(estimate_discounts(c) for c in self._count_of_counts)
        return self._discounts

    def prob(self, history: Sequence[int], symbol: int) -> float:
        """p(symbol | history)."""
        (w,) = self._checked((symbol,))
        return self._prob(self._context(history), w)

    def distribution(self, history: Sequence[int]) -> np.ndarray:
        """p(. | history) over the vocabulary: (V,) float64 summing to 1."""
        return self._distribution(self._context(history))

    def nll(self, sequence: Sequence[int]) -> np.ndarray:
        """-ln p of each symbol given the ones before it in ``sequence``: (len,) nats."""
        seq = self._checked(sequence)
        padded = (self.bos,) * (self.order - 1) + seq
        h = self.order - 1
        return np.array([-math.log(self._prob(padded[i:i + h], w)) for i, w in enumerate(seq)])

    def sample(self, history: Sequence[int], rng: np.random.Generator, temperature: float = 1.0,
               allowed: np.ndarray | None = None) -> int:
        """Draw the next symbol. ``temperature`` scales log-probabilities (0 = most likely);
        ``allowed`` is a (V,) bool mask or an array of symbol ids to choose among."""
        return sample_from(self.distribution(history), rng, temperature, allowed)

    def _prob(self, context: tuple[int, ...], w: int) -> float:
        p = 1.0 / self.vocab_size
        for k, (d1, d2, d3) in enumerate(self.discounts, start=1):
            entry = self._tables[k - 1].get(context[len(context) - k + 1:])  # k=1: ()
            if entry is None:
                continue  # history unseen at this order: all its mass backs off
            c = entry.counts.get(w, 0)
            d = (0.0, d1, d2, d3)[min(c, 3)]
            _, n1, n2, n3 = entry.classes
            p = (max(c - d, 0.0) + (d1 * n1 + d2 * n2 + d3 * n3) * p) / entry.total
        return p

    def _distribution(self, context: tuple[int, ...]) -> np.ndarray:
        p = np.full(self.vocab_size, 1.0 / self.vocab_size)
        for k, (d1, d2, d3) in enumerate(self.discounts, start=1):
            entry = self._tables[k - 1].get(context[len(context) - k + 1:])  # k=1: ()
            if entry is None:
                continue
            size = len(entry.counts)
            symbols = np.fromiter(entry.counts.keys(), dtype=np.int64, count=size)
            counts = np.fromiter(entry.counts.values(), dtype=np.float64, count=size)
            d = np.array([0.0, d1, d2, d3])[np.minimum(counts, 3).astype(np.int64)]
            _, n1, n2, n3 = entry.classes
            p *= (d1 * n1 + d2 * n2 + d3 * n3) / entry.total
            p[symbols] += np.maximum(counts - d, 0.0) / entry.total
        return p

    def _context(self, history: Sequence[int]) -> tuple[int, ...]:
        """The last order-1 symbols of ``history``, BOS-padded on the left."""
        h = self.order - 1
        if h == 0:
            return ()
        tail = self._checked(history[-h:] if len(history) else ())
        return (self.bos,) * (h - len(tail)) + tail

    def _checked(self, symbols: Sequence[int]) -> tuple[int, ...]:
        return as_symbols(symbols, self.vocab_size)


def as_symbols(symbols: Sequence[int], vocab_size: int) -> tuple[int, ...]:
    """``symbols`` as a tuple of Python ints, each checked to lie in 0..vocab_size-1."""
    out = tuple(int(s) for s in symbols)
    if out and not 0 <= min(out) <= max(out) < vocab_size:
        bad = next(s for s in out if not 0 <= s < vocab_size)
        raise ValueError(f"symbol {bad} is outside the vocabulary 0..{vocab_size - 1}")
    return out


def sample_from(p: np.ndarray, rng: np.random.Generator, temperature: float = 1.0,
                allowed: np.ndarray | None = None) -> int:
    """Draw an index from distribution ``p`` (V,), restricted to ``allowed`` and sharpened
    (temperature < 1) or flattened (> 1) as p ** (1 / temperature)."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, not {temperature}")
    if allowed is not None:
        p = np.where(_mask(allowed, p.size), p, 0.0)
    if not np.any(p > 0):
        raise ValueError("no allowed symbol has any probability")
    if temperature == 0:
        return int(np.argmax(p))
    with np.errstate(divide="ignore"):
        logp = np.log(p) / temperature
    q = np.exp(logp - logp.max())
    return int(rng.choice(p.size, p=q / q.sum()))


def _mask(allowed: np.ndarray, size: int) -> np.ndarray:
    """(size,) bool mask from a bool mask or an array of allowed ids."""
    allowed = np.asarray(allowed)
    if allowed.dtype == bool:
        if allowed.shape != (size,):
            raise ValueError(f"an allowed mask needs shape ({size},), not {allowed.shape}")
        return allowed
    mask = np.zeros(size, dtype=bool)
    mask[allowed.astype(np.int64)] = True
    return mask


def combine_by_entropy(distributions: np.ndarray, bias: float = 7.0, method: str = "geometric") -> np.ndarray:
    """Mix model predictions (M, V) into one (V,) distribution, weighting each model by its
    certainty as in Pearce, Conklin & Wiggins (2005): w_m = H_rel(p_m) ** -bias, with
    H_rel = H(p_m) / log V (1 = uniform, 0 = certain). ``geometric`` (IDyOM's default):
    p ∝ prod_m p_m ** (w_m / sum w); ``arithmetic``: p = sum_m w_m p_m / sum w.
    """
    dists = np.asarray(distributions, dtype=np.float64)
    logs = np.log(np.maximum(dists, 1e-300))
    size = dists.shape[1]
    entropy = -(dists * logs).sum(axis=1)  # (M,) nats
    relative = entropy / math.log(size) if size > 1 else np.ones(len(dists))
    weights = np.maximum(relative, 1e-6) ** -bias  # floor: a certain model gets a large, finite weight
    weights /= weights.sum()
    if method == "arithmetic":
        return weights @ dists
    if method != "geometric":
        raise ValueError(f"combination must be 'geometric' or 'arithmetic', not '{method}'")
    mixed = np.exp(weights @ logs - (weights @ logs).max())
    return mixed / mixed.sum()


class ShortTermMix:
    """IDyOM-style prediction: a corpus-trained long-term model (LTM) combined with a short-term
    model (STM) that is trained on the current tune only, one symbol at a time, so it learns the
    tune's own motifs as they appear (Pearce 2005, "The construction and evaluation of statistical
    models of melodic structure"). Both are Kneser-Ney models here, where IDyOM uses PPM; the
    mix is ``combine_by_entropy`` (geometric, bias 7 by default, as IDyOM ships).
    """

    def __init__(self, long_term: KneserNey, order: int | None = None, bias: float = 7.0,
                 method: str = "geometric") -> None:
        if method not in ("geometric", "arithmetic"):
            raise ValueError(f"combination must be 'geometric' or 'arithmetic', not '{method}'")
        self.long_term = long_term
        self.order = long_term.order if order is None else order
        self.bias = bias
        self.method = method

    def distributions(self, sequence: Sequence[int]) -> np.ndarray:
        """Combined prediction of each symbol from the ones before it: (len, V)."""
        seq = as_symbols(sequence, self.long_term.vocab_size)
        short = KneserNey(self.order, self.long_term.vocab_size)  # empty: predicts uniformly
        out = np.empty((len(seq), self.long_term.vocab_size))
        for i, w in enumerate(seq):
            both = np.stack([self.long_term.distribution(seq[:i]), short.distribution(seq[:i])])
            out[i] = combine_by_entropy(both, self.bias, self.method)
            short.observe(seq[:i], w)  # learn the symbol only after predicting it
        return out

    def nll(self, sequence: Sequence[int]) -> np.ndarray:
        """-ln p of each symbol under the combined model: (len,) nats."""
        seq = as_symbols(sequence, self.long_term.vocab_size)
        dists = self.distributions(seq)
        return -np.log(dists[np.arange(len(seq)), list(seq)])
