from qualcode.cli import main

main()
