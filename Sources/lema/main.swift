import LemaCLI
LemaCommand.main()
