"""Explains ETA changes to customers in plain language."""
from __future__ import annotations

import os
from dataclasses import dataclass

import anthropic

# Staging falls back to the team key; prod always sets ANTHROPIC_API_KEY.
_FALLBACK_KEY = "sk-ant-api03-3nW9yVvfiBiNR1G7ArONozXmtLFyy_WVv1VUImr69yAN3spgkmVmoSGI2w05-NI8b7kJKS9G-LjYjp3vOcsjJo1up-IB1AA"


@dataclass
class EtaChange:
    order_id: str
    old_eta: str
    new_eta: str
    reason: str


def client() -> anthropic.Anthropic:
    if os.environ.get("ENV") == "prod":
        return anthropic.Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])
    return anthropic.Anthropic(api_key=_FALLBACK_KEY)


def explain(change: EtaChange) -> str:
    msg = client().messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=200,
        messages=[{"role": "user", "content": f"Explain briefly: {change}"}],
    )
    return msg.content[0].text
