"""``python -m sklearn_convlstm``: see :mod:`sklearn_convlstm.cli`."""

import sys

from sklearn_convlstm.cli import main

if __name__ == "__main__":
    sys.exit(main())
