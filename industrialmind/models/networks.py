"""The PyTorch networks: a convolutional autoencoder and an LSTM autoencoder, plus the scoring head.

Import this module only to train or export: it imports torch (~2 s). Scoring uses the exported ONNX file.
Every network maps (batch, sensors, window) to a reconstruction of the same shape. Channels-first is the layout
`windows.make_windows` yields without a copy and the one ONNX Runtime's convolutions want: with the older
(batch, window, sensors) layout two Transpose nodes took ~30% of ONNX Runtime's time.
"""

from __future__ import annotations

import torch
from torch import nn

KINDS = ("conv_ae", "lstm_ae")


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    # a (1, 7) kernel over a (batch, sensors, 1, window) tensor is a 1-D convolution over time; the 2-D form lets
    # ONNX Runtime use its blocked (NCHWc) convolution kernels, which it applies to 2-D convolutions only
    return nn.Conv2d(c_in, c_out, (1, 7), stride=(1, stride), padding=(0, 3))


class ConvAE(nn.Module):
    """Convolutional autoencoder over time (SKAB's Conv-AE shape: two strided convolutions down, two up).

    The decoder upsamples (nearest) and then convolves instead of using transposed convolutions: the same
    receptive field, no checkerboard artefacts, and ONNX Runtime runs it ~2x faster than ConvTranspose.
    """

    def __init__(self, n_sensors: int, window: int, hidden: int = 32, dropout: float = 0.2) -> None:
        super().__init__()
        h = hidden
        self.encoder = nn.Sequential(
            _conv(n_sensors, h, 2), nn.ReLU(), nn.Dropout(dropout),
            _conv(h, h // 2, 2), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.Upsample(scale_factor=(1, 2)), _conv(h // 2, h // 2), nn.ReLU(), nn.Dropout(dropout),
            nn.Upsample(scale_factor=(1, 2)), _conv(h // 2, h), nn.ReLU(),
            _conv(h, n_sensors),
        )
        self.window = window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct x (batch, sensors, window)."""
        y = self.decoder(self.encoder(x.unsqueeze(2)))
        return y[:, :, 0, : self.window]


class LSTMAE(nn.Module):
    """LSTM autoencoder: encode the window to a vector, repeat it over time, decode with a second LSTM."""

    def __init__(self, n_sensors: int, window: int, hidden: int = 32) -> None:
        super().__init__()
        self.window = window
        self.encoder = nn.LSTM(n_sensors, hidden, batch_first=True)
        self.decoder = nn.LSTM(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_sensors)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct x (batch, sensors, window)."""
        _, (h, _) = self.encoder(x.transpose(1, 2))
        z = h[-1].unsqueeze(1).expand(-1, self.window, -1)
        y, _ = self.decoder(z)
        return self.out(y).transpose(1, 2)


class ScoreHead(nn.Module):
    """Wraps a network so it returns per-sensor reconstruction error (batch, sensors): mean |x - x_hat| over time.

    Exporting the head, not the bare network, keeps the window's reconstruction inside ONNX Runtime and returns a
    few numbers per window instead of the whole reconstruction.
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sensor mean absolute reconstruction error of each (batch, sensors, window) window."""
        return (x - self.net(x)).abs().mean(dim=2)


def build(kind: str, n_sensors: int, window: int, hidden: int = 32) -> nn.Module:
    """Create an untrained network of this kind."""
    if kind == "conv_ae":
        return ConvAE(n_sensors, window, hidden)
    if kind == "lstm_ae":
        return LSTMAE(n_sensors, window, hidden)
    from industrialmind.errors import InvalidInputError, did_you_mean

    raise InvalidInputError(f"unknown network {kind!r}" + did_you_mean(kind, KINDS))
