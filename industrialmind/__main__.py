"""`python -m industrialmind ...`: the same CLI as the `industrialmind` console script."""

from industrialmind.cli import main

main()
