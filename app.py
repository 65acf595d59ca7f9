"""Entry point: the web UI and the HTTP API on one port (see assistant/server.py)."""

from assistant.server import main

if __name__ == "__main__":
    main()
