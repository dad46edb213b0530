"""Import orgsim from this checkout even when the installed editable finder is stale.

An editable install made before `orgsim/__init__.py` existed maps `orgsim` to a namespace
package, and `import orgsim` then finds no API. Putting the checkout first on sys.path makes
these tests independent of how (or whether) the package was installed.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
