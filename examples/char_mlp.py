"""A character-level MLP language model (Karpathy's makemore, part 3) trained on a word list.

    python examples/char_mlp.py names.txt [--steps 20000] [--block-size 3] [--samples 20]

The model reads the previous ``block_size`` characters and predicts the next one (Bengio et al.
2003): each character is looked up in an embedding table, the embeddings are concatenated
(flattened) and go through a hidden layer with batch norm and tanh, then to one logit per
character. Words are separated by the boundary token '.', so a name starts from the context
'...' and ends when the model samples '.'.

The initialisation follows the lesson:
- the hidden Linear gets Kaiming init with tanh's gain 5/3, so tanh is not pushed into its flat
  tails (where its gradient vanishes);
- the last layer's weights are scaled by 0.1 and its bias zeroed, so the first logits are
  almost equal and the initial loss is close to that of a uniform guess, ln(vocab_size),
  instead of a large "confidently wrong" loss the first steps would waste time squashing.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

import feedforward as ff
import feedforward.nn.functional as F
from feedforward import nn

BOUNDARY = "."  # marks both the start and the end of a word; its index is 0


def read_words(path: Path) -> list[str]:
    """One word per line; blank lines are skipped and everything is lower-cased."""
    return [w.strip().lower() for w in path.read_text().splitlines() if w.strip()]


def build_vocab(words: list[str]) -> tuple[dict[str, int], dict[int, str]]:
    """'.' gets index 0, then the characters of the words in sorted order."""
    chars = sorted(set("".join(words)) - {BOUNDARY})
    stoi = {ch: i for i, ch in enumerate([BOUNDARY, *chars])}
    return stoi, {i: ch for ch, i in stoi.items()}


def build_dataset(words: list[str], stoi: dict[str, int], block_size: int):
    """Every (context, next character) pair: "emma" gives ... -> e, ..e -> m, .em -> m, ..."""
    X, Y = [], []
    for w in words:
        context = [0] * block_size  # start from the boundary token
        for ch in w + BOUNDARY:
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]  # slide the window by one character
    return ff.tensor(X, dtype=ff.long), ff.tensor(Y, dtype=ff.long)


def make_model(vocab_size: int, block_size: int, n_embd: int, n_hidden: int) -> nn.Sequential:
    model = nn.Sequential(
        nn.Embedding(vocab_size, n_embd),  # (B, block_size) -> (B, block_size, n_embd)
        nn.Flatten(),  # concatenate the context's embeddings: (B, block_size * n_embd)
        # no bias: BatchNorm subtracts the batch mean right after, which would cancel it
        nn.Linear(n_embd * block_size, n_hidden, bias=False),
        nn.BatchNorm1d(n_hidden),
        nn.Tanh(),
        nn.Linear(n_hidden, vocab_size),
    )
    hidden, last = model[2], model[5]
    with ff.no_grad():
        nn.init.kaiming_normal_(hidden.weight, nonlinearity="tanh")  # std = (5/3) / sqrt(fan_in)
        last.weight *= 0.1  # a nearly uniform first prediction
        last.bias.zero_()
    return model


@ff.no_grad()
def split_loss(model: nn.Module, X: ff.Tensor, Y: ff.Tensor) -> float:
    return F.cross_entropy(model(X), Y).item()


@ff.no_grad()
def sample(model: nn.Module, itos: dict[int, str], block_size: int, generator, max_len=50) -> str:
    """Draw characters one at a time from the model's softmax until it emits '.'."""
    out: list[str] = []
    context = [0] * block_size
    while len(out) < max_len:  # a safety net; a trained model ends words much sooner
        logits = model(ff.tensor([context]))
        probs = F.softmax(logits, dim=1)
        ix = ff.multinomial(probs, num_samples=1, generator=generator).item()
        if ix == 0:
            break
        out.append(itos[ix])
        context = context[1:] + [ix]
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("words", type=Path, help="a text file with one word (name) per line")
    parser.add_argument("--block-size", type=int, default=3, help="characters of context")
    parser.add_argument("--n-embd", type=int, default=10, help="embedding size per character")
    parser.add_argument("--n-hidden", type=int, default=200, help="hidden units")
    parser.add_argument("--steps", type=int, default=20000, help="SGD steps")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--samples", type=int, default=20, help="names to sample at the end")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    words = read_words(args.words)
    if len(words) < 10:
        raise SystemExit(f"{args.words}: need at least 10 words for an 80/10/10 split")
    stoi, itos = build_vocab(words)
    vocab_size = len(stoi)
    print(f"{len(words)} words, vocabulary of {vocab_size}: {''.join(stoi)}")

    # 80% train, 10% validation, 10% test, split after a seeded shuffle.
    random.Random(args.seed).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    Xtr, Ytr = build_dataset(words[:n1], stoi, args.block_size)
    Xva, Yva = build_dataset(words[n1:n2], stoi, args.block_size)
    Xte, Yte = build_dataset(words[n2:], stoi, args.block_size)
    print(f"examples: train {len(Xtr)}, val {len(Xva)}, test {len(Xte)}")

    ff.manual_seed(args.seed)  # the layers' initial weights
    g = ff.Generator().manual_seed(args.seed)  # the minibatches
    model = make_model(vocab_size, args.block_size, args.n_embd, args.n_hidden)
    print(f"{sum(p.numel() for p in model.parameters())} parameters")

    # lr 0.1, then 0.01 for the second half of training (a single step decay).
    optimizer = ff.optim.SGD(model.parameters(), lr=0.1)
    scheduler = ff.optim.lr_scheduler.MultiStepLR(optimizer, [args.steps // 2], gamma=0.1)
    model.train()
    for i in range(args.steps):
        ix = ff.randint(0, len(Xtr), (args.batch_size,), generator=g)  # a random minibatch
        loss = F.cross_entropy(model(Xtr[ix]), Ytr[ix])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if i == 0:
            print(
                f"initial loss {loss.item():.4f} (uniform guess: ln({vocab_size}) = "
                f"{math.log(vocab_size):.4f})"
            )
        if i % max(1, args.steps // 10) == 0 or i == args.steps - 1:
            print(f"step {i:6d}/{args.steps}  loss {loss.item():.4f}")

    # Evaluation mode: BatchNorm uses its running mean/variance instead of batch statistics,
    # so a single example (as in sampling) can go through the network.
    model.eval()
    print(f"train loss {split_loss(model, Xtr, Ytr):.4f}")
    print(f"val loss {split_loss(model, Xva, Yva):.4f}")

    g_sample = ff.Generator().manual_seed(args.seed + 10)
    print("samples:")
    for _ in range(args.samples):
        print(f"  {sample(model, itos, args.block_size, g_sample)}")


if __name__ == "__main__":
    main()
