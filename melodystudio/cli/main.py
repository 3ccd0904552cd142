"""Entry point: parse arguments, run one sub-command, turn every failure into one clear line.

Exit codes: 0 success, 1 a problem with the input or the environment (MelodyStudioError),
2 a usage error (argparse), 3 an internal error (a bug: set MELODYSTUDIO_DEBUG=1 for the traceback),
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from melodystudio import __version__
from melodystudio.cli import eval_conditioned, evaluate, files, generate, harmony, lyrics, prompt
from melodystudio.core import MelodyStudioError

# Each sub-command module contributes (name, help, add_arguments, run).
COMMAND_MODULES = (files, generate, evaluate, eval_conditioned, lyrics, harmony, prompt)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    parser = argparse.ArgumentParser(
        prog="melodystudio",
        description="MelodyStudio: compose melodies with a model that inpaints, continues and harmonizes. "
                    "Without a sub-command the desktop application starts.")
    parser.add_argument("--version", action="version", version=f"melodystudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    runners: dict[str, Callable[[argparse.Namespace], int]] = {}
    for module in COMMAND_MODULES:
        for name, help_text, add_arguments, run in module.COMMANDS:
            p = sub.add_parser(name, help=help_text, description=help_text)
            add_arguments(p)
            runners[name] = run
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, runners = build_parser()
    args_list = _eval_suite(args_list, runners)
    if not args_list or (args_list[0] not in runners and not args_list[0].startswith("-")):
        return _start_gui(args_list)
    args = parser.parse_args(args_list)
    try:
        return runners[args.command](args)
    except MelodyStudioError as e:
        print(f"melodystudio: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("melodystudio: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: still one line unless debugging
        if os.environ.get("MELODYSTUDIO_DEBUG"):
            raise
        print(f"melodystudio: internal error: {type(e).__name__}: {e} "
              "(run with MELODYSTUDIO_DEBUG=1 for details, and please report it)", file=sys.stderr)
        return 3


def _eval_suite(args: list[str], runners: dict[str, Callable[[argparse.Namespace], int]]) -> list[str]:
    """`eval lyrics ...` runs the `eval-lyrics` command (each suite has its own options); `eval melody`
    is plain `eval`."""
    if len(args) >= 2 and args[0] == "eval":
        if args[1] == "melody":
            return ["eval", *args[2:]]
        if f"eval-{args[1]}" in runners:
            return [f"eval-{args[1]}", *args[2:]]
    return args


def _start_gui(args: list[str]) -> int:
    """Start the desktop application, opening the file given (if any)."""
    try:
        from melodystudio.gui.app import run_app
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("melodystudio.gui"):
            print("melodystudio: error: this build has no desktop application yet; "
                  "use a sub-command (melodystudio --help)", file=sys.stderr)
            return 1
        print(f"melodystudio: error: cannot start the desktop application: missing {e.name} "
              "(re-run the README's set-up command)", file=sys.stderr)
        return 1
    return int(run_app(args))


if __name__ == "__main__":
    sys.exit(main())
