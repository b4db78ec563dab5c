"""What a webhook process loads: scipy only where a cohort is matched."""

from __future__ import annotations

import subprocess
import sys

from bot.runtime import loop_factory


def test_the_server_and_its_channels_do_not_load_scipy():
    code = (
        "import sys, bot.cli, bot.runtime, bot.channels.telegram, bot.channels.twilio, bot.app;"
        "from bot.runtime import platform_channels;"
        "print('scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_uvloop_runs_the_bot_when_installed():
    factory = loop_factory()
    assert factory is not None  # a declared dependency on Linux
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()
