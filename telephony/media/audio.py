"""Checking and converting uploaded audio by really decoding it (miniaudio).

Only WAV and MP3 are accepted. The file is decoded completely; a file that does not decode
(a renamed text file, a truncated upload) or has no sound frames is refused. What the nodes
play is a 16 kHz, 16-bit mono WAV.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import miniaudio
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SAMPLE_RATE = 16000
MIN_DURATION_MS = 100


@dataclass(frozen=True)
class ConvertedAudio:
    format: str  # "wav" or "mp3": what the upload really was
    duration_ms: int
    wav: bytes  # 16 kHz mono 16-bit PCM WAV


def detect_format(data: bytes) -> str | None:
    """``wav`` or ``mp3`` when the bytes parse as such, else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            miniaudio.wav_get_info(data)
            return "wav"
        except miniaudio.DecodeError:
            return None
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        try:
            miniaudio.mp3_get_info(data)
            return "mp3"
        except miniaudio.DecodeError:
            return None
    return None


def convert(data: bytes) -> ConvertedAudio:
    """Decode a WAV or MP3 upload and return it as the WAV the nodes play; ValidationError otherwise."""
    kind = detect_format(data)
    if kind is None:
        raise ValidationError(_("The file is not a WAV or MP3 audio file."), code="format")
    try:
        decoded = miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=SAMPLE_RATE)
    except miniaudio.DecodeError as exc:
        raise ValidationError(_("The audio could not be decoded: the file is damaged."), code="decode") from exc
    frames = len(decoded.samples)
    duration_ms = frames * 1000 // SAMPLE_RATE
    if duration_ms < MIN_DURATION_MS:
        raise ValidationError(_("The file contains no audio."), code="empty")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(decoded.samples.tobytes())
    return ConvertedAudio(format=kind, duration_ms=duration_ms, wav=buffer.getvalue())
