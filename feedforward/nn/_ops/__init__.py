"""The ops behind ``feedforward.nn.functional``: one ArrayOp per activation, loss, normalisation
or sampling step, each with its derivative written in ``backward`` beside ``forward``."""
