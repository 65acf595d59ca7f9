"""Web UI entry point (see assistant/webui.py)."""

from assistant.webui import main

if __name__ == "__main__":
    main()
