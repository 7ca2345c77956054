"""The PyTorch networks: a 1-D convolutional autoencoder and an LSTM autoencoder, plus the scoring head.

Import this module only to train or export: it imports torch (~2 s). Scoring uses the exported ONNX file.
Every network maps (batch, window, sensors) to a reconstruction of the same shape.
"""

from __future__ import annotations

import torch
from torch import nn

KINDS = ("conv_ae", "lstm_ae")


class ConvAE(nn.Module):
    """Convolutional autoencoder over time (SKAB's Conv-AE shape: two strided convs, two transposed convs)."""

    def __init__(self, n_sensors: int, window: int, hidden: int = 32, dropout: float = 0.2) -> None:
        super().__init__()
        h = hidden
        self.encoder = nn.Sequential(
            nn.Conv1d(n_sensors, h, 7, stride=2, padding=3), nn.ReLU(), nn.Dropout(dropout),
            nn.Conv1d(h, h // 2, 7, stride=2, padding=3), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose1d(h // 2, h // 2, 7, stride=2, padding=3, output_padding=1), nn.ReLU(),
            nn.Dropout(dropout),
            nn.ConvTranspose1d(h // 2, h, 7, stride=2, padding=3, output_padding=1), nn.ReLU(),
            nn.Conv1d(h, n_sensors, 7, padding=3),
        )
        self.window = window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct x (batch, window, sensors)."""
        z = self.encoder(x.transpose(1, 2))
        y = self.decoder(z)[:, :, : self.window]
        return y.transpose(1, 2)


class LSTMAE(nn.Module):
    """LSTM autoencoder: encode the window to a vector, repeat it over time, decode with a second LSTM."""

    def __init__(self, n_sensors: int, window: int, hidden: int = 32) -> None:
        super().__init__()
        self.window = window
        self.encoder = nn.LSTM(n_sensors, hidden, batch_first=True)
        self.decoder = nn.LSTM(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, n_sensors)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct x (batch, window, sensors)."""
        _, (h, _) = self.encoder(x)
        z = h[-1].unsqueeze(1).expand(-1, self.window, -1)
        y, _ = self.decoder(z)
        return self.out(y)


class ScoreHead(nn.Module):
    """Wraps a network so it returns per-sensor reconstruction error (batch, sensors): mean |x - x_hat| over time.

    Exporting the head, not the bare network, keeps the window's reconstruction inside ONNX Runtime and returns a
    few numbers per window instead of the whole reconstruction.
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per-sensor mean absolute reconstruction error of each window."""
        return (x - self.net(x)).abs().mean(dim=1)


def build(kind: str, n_sensors: int, window: int, hidden: int = 32) -> nn.Module:
    """Create an untrained network of this kind."""
    if kind == "conv_ae":
        return ConvAE(n_sensors, window, hidden)
    if kind == "lstm_ae":
        return LSTMAE(n_sensors, window, hidden)
    from industrialmind.errors import InvalidInputError, did_you_mean

    raise InvalidInputError(f"unknown network {kind!r}" + did_you_mean(kind, KINDS))
