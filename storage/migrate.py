"""Writing new migrations (for maintainers): `entrepairs db revision "what changed"`.

The models are compared with a scratch SQLite database migrated to the current head, and the
new revision gets the next number, so the chain stays linear and readable (0001, 0002, ...).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from storage.db import MIGRATIONS, Database, alembic_config


def new_revision(message: str) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'scratch.db'}"
        database = Database(url)
        database.upgrade()
        database.dispose()
        config = alembic_config(url)
        heads = ScriptDirectory.from_config(config).get_heads()
        if len(heads) > 1:
            raise RuntimeError(f"several migration heads {heads}: chain them first")
        number = int(heads[0]) + 1 if heads and heads[0].isdigit() else 1
        slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
        script = command.revision(
            config, message=message, autogenerate=True, rev_id=f"{number:04d}"
        )
    path = Path(script.path) if script and not isinstance(script, list) else MIGRATIONS
    if path.is_file():
        text = path.read_text().replace("astext_type=Text()", "astext_type=sa.Text()")
        target = path.with_name(f"{number:04d}_{slug}.py")
        target.write_text(text)
        if target != path:
            path.unlink()
        return target
    return path
