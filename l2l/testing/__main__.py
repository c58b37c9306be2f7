"""``python -m l2l.testing [OUT.csv] [--seed S]``: write the synthetic sample table."""

from l2l.testing import main

main()
