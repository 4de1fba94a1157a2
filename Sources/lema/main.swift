import LemaCLI

LemaCommand.runMain()
