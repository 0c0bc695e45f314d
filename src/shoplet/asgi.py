"""ASGI entry point for servers: ``shoplet.asgi:app``.

A production configuration with problems stops here (one line each on stderr, exit code 2), so
a server started without ``shoplet serve`` refuses it too.
"""

from shoplet.app import create_app
from shoplet.core.config_check import exit_on_problems
from shoplet.core.settings import Settings

settings = Settings()
exit_on_problems(settings)
app = create_app(settings)
