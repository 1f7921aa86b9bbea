"""Run every benchmark module under bench/ (or the ones named): each has a `main()` that prints figures."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(names: list[str]) -> None:
    here = Path(__file__).parent
    available = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    for name in names or available:
        if name not in available:
            sys.exit(f"unknown benchmark {name!r}; one of {', '.join(available)}")
        print(f"=== bench/{name}.py ===", flush=True)
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
