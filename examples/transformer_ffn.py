"""The transformer's feed-forward block from the "GPT from scratch" tutorial, on its own.

    python examples/transformer_ffn.py [--batch 4] [--tokens 8] [--n-embd 32] [--steps 50]

Inside every transformer block, after attention has let the tokens talk to each other, each
token "thinks on its own" through a small MLP: n_embd -> 4 * n_embd -> ReLU -> n_embd, then
Dropout. The block is applied to a (batch, tokens, n_embd) tensor: nn.Linear works on the last
dimension, so every token of every sequence goes through the same weights, and the output has
exactly the input's shape (which is what lets the block sit on a residual connection,
x = x + ffwd(x)).

To show the block learns, we fit it for a few Adam steps to a fixed random target with MSE.
"""

from __future__ import annotations

import argparse

import feedforward as ff
from feedforward import nn


class FeedForward(nn.Module):
    """A simple linear layer followed by a non-linearity (the tutorial's own class).

    Args:
        n_embd: the embedding size of each token.
        dropout: the probability of zeroing an activation in training mode.

    Shape:
        input (batch, tokens, n_embd) -> output (batch, tokens, n_embd).
    """

    def __init__(self, n_embd: int, dropout: float = 0.2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd),  # widen 4x, as in "Attention Is All You Need"
            nn.ReLU(),
            nn.Linear(4 * n_embd, n_embd),  # project back to the residual stream
            nn.Dropout(dropout),
        )

    def forward(self, x: ff.Tensor) -> ff.Tensor:
        return self.net(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4, help="sequences per batch (B)")
    parser.add_argument("--tokens", type=int, default=8, help="tokens per sequence (T)")
    parser.add_argument("--n-embd", type=int, default=32, help="embedding size (C)")
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--steps", type=int, default=50, help="Adam steps on the MSE target")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args()

    ff.manual_seed(args.seed)  # the layers' initial weights and the dropout masks
    B, T, C = args.batch, args.tokens, args.n_embd
    ffwd = FeedForward(C, args.dropout)
    print(ffwd)
    n_params = sum(p.numel() for p in ffwd.parameters())
    print(f"{n_params} parameters (2 * 4 * C * C weights + 5 * C biases with C = {C})")

    # The same MLP is applied to each of the B * T token vectors independently.
    x = ff.randn(B, T, C)
    out = ffwd(x)
    print(f"input shape {tuple(x.shape)} -> output shape {tuple(out.shape)}")

    # Fit the block to a fixed random target: the loss should fall step after step (with a
    # little noise, because dropout draws a new mask every forward pass in training mode).
    target = ff.randn(B, T, C)
    optimizer = ff.optim.Adam(ffwd.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    ffwd.train()
    for step in range(args.steps):
        loss = loss_fn(ffwd(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 10 == 0 or step == args.steps - 1:
            print(f"step {step:4d}  loss {loss.item():.4f}")

    # In evaluation mode Dropout is the identity, so the output is deterministic.
    ffwd.eval()
    with ff.no_grad():
        final = loss_fn(ffwd(x), target).item()
    print(f"eval loss {final:.4f}")


if __name__ == "__main__":
    main()
