from fairs.cli import main

main()
