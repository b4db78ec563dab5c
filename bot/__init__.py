"""The runtime: channels, the HTTP server, delivery, the scheduler and the command line."""

import sys

# httpx (python-telegram-bot's HTTP client) imports its own command-line client whenever rich and
# click are installed, as typer installs them: 8 MB of rich and pygments in every process, for a
# command the bot never runs. With None here that optional import fails, as httpx allows for.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
