"""Executes a notebook with nbclient for the notebook tests (test/notebooks/runner.ts).

    /usr/bin/python3 execute_notebook.py --kernel NAME --cwd DIR --timeout SECONDS IN OUT

Runs the cells of IN in order on the kernel NAME (its kernelspec found on JUPYTER_PATH), in the
working directory DIR, and stops at the first cell that fails. OUT is written in every case, with
the outputs of every cell that ran, so the caller can show what went wrong. The last line on
stdout is a JSON summary: {"ok": bool, "failed_cell": index or null, "message": text,
"seconds": [per executed cell]}.

nbclient 0.7 (Debian 12) has no `python3 -m nbclient`; this is that command, with the partial
notebook written on failure, which `jupyter nbconvert --execute` does not do.
"""

import argparse
import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--startup-timeout", type=int, default=60)
    parser.add_argument("source")
    parser.add_argument("target")
    args = parser.parse_args()

    notebook = nbformat.read(args.source, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=args.kernel,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": args.cwd}},
    )

    summary = {"ok": True, "failed_cell": None, "message": "", "seconds": []}
    current = {"index": None, "started": 0.0}

    def on_cell_start(cell, cell_index, **_kwargs):
        current["index"] = cell_index
        current["started"] = time.monotonic()

    def on_cell_complete(cell, cell_index, **_kwargs):
        summary["seconds"].append(
            {"cell": cell_index, "seconds": round(time.monotonic() - current["started"], 3)}
        )

    client.on_cell_start = on_cell_start
    client.on_cell_complete = on_cell_complete

    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        summary["ok"] = False
        summary["failed_cell"] = current["index"]
        summary["message"] = f"{type(error).__name__}: {error}"
    except Exception as error:  # the kernel did not start, the notebook is unreadable...
        summary["ok"] = False
        summary["message"] = f"{type(error).__name__}: {error}"
    finally:
        nbformat.write(notebook, args.target)

    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
