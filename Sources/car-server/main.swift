import CarServer
import Glibc

// The `car-server` executable: parse the command line, run the daemon until SIGINT/SIGTERM.
exit(DaemonMain.run(arguments: Array(CommandLine.arguments.dropFirst())))
